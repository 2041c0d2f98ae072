/**
 * Raw @aws-sdk/client-sqs against both SQS implementations (ElasticMQ and moto): send, receive
 * and delete one message on each.
 *
 * @brokers elasticmq moto
 */
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { requireEnv, uniqueName } from '../support/env.js';

jest.setTimeout(60_000);

/** Emulators accept any credentials; a real endpoint uses the default AWS credential chain. */
function client(endpoint: string): SQSClient {
  const dummy = process.env.AWS_ACCESS_KEY_ID
    ? {}
    : { credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
  return new SQSClient({ endpoint, region: process.env.AWS_REGION ?? 'us-east-1', ...dummy });
}

describe.each([
  ['ElasticMQ', 'EVENTPORT_SQS_ENDPOINT'],
  ['moto', 'EVENTPORT_MOTO_ENDPOINT'],
])('SQS on %s', (_name, envVar) => {
  test('sends, receives and deletes one message', async () => {
    const sqs = client(requireEnv(envVar));
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('smoke') }));
    expect(QueueUrl).toBeDefined();
    const queueUrl = QueueUrl as string;
    try {
      const sent = await sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: 'hello sqs',
          MessageAttributes: { ce_type: { DataType: 'String', StringValue: 'smoke.test' } },
        }),
      );
      expect(sent.MessageId).toBeTruthy();

      const received = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 5,
          MessageAttributeNames: ['All'],
        }),
      );
      expect(received.Messages).toHaveLength(1);
      const [message] = received.Messages ?? [];
      expect(message?.MessageId).toBe(sent.MessageId);
      expect(message?.Body).toBe('hello sqs');
      expect(message?.MessageAttributes?.ce_type?.StringValue).toBe('smoke.test');

      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message?.ReceiptHandle }));
      const attributes = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      expect(attributes.Attributes?.ApproximateNumberOfMessages).toBe('0');
      expect(attributes.Attributes?.ApproximateNumberOfMessagesNotVisible).toBe('0');
    } finally {
      await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
      sqs.destroy();
    }
  });
});
