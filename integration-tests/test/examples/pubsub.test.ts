/**
 * The pattern examples (examples/<name>) on Google's Pub/Sub emulator, default configuration
 * (ordering keys, exactly-once delivery subscriptions). Every example keeps its promise except
 * push-consumer (Pub/Sub push subscriptions are not offered: exit 3, no push). See run-example.ts
 * for what a run checks.
 *
 * @brokers pubsub
 */
import { pubsubUrl } from '../pubsub/support/pubsub.js';
import { EXAMPLE_TEST_TIMEOUT_MS, expectations, expectOutcome, PULL_ONLY } from './run-example.js';

jest.setTimeout(EXAMPLE_TEST_TIMEOUT_MS);

describe('on Pub/Sub (emulator)', () => {
  it.each(expectations(PULL_ONLY))('$title', (c) => expectOutcome(c, pubsubUrl('&pullTimeoutMs=2000')));
});
