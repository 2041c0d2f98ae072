import { BrokerUnavailableError, TopicNotFoundError } from '@eventport/core';
import { createTopicAndWait } from '../src/topic-creation';

/** A kafkajs-shaped protocol error (what the retrier wraps). */
function protocolError(type: string): Error {
  const cause = Object.assign(new Error(`protocol ${type}`), {
    name: 'KafkaJSProtocolError',
    type,
    retriable: true,
  });
  return Object.assign(new Error('retries exceeded'), { name: 'KafkaJSNumberOfRetriesExceeded', cause });
}

function fakeAdmin(create: () => Promise<unknown>, metadata: (() => { leader: number }[] | Error)[]) {
  let calls = 0;
  return {
    metadataCalls: () => calls,
    createTopics: create as never,
    fetchTopicMetadata: (async () => {
      const step = metadata[Math.min(calls++, metadata.length - 1)]!();
      if (step instanceof Error) throw step;
      return { topics: [{ name: 't', partitions: step.map((p, i) => ({ partitionId: i, ...p })) }] };
    }) as never,
  };
}

const spec = { topic: 't', numPartitions: 2, replicationFactor: 1 };

test("a new topic whose metadata is slow (kafkajs' wait gave up) is waited for, not reported missing", async () => {
  const admin = fakeAdmin(
    () => Promise.reject(protocolError('UNKNOWN_TOPIC_OR_PARTITION')),
    [
      () => protocolError('UNKNOWN_TOPIC_OR_PARTITION'),
      () => [{ leader: -1 }, { leader: 1 }],
      () => [{ leader: 1 }, { leader: 1 }],
    ],
  );
  await expect(createTopicAndWait(admin, spec, 10_000)).resolves.toBeUndefined();
  expect(admin.metadataCalls()).toBe(3);
});

test('an existing topic is fine; other errors keep their meaning', async () => {
  await expect(
    createTopicAndWait(
      fakeAdmin(() => Promise.reject(protocolError('TOPIC_ALREADY_EXISTS')), []),
      spec,
    ),
  ).resolves.toBeUndefined();
  const denied = fakeAdmin(() => Promise.reject(protocolError('TOPIC_AUTHORIZATION_FAILED')), []);
  await expect(createTopicAndWait(denied, spec)).rejects.not.toBeInstanceOf(BrokerUnavailableError);
  expect(denied.metadataCalls()).toBe(0);
});

test('leaders that never come: a retryable error after the bound, not TopicNotFoundError', async () => {
  const admin = fakeAdmin(
    () => Promise.reject(protocolError('LEADER_NOT_AVAILABLE')),
    [() => protocolError('UNKNOWN_TOPIC_OR_PARTITION')],
  );
  const err = await createTopicAndWait(admin, spec, 400).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(BrokerUnavailableError);
  expect(err).not.toBeInstanceOf(TopicNotFoundError);
  expect((err as BrokerUnavailableError).retryable).toBe(true);
});
