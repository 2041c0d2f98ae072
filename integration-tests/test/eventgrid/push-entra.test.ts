/**
 * Push delivery with Microsoft Entra authentication (`pushEntra*` options) against EventPort's
 * Event Grid emulator. The emulator cannot mint Entra tokens, so the test's own server (where
 * `broker.raw().pushHandler` is mounted) plays the part of Event Grid's Entra delivery: it adds
 * `Authorization: Bearer <token>` — an RS256 token signed by a key this test publishes as the
 * tenant's JWKS on 127.0.0.1 — to what the emulator pushes. The verification itself (signature,
 * issuer, tenant, audience, lifetime, role) is the real one. Requests the test posts directly
 * (`x-direct`) are passed on untouched, to show what is refused.
 *
 * @brokers eventgrid
 */
import { createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError, connect, silentLogger, type Broker } from '@eventport/core';
import type { EventGridNative } from '@eventport/eventgrid';
import '@eventport/eventgrid';
import { deadline, requireEnv, uniqueName } from '../support/env.js';

const endpoint = () => requireEnv('EVENTPORT_EVENTGRID_ENDPOINT');
const key = () => requireEnv('EVENTPORT_EVENTGRID_KEY');
const SECRET = 'push-entra-secret';
const TENANT = '11111111-2222-3333-4444-555555555555';
const AUDIENCE = 'api://eventport-push-test';

interface SigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly jwk: object;
}

function signingKey(kid: string): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig' } };
}

/** A token as Entra would issue it to Event Grid for the webhook app (v2 form), with `overrides`. */
function token(signer: SigningKey, overrides: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    aud: AUDIENCE,
    iss: `https://login.microsoftonline.com/${TENANT}/v2.0`,
    tid: TENANT,
    roles: ['AzureEventGridSecureWebhookSubscriber'],
    nbf: now - 60,
    exp: now + 3600,
    ...overrides,
  };
  const part = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${part({ alg: 'RS256', typ: 'JWT', kid: signer.kid })}.${part(claims)}`;
  return `${input}.${createSign('RSA-SHA256').update(input).sign(signer.privateKey).toString('base64url')}`;
}

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function stop(server: http.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

describe('eventgrid push with Microsoft Entra authentication (pushEntra*)', () => {
  const tenantKey = signingKey('tenant-key-1');
  let jwks: http.Server;
  let hook: http.Server;
  let base: string;
  let broker: Broker;
  /** Whether the hook server adds a valid token to what the emulator pushes. */
  let stamp = true;

  beforeAll(async () => {
    jwks = http.createServer((_req, res) => {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ keys: [tenantKey.jwk] }));
    });
    const jwksUrl = `${await listen(jwks)}/${TENANT}/discovery/v2.0/keys`;
    let handler: http.RequestListener = (_req, res) => res.writeHead(503).end();
    hook = http.createServer((req, res) => {
      if (stamp && req.headers['x-direct'] === undefined)
        req.headers.authorization = `Bearer ${token(tenantKey)}`;
      handler(req, res);
    });
    base = await listen(hook);
    broker = await connect(
      {
        kind: 'eventgrid',
        endpoint: endpoint(),
        key: key(),
        mode: 'basic',
        listen: 'off',
        pushEndpoint: base,
        pushSecret: SECRET,
        pushEntraTenant: TENANT,
        pushEntraAudience: AUDIENCE,
        pushEntraJwksUrl: jwksUrl,
      },
      { logger: silentLogger },
    );
    handler = (broker.raw() as EventGridNative).pushHandler;
  });
  afterAll(async () => {
    await broker?.close();
    await stop(hook);
    await stop(jwks);
  });

  test('a push carrying a valid token (handshake included) is handled', async () => {
    const topic = uniqueName('push-entra');
    let received!: (type: string) => void;
    const handled = new Promise<string>((r) => (received = r));
    const sub = await broker.consumer(topic, { group: 'entra' }).subscribe((e) => received(e.type));
    try {
      await broker.producer(topic).send({ source: '/t', type: 'entra.ok', data: { n: 1 } });
      expect(await deadline(handled, 20_000, 'the pushed event')).toBe('entra.ok');
    } finally {
      await sub.close();
    }
  });

  test('direct posts: no token, a bad token, or a good token without the secret get 401 and run no handler; token + secret pass', async () => {
    const topic = uniqueName('push-entra-direct');
    const types: string[] = [];
    const sub = await broker.consumer(topic, { group: 'direct' }).subscribe((e) => void types.push(e.type));
    const impostor = signingKey('tenant-key-1');
    const post = (query: string, authorization: string | undefined, type: string) =>
      fetch(`${base}/eventgrid/${topic}/direct${query}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/cloudevents-batch+json',
          'aeg-event-type': 'Notification',
          'x-direct': '1',
          ...(authorization === undefined ? {} : { authorization }),
        },
        body: JSON.stringify([{ specversion: '1.0', id: uniqueName('id'), source: '/direct', type }]),
      });
    try {
      const withSecret = `?secret=${SECRET}`;
      const refused = [
        await post(withSecret, undefined, 'no-token'),
        await post(withSecret, `Bearer ${token(impostor)}`, 'forged-signature'),
        await post(withSecret, `Bearer ${token(tenantKey, { aud: 'api://someone-else' })}`, 'wrong-aud'),
        await post(
          withSecret,
          `Bearer ${token(tenantKey, { exp: Math.floor(Date.now() / 1000) - 3600 })}`,
          'expired',
        ),
        await post('', `Bearer ${token(tenantKey)}`, 'no-secret'),
      ];
      expect(refused.map((r) => r.status)).toEqual([401, 401, 401, 401, 401]);
      const accepted = await post(withSecret, `Bearer ${token(tenantKey)}`, 'good');
      expect(accepted.status).toBe(200);
      await new Promise((r) => setTimeout(r, 200));
      expect(types).toEqual(['good']);
    } finally {
      await sub.close();
    }
  });

  test('without the token the emulator cannot create the subscription (its handshake is answered 401)', async () => {
    stamp = false;
    try {
      const topic = uniqueName('push-entra-none');
      const error = await broker
        .consumer(topic, { group: 'unstamped' })
        .subscribe(() => undefined)
        .then(
          async (sub) => {
            await sub.close();
            return undefined;
          },
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(ConfigError);
      expect(String(error)).toMatch(/did not create .*401/s);
    } finally {
      stamp = true;
    }
  });
});
