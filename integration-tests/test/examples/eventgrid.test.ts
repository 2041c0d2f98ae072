/**
 * The pattern examples (examples/<name>) on the project's Event Grid emulator (namespace topics,
 * pull delivery). The key travels as EVENTGRID_KEY (the adapter's environment variable), not in
 * the URL. See run-example.ts for what a run checks and when it is a skip (the capability
 * report's reasons, exit code 3). The payments run takes about a minute: the killed worker's
 * events come back when their locks expire (60 s, the shortest lock Event Grid has).
 *
 * @brokers eventgrid
 */
import { requireEnv } from '../support/env.js';
import { ALL_EXAMPLES, EXAMPLE_TEST_TIMEOUT_MS, expectPromiseKept } from './run-example.js';

jest.setTimeout(EXAMPLE_TEST_TIMEOUT_MS);

function target(): { url: string; env: NodeJS.ProcessEnv } {
  const endpoint = new URL(requireEnv('EVENTPORT_EVENTGRID_ENDPOINT'));
  return {
    url: `eventgrid://${endpoint.host}/examples`,
    env: { EVENTGRID_KEY: requireEnv('EVENTPORT_EVENTGRID_KEY') },
  };
}

describe('on Event Grid (emulator, namespace topics)', () => {
  it.each(ALL_EXAMPLES)('%s', (name) => {
    const { url, env } = target();
    return expectPromiseKept(name, url, env);
  });
});
