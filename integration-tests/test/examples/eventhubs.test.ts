/**
 * The pattern examples (examples/<name>) on the project's Event Hubs emulator, checkpoints on
 * Azurite. The emulator's endpoint and key travel as EVENTHUB_CONNECTION_STRING and the storage as
 * AZURE_STORAGE_CONNECTION_STRING (the adapter's environment variables), not in the URL. Every
 * example keeps its promise except push-consumer (Event Hubs has no push: exit 3). See
 * run-example.ts for what a run checks.
 *
 * @brokers eventhubs azurite
 */
import { connectionString, storageConnectionString } from '../eventhubs/support/eventhubs.js';
import { EXAMPLE_TEST_TIMEOUT_MS, expectations, expectOutcome, PULL_ONLY } from './run-example.js';

jest.setTimeout(EXAMPLE_TEST_TIMEOUT_MS);

/** Fast load balancing and checkpoints (as the adapter suites use), so groups start in seconds. */
const FAST = 'loadBalancingIntervalMs=300&ownershipExpirationMs=3000&commitIntervalMs=100&maxWaitTimeMs=500';

function target(): { url: string; env: NodeJS.ProcessEnv } {
  const endpoint = /Endpoint=sb:\/\/([^;/]+)/.exec(connectionString())?.[1];
  if (endpoint === undefined) throw new Error('the emulator connection string has no Endpoint=sb://HOST');
  return {
    url: `eventhubs://${endpoint}/examples?${FAST}`,
    env: {
      EVENTHUB_CONNECTION_STRING: connectionString(),
      AZURE_STORAGE_CONNECTION_STRING: storageConnectionString(),
    },
  };
}

describe('on Event Hubs (emulator + Azurite)', () => {
  it.each(expectations(PULL_ONLY))('$title', (c) => {
    const { url, env } = target();
    return expectOutcome(c, url, env);
  });
});
