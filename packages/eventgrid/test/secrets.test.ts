import util from 'node:util';
import { connect, silentLogger } from '@eventport/core';
import '../src/index.js';
import { fakeServer } from './fake-server.js';

const KEY = 'Zm9vYmFyLXNlY3JldC1rZXk=';

describe('the key is never reachable', () => {
  test.each(['namespace', 'basic'])('%s: inspect, JSON, toString, describe, raw, errors', async (mode) => {
    const server = await fakeServer(() => ({
      status: 500,
      body: { error: { code: 'InternalServerError', message: 'boom' } },
    }));
    const broker = await connect(
      `eventgrid://127.0.0.1:${server.port}/orders?key=${encodeURIComponent(KEY)}&mode=${mode}`,
      {
        logger: silentLogger,
      },
    );
    try {
      const producer = broker.producer('orders', { delivery: 'at-most-once' });
      const error = await producer.send({ type: 't', source: '/s' }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeDefined();
      expect(server.seen.length).toBeGreaterThan(0); // the key did travel, to the server only
      const things: unknown[] = [broker, producer, broker.raw(), error, broker.capabilities];
      for (const thing of things) {
        expect(util.inspect(thing, { depth: Infinity, showHidden: true, getters: true })).not.toContain(KEY);
        expect(JSON.stringify(thing) ?? '').not.toContain(KEY);
        expect(String(thing)).not.toContain(KEY);
      }
    } finally {
      await broker.close();
      await server.close();
    }
  });
});

describe('the push secret is never reachable', () => {
  test('basic consumer: inspect, JSON, toString of the broker, the subscription and raw()', async () => {
    const SECRET = 'cHVzaC1zZWNyZXQtdmFsdWU';
    const broker = await connect(
      {
        kind: 'eventgrid',
        endpoint: 'https://orders.example.invalid',
        key: KEY,
        mode: 'basic',
        listen: 'off',
        pushEndpoint: 'https://app.example.invalid',
        pushSecret: SECRET,
      },
      { logger: silentLogger },
    );
    try {
      const sub = await broker.consumer('orders', { group: 'billing' }).subscribe(() => undefined);
      try {
        for (const thing of [broker, sub, broker.raw(), broker.capabilities]) {
          const shown = util.inspect(thing, { depth: Infinity, showHidden: true, getters: true });
          expect(shown).not.toContain(SECRET);
          expect(JSON.stringify(thing) ?? '').not.toContain(SECRET);
          expect(String(thing)).not.toContain(SECRET);
        }
      } finally {
        await sub.close();
      }
    } finally {
      await broker.close();
    }
  });

  test('a push consumer off loopback needs a secret (or pushAuthenticate) and a pushEndpoint', async () => {
    const base = {
      kind: 'eventgrid',
      endpoint: 'https://orders.example.invalid',
      key: KEY,
      mode: 'basic',
    } as const;
    const noSecret = await connect(
      { ...base, pushEndpoint: 'https://app.example.invalid' },
      { logger: silentLogger },
    );
    const noEndpoint = await connect({ ...base, pushSecret: 's3cr3t-value' }, { logger: silentLogger });
    try {
      await expect(
        noSecret.consumer('orders', { group: 'billing' }).subscribe(() => undefined),
      ).rejects.toThrow(/pushSecret/);
      await expect(
        noEndpoint.consumer('orders', { group: 'billing' }).subscribe(() => undefined),
      ).rejects.toThrow(/pushEndpoint/);
    } finally {
      await noSecret.close();
      await noEndpoint.close();
    }
  });
});
