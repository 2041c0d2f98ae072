import { getEventListeners } from 'node:events';
import { parseEventGridConfig } from '../src/config.js';
import { NamespaceClient } from '../src/client.js';
import { fakeServer } from './fake-server.js';

const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('NamespaceClient request timeouts', () => {
  // A receive cut by its signal (how a consumer stops) must not leave its request timeout armed:
  // a referenced timer of requestTimeoutMs + maxWaitTime kept processes alive ~40 s after close.
  test('an aborted receive leaves no timer behind', async () => {
    const server = await fakeServer(() => new Promise(() => undefined)); // never answers
    const { config, auth } = parseEventGridConfig(new URL(`eventgrid://127.0.0.1:${server.port}/orders`), {
      key: 'k',
    });
    const client = new NamespaceClient(config, auth);
    try {
      const before = timers();
      const stop = new AbortController();
      const pending = client.receive('orders', 'g', 1, 10, stop.signal);
      await new Promise((r) => setTimeout(r, 100));
      stop.abort();
      const answer = await pending;
      expect(answer.ok).toBe(false);
      await new Promise((r) => setImmediate(r));
      expect(timers()).toBeLessThanOrEqual(before);
    } finally {
      client.close();
      await server.close();
    }
  });

  test('a request that outlives requestTimeoutMs fails (the timeout still applies)', async () => {
    const server = await fakeServer(() => new Promise(() => undefined));
    const { config, auth } = parseEventGridConfig(new URL(`eventgrid://127.0.0.1:${server.port}/orders`), {
      key: 'k',
      requestTimeoutMs: 200,
    });
    const client = new NamespaceClient(config, auth);
    try {
      const answer = await client.publish('orders', Buffer.from('[]'));
      expect(answer.ok).toBe(false);
    } finally {
      client.close();
      await server.close();
    }
  });

  test("a finished request leaves no listener on the caller's signal; an aborted signal fails at once", async () => {
    const server = await fakeServer(() => Promise.resolve({ status: 200, body: { value: [] } }));
    const { config, auth } = parseEventGridConfig(new URL(`eventgrid://127.0.0.1:${server.port}/orders`), {
      key: 'k',
    });
    const client = new NamespaceClient(config, auth);
    try {
      const signal = new AbortController().signal;
      for (let i = 0; i < 3; i++) expect((await client.receive('orders', 'g', 1, 10, signal)).ok).toBe(true);
      expect(getEventListeners(signal, 'abort')).toHaveLength(0);
      const answer = await client.receive('orders', 'g', 1, 10, AbortSignal.abort());
      expect(answer.ok).toBe(false);
    } finally {
      client.close();
      await server.close();
    }
  });
});
