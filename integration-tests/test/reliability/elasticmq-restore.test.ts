/**
 * Why the soak's ElasticMQ kill row is not a measure of EventPort (issue 16): a raw SQS client
 * shows that ElasticMQ 1.7.1, with its messages persisted (H2) and restarted after a SIGKILL, does
 * not restore a FIFO queue as SQS keeps one: messages deleted before the kill come back, and a
 * message group is delivered out of its send order. The soak's kill row on ElasticMQ counts those
 * as duplicates and order violations; its network-cut row (the server keeps its state) is the one
 * that measures the adapter. A private node on a free port (the shared one is never killed).
 *
 * @brokers elasticmq
 */
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { PrivateElasticMq } from './soak/private-elasticmq.js';

jest.setTimeout(120_000);

/** Receives (and deletes) up to `max` bodies of the queue, in delivery order, within `polls` polls. */
async function drain(sqs: SQSClient, url: string, max: number, polls: number): Promise<number[]> {
  const out: number[] = [];
  for (let p = 0; p < polls && out.length < max; p++) {
    const r = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: Math.min(10, max - out.length),
        WaitTimeSeconds: 1,
      }),
    );
    const messages = r.Messages ?? [];
    for (const m of messages) out.push(Number(m.Body));
    if (messages.length > 0)
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: url,
          Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
        }),
      );
  }
  return out;
}

test('a persisted ElasticMQ FIFO queue after SIGKILL + restart: deleted messages return or the group loses its order', async () => {
  const node = await PrivateElasticMq.create();
  const sqs = new SQSClient({
    endpoint: node.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  try {
    await node.start();
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({ QueueName: 'restore.fifo', Attributes: { FifoQueue: 'true' } }),
    );
    const url = QueueUrl!;
    for (let b = 0; b < 20; b++)
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: Array.from({ length: 10 }, (_, i) => ({
            Id: String(i),
            MessageBody: String(b * 10 + i),
            MessageGroupId: 'one-group',
            MessageDeduplicationId: `m${b * 10 + i}`,
          })),
        }),
      );
    const before = await drain(sqs, url, 50, 20);
    expect(before).toEqual(Array.from({ length: 50 }, (_, i) => i)); // in order while it runs

    await node.kill();
    await node.start();
    const after = await drain(sqs, url, 400, 60);

    const deletedCameBack = after.filter((n) => n < 50);
    const inversions = after.filter((n, i) => i > 0 && n < after[i - 1]!);
    // SQS would deliver exactly 50..199 in order; ElasticMQ's restore does not
    expect({ deletedCameBack: deletedCameBack.length, inversions: inversions.length }).not.toEqual({
      deletedCameBack: 0,
      inversions: 0,
    });
  } finally {
    sqs.destroy();
    await node.destroy();
  }
});
