/**
 * Secrets are not reachable by inspecting, serialising or logging what EventPort returns or
 * throws: util.inspect at any depth (hidden properties included), JSON.stringify, String().
 * Checked for the Kafka (SASL password) and SQS (secret access key) adapters without any network:
 * creating the driver, producers and consumers opens nothing until first use.
 */
import { inspect } from 'node:util';
import { connect } from '../../src/api/connect.js';
import type { Broker } from '../../src/api/broker.js';
import { ConfigError, EventPortError } from '../../src/errors/errors.js';
import '@eventport/kafka';
import '@eventport/sqs';
import { RecordingLogger } from '../helpers/fakes.js';

const SECRET = 'Sup3rS3cretValue';

function views(value: unknown): string[] {
  return [
    inspect(value, { depth: Infinity }),
    inspect(value, { depth: Infinity, showHidden: true }),
    inspect(value, { depth: Infinity, customInspect: false }),
    JSON.stringify(value) ?? '',
    String(value),
  ];
}

function expectClean(value: unknown): void {
  for (const view of views(value)) expect(view).not.toContain(SECRET);
}

async function objectsOf(broker: Broker): Promise<unknown[]> {
  const producer = broker.producer('t');
  const consumer = broker.consumer('t');
  return [broker, producer, consumer, broker.capabilities];
}

describe('secrets are not reachable by inspection', () => {
  it('kafka: the SASL password', async () => {
    const broker = await connect(`kafka://alice:${SECRET}@127.0.0.1:1?sasl=scram-sha-512`, {
      logger: new RecordingLogger(),
    });
    try {
      for (const o of await objectsOf(broker)) expectClean(o);
    } finally {
      await broker.close();
    }
  });

  it('sqs: the secret access key', async () => {
    const broker = await connect(
      {
        kind: 'sqs',
        queue: 'q',
        region: 'us-east-1',
        endpoint: 'http://127.0.0.1:1',
        accessKeyId: 'AKIDEXAMPLE',
        secretAccessKey: SECRET,
      },
      { logger: new RecordingLogger() },
    );
    try {
      for (const o of await objectsOf(broker)) expectClean(o);
    } finally {
      await broker.close();
    }
  });

  it('a malformed URL with a password: the ConfigError and its cause are clean', async () => {
    const err = await connect(`kafka://alice:${SECRET}@bad host:9092`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expectClean(err);
    expect(inspect(err, { depth: Infinity })).not.toContain(SECRET);
  });

  it('an error built with a native cause that holds a secret is clean when printed', () => {
    const native = Object.assign(new Error(`connect to https://u:${SECRET}@h failed`), {
      input: `password=${SECRET}`,
    });
    const err = new EventPortError('BROKER_UNAVAILABLE', 'down', { cause: native });
    expectClean(err);
  });
});

describe('a key passed as a URL query parameter', () => {
  it('is redacted from a malformed-URL error (eventgrid://…?key=…)', async () => {
    const err = await connect(`eventgrid://[bad/orders?key=${SECRET}`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expectClean(err);
  });

  it('is redacted from text, and an event key outside a query string is left alone', async () => {
    const { redactSecrets } = await import('../../src/errors/redact.js');
    expect(redactSecrets(`http://h/api?x=1&key=${SECRET}&code=${SECRET}#f`)).not.toContain(SECRET);
    expect(redactSecrets('event key: cust-42')).toBe('event key: cust-42');
  });
});
