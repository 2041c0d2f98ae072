/**
 * The pattern examples (examples/<name>) on Google's Pub/Sub emulator, default configuration
 * (ordering keys, exactly-once delivery subscriptions). See run-example.ts for what a run checks
 * and when it is a skip (the capability report's reasons, exit code 3).
 *
 * @brokers pubsub
 */
import { pubsubUrl } from '../pubsub/support/pubsub.js';
import { ALL_EXAMPLES, EXAMPLE_TEST_TIMEOUT_MS, expectPromiseKept } from './run-example.js';

jest.setTimeout(EXAMPLE_TEST_TIMEOUT_MS);

describe('on Pub/Sub (emulator)', () => {
  it.each(ALL_EXAMPLES)('%s', (name) => expectPromiseKept(name, pubsubUrl('&pullTimeoutMs=2000')));
});
