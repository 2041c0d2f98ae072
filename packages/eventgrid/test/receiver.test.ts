import { connect, silentLogger, type Broker } from '@eventport/core';
import { EventPortError } from '@eventport/core/driver';
import { parseEventGridConfig } from '../src/config.js';
import { NamespaceClient } from '../src/client.js';
import { EventGridReceiver, releaseDelaySeconds, releasePlan } from '../src/receiver.js';
import '../src/index.js';
import { fakeServer, type Seen } from './fake-server.js';

describe('releaseDelaySeconds: the delay rounded UP to 0, 10, 60, 600, 3600 s', () => {
  test.each([
    [0, 0],
    [-5, 0],
    [1, 10],
    [10_000, 10],
    [10_001, 60],
    [60_000, 60],
    [61_000, 600],
    [600_000, 600],
    [600_001, 3600],
    [10 * 3600_000, 3600],
  ])('%d ms -> %d s', (ms, s) => expect(releaseDelaySeconds(ms)).toBe(s));
});

describe('releasePlan: hold the lock for the remainder above an allowed value (at most 30 s), else round up', () => {
  test.each([
    [0, 0, 0],
    [50, 50, 0],
    [5_000, 5_000, 0],
    [30_000, 20_000, 10],
    [25_000, 15_000, 10],
    [40_000, 30_000, 10],
    [45_000, 0, 60],
    [90_000, 30_000, 60],
    [120_000, 0, 600],
    [610_000, 10_000, 600],
    [3_700_000, 0, 3600],
  ])('%d ms -> hold %d ms, release %d s', (ms, holdMs, releaseSeconds) => {
    expect(releasePlan(ms)).toEqual({ holdMs, releaseSeconds });
    expect(holdMs + releaseSeconds * 1000).toBeGreaterThanOrEqual(Math.min(ms, 3_600_000));
  });
});

describe('EventGridReceiver against a fake namespace', () => {
  const token = (i: number) => `token-${i}`;
  let server: Awaited<ReturnType<typeof fakeServer>>;
  let failTokens = false;
  beforeAll(async () => {
    server = await fakeServer((s: Seen) => {
      if (s.url.pathname.endsWith(':receive')) {
        const n = Number(s.url.searchParams.get('maxEvents'));
        return {
          status: 200,
          body: {
            value: Array.from({ length: n }, (_, i) => ({
              brokerProperties: { lockToken: token(i), deliveryCount: 2 },
              event: {
                id: `e${i}`,
                source: '/s',
                type: 't',
                specversion: '1.0',
                partitionkey: 'k',
                tenant: 'a',
              },
            })),
          },
        };
      }
      const { lockTokens } = JSON.parse(s.body) as { lockTokens: string[] };
      return {
        status: 200,
        body: failTokens
          ? {
              succeededLockTokens: [],
              failedLockTokens: lockTokens.map((t) => ({ lockToken: t, error: { code: 'TokenLost' } })),
            }
          : { succeededLockTokens: lockTokens, failedLockTokens: [] },
      };
    });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.seen.length = 0;
    failTokens = false;
  });

  function receiver() {
    const { config, auth } = parseEventGridConfig(new URL(`eventgrid://127.0.0.1:${server.port}/orders`), {
      key: 'sekrit',
      maxWaitTime: 15,
    });
    const client = new NamespaceClient(config, auth);
    return {
      client,
      r: new EventGridReceiver(client, {
        topic: 'orders',
        subscription: 'billing',
        maxWaitTime: 15,
        logger: silentLogger,
      }),
    };
  }

  test('receive maps max to maxEvents (1-100) and the config to maxWaitTime; decodes key, extensions, count', async () => {
    const { client, r } = receiver();
    const got = await r.receive(250, new AbortController().signal);
    expect(got).toHaveLength(100);
    const req = server.seen[0]!;
    expect(req.url.pathname).toBe('/topics/orders/eventsubscriptions/billing:receive');
    expect(req.url.searchParams.get('maxWaitTime')).toBe('15');
    expect(req.url.searchParams.get('api-version')).toBe('2024-06-01');
    expect(req.headers.authorization).toBe('SharedAccessKey sekrit');
    expect(got[0]).toMatchObject({
      deliveryCount: 2,
      handle: 'token-0',
      event: { id: 'e0', key: 'k', extensions: { tenant: 'a' } },
    });
    await r.receive(0, new AbortController().signal);
    expect(server.seen[1]!.url.searchParams.get('maxEvents')).toBe('1');
    await r.close();
    client.close();
  });

  test('ack settles at most 100 tokens per call; nack releases with the rounded delay; extendLease renews', async () => {
    const { client, r } = receiver();
    const got = await r.receive(100, new AbortController().signal);
    await r.ack([...got, ...got, ...got.slice(0, 5)]);
    const acks = server.seen.filter((s) => s.url.pathname.endsWith(':acknowledge'));
    expect(acks.map((s) => (JSON.parse(s.body) as { lockTokens: string[] }).lockTokens.length)).toEqual([
      100, 100, 5,
    ]);
    await r.nack(got[0]!, 45_000);
    const release = server.seen.find((s) => s.url.pathname.endsWith(':release'))!;
    expect(release.url.searchParams.get('releaseDelayInSeconds')).toBe('60');
    expect(JSON.parse(release.body)).toEqual({ lockTokens: ['token-0'] });
    await r.extendLease(got[1]!, 30_000);
    expect(server.seen.some((s) => s.url.pathname.endsWith(':renewLock') && s.body.includes('token-1'))).toBe(
      true,
    );
    await r.close();
    client.close();
  });

  test('a short nack holds the lock, then releases with 0; close releases held events at once', async () => {
    const { client, r } = receiver();
    const got = await r.receive(3, new AbortController().signal);
    const releases = () => server.seen.filter((s) => s.url.pathname.endsWith(':release'));
    const started = Date.now();
    await r.nack(got[0]!, 300);
    expect(releases()).toHaveLength(0);
    while (releases().length === 0 && Date.now() - started < 5_000)
      await new Promise((res) => setTimeout(res, 20));
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(releases()[0]!.url.searchParams.get('releaseDelayInSeconds')).toBe('0');
    await r.nack(got[1]!, 20_000);
    expect(releases()).toHaveLength(1);
    await r.close(); // the held one with the rest of its delay rounded up, the unsettled one at once
    expect(releases()).toHaveLength(3);
    const byToken = Object.fromEntries(
      releases().map((s) => [(JSON.parse(s.body) as { lockTokens: string[] }).lockTokens[0], s]),
    );
    expect(byToken['token-1']!.url.searchParams.get('releaseDelayInSeconds')).toBe('60');
    expect(byToken['token-2']!.url.searchParams.get('releaseDelayInSeconds')).toBe('0');
    client.close();
  });

  test('close gives back every event handed out and not settled', async () => {
    const { client, r } = receiver();
    const got = await r.receive(3, new AbortController().signal);
    await r.ack([got[0]!]);
    await r.close();
    const release = server.seen.filter((s) => s.url.pathname.endsWith(':release'));
    expect(release).toHaveLength(1);
    expect(JSON.parse(release[0]!.body)).toEqual({ lockTokens: ['token-1', 'token-2'] });
    expect(release[0]!.url.searchParams.get('releaseDelayInSeconds')).toBe('0');
    client.close();
  });

  test('a token the service reports as failed raises (the lease keeper and settler see it)', async () => {
    const { client, r } = receiver();
    const got = await r.receive(2, new AbortController().signal);
    failTokens = true;
    await expect(r.extendLease(got[0]!, 1000)).rejects.toThrow(/TokenLost/);
    await expect(r.ack(got)).rejects.toBeInstanceOf(EventPortError);
    await r.close();
    client.close();
  });
});

describe('driver against a fake namespace: errors and secrets', () => {
  let server: Awaited<ReturnType<typeof fakeServer>>;
  let status = 401;
  beforeAll(async () => {
    server = await fakeServer(() => ({
      status,
      body: { error: { code: 'Unauthorized', message: 'bad key' } },
    }));
  });
  afterAll(() => server.close());

  async function open(): Promise<Broker> {
    return connect(`eventgrid://127.0.0.1:${server.port}/orders?key=top-secret-key`, {
      logger: silentLogger,
    });
  }

  test('a refused key fails the consumer at subscribe and the send with AUTHENTICATION, not retryable', async () => {
    status = 401;
    const broker = await open();
    try {
      await expect(
        broker.consumer('orders', { group: 'g' }).subscribe(async () => undefined),
      ).rejects.toMatchObject({
        code: 'AUTHENTICATION',
        retryable: false,
      });
      await expect(broker.producer('orders').send({ type: 't', source: '/s' })).rejects.toMatchObject({
        code: 'AUTHENTICATION',
      });
    } finally {
      await broker.close();
    }
  });

  test('a missing subscription (404) is a TopicNotFoundError', async () => {
    status = 404;
    const broker = await open();
    try {
      await expect(
        broker.consumer('orders', { group: 'g' }).subscribe(async () => undefined),
      ).rejects.toMatchObject({
        code: 'TOPIC_NOT_FOUND',
      });
    } finally {
      await broker.close();
    }
  });
});
