import { createSign, generateKeyPairSync, createHmac, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A test signing key: an RSA key pair and the `kid` its JWK is published under. */
export interface TestKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly jwk: Record<string, unknown>;
}

export function rsaKey(kid: string): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, kty: 'RSA', use: 'sig' };
  return { kid, privateKey, jwk };
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An RS256 JWT signed with `key` (the header's kid is `key.kid` unless `header` says otherwise). */
export function signRs256(
  key: TestKey,
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
): string {
  const input = `${b64({ alg: 'RS256', typ: 'JWT', kid: key.kid, ...header })}.${b64(claims)}`;
  const signature = createSign('RSA-SHA256').update(input).sign(key.privateKey).toString('base64url');
  return `${input}.${signature}`;
}

/** An HS256 JWT "signed" with `secret` (what an alg-confusion attack would send). */
export function signHs256(secret: string | Buffer, kid: string, claims: Record<string, unknown>): string {
  const input = `${b64({ alg: 'HS256', typ: 'JWT', kid })}.${b64(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** An unsigned JWT (`alg: none`). */
export function unsigned(kid: string, claims: Record<string, unknown>): string {
  return `${b64({ alg: 'none', typ: 'JWT', kid })}.${b64(claims)}.`;
}

/** A JWKS served on 127.0.0.1; `keys` may be replaced (key rotation); `fetches` counts GETs. */
export interface JwksServer {
  readonly url: string;
  keys: TestKey[];
  fetches: number;
  close(): Promise<void>;
}

export async function jwksServer(keys: TestKey[]): Promise<JwksServer> {
  const state = {
    keys,
    fetches: 0,
  };
  const server = http.createServer((_req, res) => {
    state.fetches++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: state.keys.map((k) => k.jwk) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tenant/discovery/v2.0/keys`;
  return Object.assign(state, {
    url,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}
