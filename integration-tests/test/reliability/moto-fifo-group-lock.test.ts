/**
 * moto's FIFO message-group lock, through the raw SQS client: the misbehaviour behind the
 * per-key-order inversions on moto (issue 16; gap `per-key-order` in ../sqs/conformance-moto.test.ts).
 *
 * SQS FIFO: while no message of a group is in flight, a receive returns the group's messages from
 * its oldest one on; a later message is never returned while an earlier one was skipped. moto 5.2
 * (sqs/models.py, `receive_message`) decides "group in flight" from a set of groups it copies when
 * the ReceiveMessage call starts and refreshes only when it meets a message whose visibility ran
 * out. A long poll that began while the group's head was in flight keeps skipping the group after
 * that head was deleted; when the scan then meets an expired message, the set is refreshed mid-scan
 * and the group's messages after that point are returned, while the earlier ones it passed stay
 * behind. Traces of the failing conformance runs show exactly this: every inverted event was
 * received for the first time (ApproximateReceiveCount 1) after a later event of its key, though
 * both were sent, in order, by sequential successful SendMessageBatch calls.
 *
 * @brokers moto
 */
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { requireEnv, uniqueName } from '../support/env.js';

jest.setTimeout(60_000);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('moto returns a later message of a FIFO group while skipping an earlier one (a long poll keeps a stale group lock until it meets an expired message)', async () => {
  const client = (): SQSClient =>
    new SQSClient({
      endpoint: requireEnv('EVENTPORT_MOTO_ENDPOINT'),
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
  const sqs = client();
  const poller = client(); // the long poll on its own connection, as the SQS receiver does
  try {
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({
        QueueName: `${uniqueName('group-lock')}.fifo`,
        Attributes: { FifoQueue: 'true' },
      }),
    );
    const url = QueueUrl!;
    // queue order: a0 a1 (group A), x (group B), a2 (group A)
    for (const [body, group] of [
      ['a0', 'A'],
      ['a1', 'A'],
      ['x', 'B'],
      ['a2', 'A'],
    ] as const) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: url,
          MessageBody: body,
          MessageGroupId: group,
          MessageDeduplicationId: body,
        }),
      );
    }
    const receive = (max: number, visibility: number, wait = 0, on = sqs) =>
      on
        .send(
          new ReceiveMessageCommand({
            QueueUrl: url,
            MaxNumberOfMessages: max,
            VisibilityTimeout: visibility,
            WaitTimeSeconds: wait,
          }),
        )
        .then((out) => out.Messages ?? []);

    const head = await receive(1, 30); // a0 in flight: group A locked
    expect(head.map((m) => m.Body)).toEqual(['a0']);
    const other = await receive(1, 3); // x in flight for 3 s (a1 is skipped: A is locked)
    expect(other.map((m) => m.Body)).toEqual(['x']);

    // A long poll starts while A is locked; a0 is deleted 1 s into it (A is free from then on).
    const poll = receive(10, 30, 8, poller);
    await sleep(1_000);
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: head[0]!.ReceiptHandle! }));
    const polledMessages = await poll;
    const polled = polledMessages.map((m) => m.Body);

    // SQS: once a0 is gone the poll returns A from a1 on (a1, a2; x too once its 3 s are over).
    // moto: the poll still treats A as locked, skips a1, meets x when x's visibility ends, refreshes
    // its lock set there, and returns x and a2 — a2 without a1. a2 handled and deleted, the next
    // receive returns a1: the group's order is a0, a2, a1.
    for (const m of polledMessages) {
      await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle! }));
    }
    const next = (await receive(10, 30, 1)).map((m) => m.Body);
    expect({ polled, next }).toEqual({ polled: ['x', 'a2'], next: ['a1'] });
  } finally {
    sqs.destroy();
    poller.destroy();
  }
});
