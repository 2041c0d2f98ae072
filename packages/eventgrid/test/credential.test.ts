import util from 'node:util';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import { createDefaultHttpClient, type HttpClient } from '@azure/core-rest-pipeline';
import { connect, silentLogger } from '@eventport/core';
import '../src/index.js';
import { NamespaceClient } from '../src/client.js';
import { parseEventGridConfig } from '../src/config.js';
import { EVENTGRID_SCOPE } from '../src/credential.js';
import { fakeServer } from './fake-server.js';

const TOKEN = 'eyJ0eXAiOiJKV1QifQ.fake-entra-token.c2lnbmF0dXJl';
const REMOTE = 'https://ns.westeurope-1.eventgrid.azure.net';

/** A TokenCredential that records the scopes it is asked for and hands out `TOKEN`. */
function fakeCredential(expiresInMs = 3_600_000) {
  const calls: (string | string[])[] = [];
  const credential: TokenCredential = {
    getToken(scopes: string | string[], _options?: GetTokenOptions): Promise<AccessToken> {
      calls.push(scopes);
      return Promise.resolve({ token: TOKEN, expiresOnTimestamp: Date.now() + expiresInMs });
    },
  };
  return { credential, calls };
}

/**
 * The Azure core transport, with requests for REMOTE sent to the local fake server over http
 * instead: the bearer policy only runs for https URLs, and the emulator takes keys, not tokens.
 */
function routedTo(port: number): HttpClient {
  const inner = createDefaultHttpClient();
  return {
    sendRequest(request) {
      request.url = request.url.replace(REMOTE, `http://127.0.0.1:${port}`);
      request.allowInsecureConnection = true;
      request.agent = undefined;
      return inner.sendRequest(request);
    },
  };
}

describe('a token credential', () => {
  test('namespace publish, receive and settle carry Authorization: Bearer <token> for the Event Grid scope', async () => {
    const server = await fakeServer((seen) =>
      seen.url.pathname.endsWith(':receive')
        ? { status: 200, body: { value: [] } }
        : { status: 200, body: { succeededLockTokens: [], failedLockTokens: [] } },
    );
    const { credential, calls } = fakeCredential();
    const { config, auth } = parseEventGridConfig(undefined, { endpoint: REMOTE, credential });
    const client = new NamespaceClient(config, auth, routedTo(server.port));
    try {
      expect((await client.publish('orders', Buffer.from('[]'))).ok).toBe(true);
      expect((await client.receive('orders', 'billing', 10, 10)).ok).toBe(true);
      expect((await client.settle('orders', 'billing', 'acknowledge', ['t1'])).ok).toBe(true);
      expect(server.seen.map((s) => s.headers.authorization)).toEqual([
        `Bearer ${TOKEN}`,
        `Bearer ${TOKEN}`,
        `Bearer ${TOKEN}`,
      ]);
      expect(server.seen.every((s) => s.headers['aeg-sas-key'] === undefined)).toBe(true);
      expect(calls).toEqual([[EVENTGRID_SCOPE]]); // fetched once, cached while valid
      expect(EVENTGRID_SCOPE).toBe('https://eventgrid.azure.net/.default');
    } finally {
      client.close();
      await server.close();
    }
  });

  test('basic publishing carries the bearer token instead of aeg-sas-key', async () => {
    const server = await fakeServer(() => ({ status: 200, body: {} }));
    const { credential } = fakeCredential();
    const { config, auth } = parseEventGridConfig(undefined, {
      endpoint: REMOTE,
      credential,
      mode: 'basic',
    });
    const client = new NamespaceClient(config, auth, routedTo(server.port));
    try {
      expect((await client.publishBasic('/api/events', Buffer.from('[]'))).ok).toBe(true);
      expect(server.seen[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(server.seen[0]?.headers['aeg-sas-key']).toBeUndefined();
      expect(server.seen[0]?.url.searchParams.get('api-version')).toBe('2018-01-01');
    } finally {
      client.close();
      await server.close();
    }
  });

  test('a token about to expire is fetched again', async () => {
    const server = await fakeServer(() => ({ status: 200, body: {} }));
    const { credential, calls } = fakeCredential(1_000); // inside the policy's refresh window
    const { config, auth } = parseEventGridConfig(undefined, { endpoint: REMOTE, credential });
    const client = new NamespaceClient(config, auth, routedTo(server.port));
    try {
      await client.publish('orders', Buffer.from('[]'));
      await client.publish('orders', Buffer.from('[]'));
      expect(calls.length).toBe(2);
    } finally {
      client.close();
      await server.close();
    }
  });

  test('the token is never in inspect, JSON, toString, describe or errors', async () => {
    const server = await fakeServer(() => ({ status: 500, body: {} })); // plain http: TLS fails
    const { credential, calls } = fakeCredential();
    try {
      for (const mode of ['namespace', 'basic'] as const) {
        const broker = await connect(
          {
            kind: 'eventgrid',
            endpoint: `https://127.0.0.1:${server.port}`,
            topic: 'orders',
            credential,
            mode,
          },
          { logger: silentLogger },
        );
        try {
          const producer = broker.producer('orders', { delivery: 'at-most-once' });
          const error = await producer.send({ type: 't', source: '/s' }).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(error).toBeDefined();
          const things: unknown[] = [broker, producer, broker.raw(), error, broker.capabilities];
          for (const thing of things) {
            expect(util.inspect(thing, { depth: Infinity, showHidden: true, getters: true })).not.toContain(
              TOKEN,
            );
            expect(JSON.stringify(thing) ?? '').not.toContain(TOKEN);
            expect(String(thing)).not.toContain(TOKEN);
          }
        } finally {
          await broker.close();
        }
      }
      expect(calls.length).toBeGreaterThan(0); // a token was fetched, so it could have leaked
    } finally {
      await server.close();
    }
  });
});
