import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, silentLogger } from '@eventport/core';
import '../src/index.js';
import type { EventGridNative } from '../src/index.js';
import { EVENTGRID_WEBHOOK_ROLE } from '../src/entra-push-auth.js';
import { jwksServer, rsaKey, signRs256, type JwksServer, type TestKey } from './entra-fixtures.js';

const TENANT = '11111111-2222-3333-4444-555555555555';
const AUDIENCE = 'api://orders-webhook';

function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    aud: AUDIENCE,
    iss: `https://login.microsoftonline.com/${TENANT}/v2.0`,
    tid: TENANT,
    roles: [EVENTGRID_WEBHOOK_ROLE],
    nbf: now - 60,
    exp: now + 3600,
    ...overrides,
  };
}

/**
 * The pushEntra* options wired through connect() to a consumer's route: an off-loopback basic
 * connection (listen=off) whose pushHandler is mounted in a local node:http server, the tenant's
 * keys served by a local JWKS server. (Event subscriptions off loopback are the user's, so no
 * service is involved: requests are posted as Event Grid would.)
 */
describe('pushEntra* wired to the push endpoint', () => {
  let key: TestKey;
  let jwks: JwksServer;
  let server: http.Server;
  let base: string;
  let handler: http.RequestListener = (_req, res) => res.writeHead(503).end();

  beforeAll(async () => {
    key = rsaKey('k1');
    jwks = await jwksServer([key]);
    server = http.createServer((req, res) => handler(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await jwks.close();
  });

  /** A connection from the URL query with `extra`, a consumer on orders/billing, its handled types. */
  async function consumer(extra: Record<string, string>) {
    const query = new URLSearchParams({
      key: 'k',
      mode: 'basic',
      listen: 'off',
      pushEndpoint: base,
      pushEntraTenant: TENANT,
      pushEntraAudience: `${AUDIENCE},aaaaaaaa-0000-0000-0000-000000000001`,
      pushEntraJwksUrl: jwks.url,
      ...extra,
    });
    const broker = await connect(`eventgrid://orders.example.invalid/orders?${query}`, {
      logger: silentLogger,
    });
    const types: string[] = [];
    const sub = await broker
      .consumer('orders', { group: 'billing' })
      .subscribe((e) => void types.push(e.type));
    handler = (broker.raw() as EventGridNative).pushHandler;
    return {
      broker,
      types,
      close: async () => {
        await sub.close();
        await broker.close();
      },
    };
  }

  async function post(query: string, type: string, authorization?: string): Promise<number> {
    const res = await fetch(`${base}/eventgrid/orders/billing${query}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/cloudevents-batch+json',
        ...(authorization === undefined ? {} : { authorization }),
      },
      body: JSON.stringify([{ specversion: '1.0', id: `id-${type}`, source: '/s', type }]),
    });
    await res.arrayBuffer();
    return res.status;
  }

  test('Entra only (no secret) from the URL query: a valid token is handled, others get 401 and run no handler', async () => {
    const c = await consumer({});
    try {
      expect(await post('', 'none')).toBe(401);
      expect(await post('', 'aud', `Bearer ${signRs256(key, claims({ aud: 'api://other' }))}`)).toBe(401);
      expect(await post('', 'forged', `Bearer ${signRs256(rsaKey('k1'), claims())}`)).toBe(401);
      expect(await post('', 'good', `Bearer ${signRs256(key, claims())}`)).toBe(200);
      const v2ClientId = claims({ aud: 'aaaaaaaa-0000-0000-0000-000000000001' });
      expect(await post('', 'good-client-id', `Bearer ${signRs256(key, v2ClientId)}`)).toBe(200);
      expect(c.types).toEqual(['good', 'good-client-id']);
    } finally {
      await c.close();
    }
  });

  test('with pushSecret as well, a push needs both the secret and the token', async () => {
    const c = await consumer({ pushSecret: 'entra-and-secret' });
    try {
      const token = `Bearer ${signRs256(key, claims())}`;
      expect(await post('', 'token-only', token)).toBe(401);
      expect(await post('?secret=entra-and-secret', 'secret-only')).toBe(401);
      expect(await post('?secret=entra-and-secret', 'both', token)).toBe(200);
      expect(c.types).toEqual(['both']);
    } finally {
      await c.close();
    }
  });

  test('the tenant key server unreachable: 500 (the service retries), no handler runs', async () => {
    const down = await jwksServer([key]);
    const url = down.url;
    await down.close();
    const c = await consumer({ pushEntraJwksUrl: url });
    try {
      expect(await post('', 'while-down', `Bearer ${signRs256(key, claims())}`)).toBe(500);
      expect(c.types).toEqual([]);
    } finally {
      await c.close();
    }
  });
});
