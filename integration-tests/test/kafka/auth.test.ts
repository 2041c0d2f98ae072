/**
 * Authentication for real, against a Kafka node of this suite's own (see support/private-kafka.ts;
 * the shared broker on 9092 is left alone) with a second listener, SASL_SSL with SCRAM-SHA-512:
 * its certificate is signed by a CA that openssl makes for this run, and the user alice is created
 * when the node's storage is formatted.
 *
 * 1. The right credentials and the CA trusted (`sslCa`): one event is produced and consumed.
 * 2. A wrong password: `send` rejects with a non-retryable AUTHENTICATION error within seconds,
 *    after a handful of connection attempts (counted in the broker's log), and the password
 *    appears in neither the error (inspected in full) nor the logs.
 * 3. The default (system) CAs: the broker's certificate is rejected with a non-retryable error.
 *
 * Every wait is bounded.
 *
 * @brokers kafka
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import util from 'node:util';
import { connect, EventPortError, type Broker, type Logger } from '@eventport/core';
import '@eventport/kafka';
import { PrivateKafka } from './support/private-kafka.js';
import { sleep, unique, until } from './support/kafka.js';

jest.setTimeout(30_000);

const PASSWORD = `pw-${randomBytes(9).toString('hex')}`;
const WRONG = `wrong-${randomBytes(9).toString('hex')}`;
const QUERY = 'sessionTimeoutMs=6000&heartbeatIntervalMs=1000&commitIntervalMs=100&maxWaitTimeMs=200';

let node: PrivateKafka;
const brokers: Broker[] = [];
const relays: { close(): Promise<void> }[] = [];
const log = (line: string): void => void process.stderr.write(`[auth-kafka] ${line}\n`);

beforeAll(async () => {
  node = await PrivateKafka.create(log, { saslSsl: { users: { alice: PASSWORD } } });
  const ms = await node.start(true);
  log(`private node ready in ${ms} ms (SASL_SSL on ${node.saslSsl?.endpoint})`);
}, 60_000);

afterAll(async () => {
  await Promise.allSettled(brokers.map((b) => b.close()));
  await Promise.allSettled(relays.map((r) => r.close()));
  await node?.destroy();
}, 30_000);

/**
 * A TCP relay on a free loopback port in front of the SASL_SSL listener that counts the
 * connections made through it. A client that never gets past bootstrap (no metadata, so no other
 * broker address) connects only through it: its count is every connection attempt.
 */
async function countingRelay(
  target: number,
): Promise<{ readonly endpoint: string; connections(): number; close(): Promise<void> }> {
  let count = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    count++;
    const upstream = net.connect(target, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    endpoint: `127.0.0.1:${port}`,
    connections: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A logger that keeps every line (message and fields) for inspection. */
function recordingLogger(): Logger & { readonly lines: string[] } {
  const lines: string[] = [];
  const keep =
    (level: string) =>
    (message: string, fields?: Record<string, unknown>): void =>
      void lines.push(`${level} ${message} ${util.inspect(fields, { depth: Infinity })}`);
  return { lines, debug: keep('debug'), info: keep('info'), warn: keep('warn'), error: keep('error') };
}

function secure(): NonNullable<PrivateKafka['saslSsl']> {
  if (node.saslSsl === undefined) throw new Error('the node has no SASL_SSL listener');
  return node.saslSsl;
}

async function open(
  password: string,
  query: string,
  logger: Logger,
  endpoint = secure().endpoint,
): Promise<Broker> {
  const url = `kafka://alice:${encodeURIComponent(password)}@${endpoint}?sasl=scram-sha-512&${QUERY}${query}`;
  const b = await connect(url, { tracing: false, logger });
  brokers.push(b);
  return b;
}

const trustCa = (): string => `&sslCa=${encodeURIComponent(secure().ca.caFile)}`;

/** Runs `op`, expecting it to reject; returns the error and how long it took. */
async function rejection(op: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  try {
    await op();
  } catch (error) {
    return { error, ms: Date.now() - started };
  }
  throw new Error('expected a rejection, but it succeeded');
}

it('right credentials and the CA trusted: one event is produced and consumed over SASL_SSL', async () => {
  const logger = recordingLogger();
  const b = await open(PASSWORD, trustCa(), logger);
  const topic = unique('auth');
  const received: string[] = [];
  const sub = await b
    .consumer(topic, { group: unique('g'), from: 'earliest' })
    .subscribe((e) => void received.push(e.id));
  const receipt = await b
    .producer(topic)
    .send({ type: 'auth.ok', source: '/auth', key: 'k', data: { n: 1 } });
  await until(() => received.length > 0, 15_000, 'the event consumed over SASL_SSL');
  expect(received).toEqual([receipt.id]);
  await sub.close({ drainTimeoutMs: 5_000 });
  expect(node.authFailures()).toBe(0);
  expect(logger.lines.join('\n')).not.toContain(PASSWORD);
});

it('a wrong password: send rejects with a non-retryable AUTHENTICATION error at once, no retry storm, no secret', async () => {
  const relay = await countingRelay(secure().port);
  relays.push(relay);
  const refusedBefore = node.authFailures();
  const logger = recordingLogger();
  const b = await open(WRONG, trustCa(), logger, relay.endpoint);
  const { error, ms } = await rejection(() =>
    b.producer(unique('auth-denied')).send({ type: 'auth.denied', source: '/auth', data: {} }),
  );
  expect(error).toBeInstanceOf(EventPortError);
  const e = error as EventPortError;
  expect({ code: e.code, retryable: e.retryable }).toEqual({ code: 'AUTHENTICATION', retryable: false });
  expect(ms).toBeLessThan(5_000);
  // the broker logs each refused authentication; give it a moment to write them, then count
  await sleep(500);
  const connections = relay.connections();
  const refused = node.authFailures() - refusedBefore;
  log(
    `wrong password: ${e.code} (retryable ${e.retryable}) after ${ms} ms; ` +
      `${connections} connection(s), ${refused} refused by the broker`,
  );
  expect(refused).toBeGreaterThanOrEqual(1);
  expect(connections).toBeLessThanOrEqual(3);
  expect(refused).toBeLessThanOrEqual(connections);
  // and nothing more is attempted afterwards
  await sleep(1_500);
  expect(relay.connections()).toBe(connections);
  expect(node.authFailures() - refusedBefore).toBe(refused);

  // a consumer is refused the same way
  const sub = await rejection(() =>
    b.consumer(unique('auth-denied'), { group: unique('g') }).subscribe(() => undefined),
  );
  expect(sub.error).toBeInstanceOf(EventPortError);
  const s = sub.error as EventPortError;
  expect({ code: s.code, retryable: s.retryable }).toEqual({ code: 'AUTHENTICATION', retryable: false });
  expect(sub.ms).toBeLessThan(5_000);
  expect(relay.connections() - connections).toBeLessThanOrEqual(3);

  const seen = [
    util.inspect(s, { depth: Infinity, showHidden: true }),
    util.inspect(e, { depth: Infinity, showHidden: true }),
    String(e),
    JSON.stringify(e),
    e.stack ?? '',
    ...logger.lines,
    node.logText(),
  ].join('\n');
  expect(seen).not.toContain(WRONG);
  expect(seen).not.toContain(PASSWORD);
});

it('the system CAs only: the self-signed certificate is refused (non-retryable); with the CA configured it works', async () => {
  const relay = await countingRelay(secure().port);
  relays.push(relay);
  const logger = recordingLogger();
  const b = await open(PASSWORD, '&ssl=true', logger, relay.endpoint);
  const { error, ms } = await rejection(() =>
    b.producer(unique('auth-untrusted')).send({ type: 'auth.untrusted', source: '/auth', data: {} }),
  );
  expect(error).toBeInstanceOf(EventPortError);
  const e = error as EventPortError;
  const connections = relay.connections();
  log(`untrusted CA: ${String(e)} after ${ms} ms; ${connections} connection(s)`);
  expect({ code: e.code, retryable: e.retryable }).toEqual({ code: 'AUTHENTICATION', retryable: false });
  expect(e.message).toMatch(/certificate/i);
  expect(e.message).toContain('sslCa');
  expect(ms).toBeLessThan(10_000);
  // kafkajs retries a failed connection itself (at most 5 times); EventPort adds no retries
  expect(connections).toBeGreaterThanOrEqual(1);
  expect(connections).toBeLessThanOrEqual(6);
  await sleep(1_500);
  expect(relay.connections()).toBe(connections);
  const seen = [util.inspect(e, { depth: Infinity, showHidden: true }), ...logger.lines].join('\n');
  expect(seen).not.toContain(PASSWORD);

  // the same credentials with the CA given as Node TLS options (the object form): it works
  const trusted = await connect(
    {
      kind: 'kafka',
      brokers: [relay.endpoint],
      ssl: { ca: [secure().ca.caPem] },
      sasl: { mechanism: 'scram-sha-512', username: 'alice', password: PASSWORD },
    },
    { tracing: false, logger: recordingLogger() },
  );
  brokers.push(trusted);
  const receipt = await trusted
    .producer(unique('auth-trusted'))
    .send({ type: 'auth.trusted', source: '/auth', data: {} });
  expect(receipt.id).toEqual(expect.any(String));
});
