/**
 * An SQS long poll the client aborted, through the raw client on ElasticMQ: the server keeps the
 * ReceiveMessage waiting after the client went away, and it takes the next message that becomes
 * visible — a receive nobody gets an answer for. The message comes back after its visibility
 * timeout with ApproximateReceiveCount one higher than any handler saw.
 *
 * Why it matters here: a closing SQS consumer aborts its long polls (else close would wait up to
 * WaitTimeSeconds, 20 s by default) and then gives back the messages it held unhandled; a poll
 * still alive on the server can take such a message, so its next consumer sees it late and with
 * a receive count the attempt ledger cannot correct (conformance check handler-attempts-takeover
 * on SQS FIFO). Whether real SQS keeps an abandoned long poll alive is not verified here (no
 * network to AWS).
 *
 * @brokers elasticmq
 */
import {
  CreateQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { requireEnv, uniqueName } from '../support/env.js';

jest.setTimeout(60_000);

test('a long poll aborted by the client still takes the next message on ElasticMQ (the message returns after its visibility timeout, counted twice)', async () => {
  const client = (): SQSClient =>
    new SQSClient({
      endpoint: requireEnv('EVENTPORT_SQS_ENDPOINT'),
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
  const sqs = client();
  const poller = client();
  try {
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({
        QueueName: uniqueName('aborted-poll'),
        Attributes: { VisibilityTimeout: '4' },
      }),
    );
    const url = QueueUrl!;
    const abort = new AbortController();
    const poll = poller.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 20 }), {
      abortSignal: abort.signal,
    });
    await new Promise((r) => setTimeout(r, 500)); // the poll waits on the empty queue
    abort.abort();
    await expect(poll).rejects.toThrow();
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'after the abort' }));
    const sent = Date.now();
    let got: { body?: string; count?: string } | undefined;
    while (got === undefined && Date.now() - sent < 20_000) {
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          WaitTimeSeconds: 1,
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }),
      );
      const m = out.Messages?.[0];
      if (m !== undefined) got = { body: m.Body, count: m.Attributes?.ApproximateReceiveCount };
    }
    const waitedMs = Date.now() - sent;
    expect(got?.body).toBe('after the abort');
    // SQS semantics would answer the live receive at once with count 1; the abandoned poll took it first
    expect({ count: got?.count, late: waitedMs >= 3_000 }).toEqual({ count: '2', late: true });
  } finally {
    sqs.destroy();
    poller.destroy();
  }
});
