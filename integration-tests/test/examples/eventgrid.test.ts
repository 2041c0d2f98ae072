/**
 * The pattern examples (examples/<name>) on the project's Event Grid emulator: namespace topics
 * (pull delivery, no per-key order, no push), and basic topics (push delivery) for push-consumer.
 * The key travels as EVENTGRID_KEY (the adapter's environment variable), not in the URL. Each run
 * is checked against the outcome the README's examples table states (see run-example.ts). The
 * payments run takes about a minute: the killed worker's events come back when their locks expire
 * (60 s, the shortest lock Event Grid has).
 *
 * @brokers eventgrid
 */
import { requireEnv } from '../support/env.js';
import { EXAMPLE_TEST_TIMEOUT_MS, expectations, expectOutcome, PULL_ONLY } from './run-example.js';

jest.setTimeout(EXAMPLE_TEST_TIMEOUT_MS);

function target(mode: 'namespace' | 'basic'): { url: string; env: NodeJS.ProcessEnv } {
  const endpoint = new URL(requireEnv('EVENTPORT_EVENTGRID_ENDPOINT'));
  return {
    url: `eventgrid://${endpoint.host}/examples${mode === 'basic' ? '?mode=basic' : ''}`,
    env: { EVENTGRID_KEY: requireEnv('EVENTPORT_EVENTGRID_KEY') },
  };
}

describe('on Event Grid (emulator, namespace topics)', () => {
  it.each(
    expectations({
      ...PULL_ONLY,
      'iot-stream': { unsupported: ['order.per-key'] },
      'anomaly-detection': { unsupported: ['order.per-key'] },
      orders: { unsupported: ['order.per-key'] },
    }),
  )('$title', (c) => {
    const { url, env } = target('namespace');
    return expectOutcome(c, url, env);
  });
});

describe('on Event Grid (emulator, basic topics: push)', () => {
  it.each(expectations({}, ['push-consumer']))('$title', (c) => {
    const { url, env } = target('basic');
    return expectOutcome(c, url, env);
  });
});
