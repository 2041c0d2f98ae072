/**
 * Raw kafkajs against the Kafka broker: one message produced and consumed by a group.
 *
 * @brokers kafka
 */
import { Kafka, logLevel, Partitioners, type KafkaMessage } from 'kafkajs';
import { deadline, requireEnv, uniqueName } from '../support/env.js';

jest.setTimeout(60_000);

test('kafkajs produces and consumes one message', async () => {
  const kafka = new Kafka({
    clientId: 'eventport-smoke',
    brokers: requireEnv('EVENTPORT_KAFKA_BROKERS').split(','),
    logLevel: logLevel.WARN,
  });
  const topic = uniqueName('smoke');
  const admin = kafka.admin();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  const consumer = kafka.consumer({ groupId: uniqueName('smoke-group') });
  try {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });

    await producer.connect();
    await producer.send({
      topic,
      messages: [{ key: 'order-1', value: 'hello kafka', headers: { ce_type: 'smoke.test' } }],
    });

    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received = new Promise<KafkaMessage>((resolve) => {
      void consumer.run({ eachMessage: async ({ message }) => resolve(message) });
    });
    const message = await deadline(received, 30_000, `consume from ${topic}`);

    expect(message.key?.toString()).toBe('order-1');
    expect(message.value?.toString()).toBe('hello kafka');
    expect(message.headers?.ce_type?.toString()).toBe('smoke.test');
  } finally {
    await consumer.disconnect();
    await producer.disconnect();
    await admin.disconnect();
  }
});
