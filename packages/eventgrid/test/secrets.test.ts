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
