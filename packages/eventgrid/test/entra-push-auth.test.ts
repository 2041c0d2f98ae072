import { BrokerUnavailableError, type PushRequest } from '@eventport/core/driver';
import {
  entraPushAuthenticator,
  EntraTokenVerifier,
  EVENTGRID_WEBHOOK_ROLE,
} from '../src/entra-push-auth.js';
import {
  jwksServer,
  rsaKey,
  signHs256,
  signRs256,
  unsigned,
  type JwksServer,
  type TestKey,
} from './entra-fixtures.js';

const TENANT = '11111111-2222-3333-4444-555555555555';
const AUDIENCE = 'api://eventport-webhook';
const APP_ID = '4962773b-9cdb-44cf-a8bf-237846a00ab7';
const V2_ISSUER = `https://login.microsoftonline.com/${TENANT}/v2.0`;
const V1_ISSUER = `https://sts.windows.net/${TENANT}/`;
const NOW_S = 1_800_000_000;

/** Claims of a token as Event Grid's app would carry for the webhook app (v2 form). */
function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    aud: AUDIENCE,
    iss: V2_ISSUER,
    tid: TENANT,
    azp: APP_ID,
    roles: [EVENTGRID_WEBHOOK_ROLE],
    iat: NOW_S - 60,
    nbf: NOW_S - 60,
    exp: NOW_S + 3600,
    ...overrides,
  };
}

function request(authorization?: string): PushRequest {
  return {
    method: 'POST',
    url: new URL('http://push.invalid/eventgrid/orders/billing'),
    headers: authorization === undefined ? {} : { authorization },
    body: Buffer.alloc(0),
  };
}

describe('EntraTokenVerifier (Event Grid push with Microsoft Entra authentication)', () => {
  let key1: TestKey;
  let key2: TestKey;
  let jwks: JwksServer;
  let clock: number;
  let verifier: EntraTokenVerifier;

  beforeAll(async () => {
    key1 = rsaKey('kid-1');
    key2 = rsaKey('kid-2');
  });
  beforeEach(async () => {
    jwks = await jwksServer([key1]);
    clock = NOW_S * 1000;
    verifier = new EntraTokenVerifier({
      tenant: TENANT,
      audience: [AUDIENCE],
      jwksUrl: jwks.url,
      now: () => clock,
    });
  });
  afterEach(async () => {
    await jwks.close();
  });

  const bearer = (token: string) => `Bearer ${token}`;

  test('a valid v2 token is accepted; so is a v1 token (sts.windows.net issuer, appid)', async () => {
    expect(await verifier.check(bearer(signRs256(key1, claims())))).toBeUndefined();
    const v1 = claims({ iss: V1_ISSUER, azp: undefined, appid: APP_ID });
    expect(await verifier.check(bearer(signRs256(key1, v1)))).toBeUndefined();
    expect(jwks.fetches).toBe(1); // keys are cached
  });

  test('aud may be any of the configured audiences (App ID URI or client id)', async () => {
    const both = new EntraTokenVerifier({
      tenant: TENANT,
      audience: [AUDIENCE, 'aaaaaaaa-0000-0000-0000-000000000001'],
      jwksUrl: jwks.url,
      now: () => clock,
    });
    const token = signRs256(key1, claims({ aud: 'aaaaaaaa-0000-0000-0000-000000000001' }));
    expect(await both.check(bearer(token))).toBeUndefined();
  });

  test.each([
    ['no header', undefined, /no bearer token/],
    ['not bearer', 'Basic dXNlcjpwYXNz', /no bearer token/],
    ['not a JWT', 'Bearer abc.def', /malformed/],
    ['garbage header', 'Bearer !!!.e30.e30', /malformed/],
  ])('%s is refused', async (_what, header, reason) => {
    expect(await verifier.check(header)).toMatch(reason);
  });

  test('a wrong signature (another key under the same kid) is refused', async () => {
    const impostor = { ...rsaKey('kid-1') };
    expect(await verifier.check(bearer(signRs256(impostor, claims())))).toMatch(/signature/);
  });

  test('a tampered payload is refused', async () => {
    const [h, , s] = signRs256(key1, claims()).split('.');
    const forged = Buffer.from(JSON.stringify(claims({ aud: 'api://other' }))).toString('base64url');
    expect(await verifier.check(bearer(`${h}.${forged}.${s}`))).toMatch(/signature/);
  });

  test.each([
    ['wrong aud', { aud: 'api://someone-else' }, /audience/],
    [
      'wrong iss (another tenant)',
      { iss: 'https://login.microsoftonline.com/99999999-2222-3333-4444-555555555555/v2.0' },
      /issuer/,
    ],
    ['wrong iss (not Entra)', { iss: 'https://evil.example/' }, /issuer/],
    ['wrong tid', { tid: '99999999-2222-3333-4444-555555555555' }, /tenant/],
    ['no exp', { exp: undefined }, /expir/],
    ['expired (beyond the 5 min skew)', { exp: NOW_S - 301 }, /expired/],
    ['not yet valid (beyond the 5 min skew)', { nbf: NOW_S + 301 }, /not yet valid/],
    ['no Event Grid role', { roles: ['SomethingElse'] }, /role/],
    ['no roles claim', { roles: undefined }, /role/],
  ])('%s is refused', async (_what, overrides, reason) => {
    expect(await verifier.check(bearer(signRs256(key1, claims(overrides))))).toMatch(reason);
  });

  test('exp and nbf within the clock skew are accepted', async () => {
    expect(await verifier.check(bearer(signRs256(key1, claims({ exp: NOW_S - 200 }))))).toBeUndefined();
    expect(await verifier.check(bearer(signRs256(key1, claims({ nbf: NOW_S + 200 }))))).toBeUndefined();
  });

  test('alg none and HS256 (even keyed with the public key) are refused before any key is used', async () => {
    expect(await verifier.check(bearer(unsigned('kid-1', claims())))).toMatch(/RS256/);
    const publicPem = JSON.stringify(key1.jwk);
    expect(await verifier.check(bearer(signHs256(publicPem, 'kid-1', claims())))).toMatch(/RS256/);
    expect(await verifier.check(bearer(signRs256(key1, claims(), { alg: 'RS384' })))).toMatch(/RS256/);
  });

  test('appId, when configured, must match azp (v2) or appid (v1)', async () => {
    const strict = new EntraTokenVerifier({
      tenant: TENANT,
      audience: [AUDIENCE],
      appId: APP_ID,
      jwksUrl: jwks.url,
      now: () => clock,
    });
    expect(await strict.check(bearer(signRs256(key1, claims())))).toBeUndefined();
    const other = claims({ azp: '00000000-0000-0000-0000-000000000000' });
    expect(await strict.check(bearer(signRs256(key1, other)))).toMatch(/application/);
  });

  test('an unknown kid is refused; a rotation is picked up by a refetch, at most once per minRefresh', async () => {
    expect(await verifier.check(bearer(signRs256(key1, claims())))).toBeUndefined();
    expect(jwks.fetches).toBe(1);
    clock += 61_000;
    expect(await verifier.check(bearer(signRs256(key2, claims())))).toMatch(/unknown signing key/);
    expect(jwks.fetches).toBe(2); // refetched once for the unknown kid
    jwks.keys = [key1, key2]; // the tenant rotates
    clock += 10_000;
    expect(await verifier.check(bearer(signRs256(key2, claims())))).toMatch(/unknown signing key/);
    expect(jwks.fetches).toBe(2); // within the refresh interval: no refetch (no fetch storm from bogus kids)
    clock += 51_000;
    expect(await verifier.check(bearer(signRs256(key2, claims())))).toBeUndefined();
    expect(jwks.fetches).toBe(3);
  });

  test('the keys are refetched after maxAge; a failing refetch keeps the keys already held', async () => {
    expect(await verifier.check(bearer(signRs256(key1, claims())))).toBeUndefined();
    await jwks.close();
    clock += 25 * 3600_000;
    const token = signRs256(key1, claims({ exp: clock / 1000 + 3600, nbf: clock / 1000 - 60 }));
    expect(await verifier.check(bearer(token))).toBeUndefined();
  });

  test('JWKS unreachable with no key held: BrokerUnavailableError (answered 500, retried by the service), token not in it', async () => {
    await jwks.close();
    const token = signRs256(key1, claims());
    const error = await verifier.check(bearer(token)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BrokerUnavailableError);
    expect(String(error)).not.toContain(token);
    expect(String((error as Error).message)).not.toContain(token.split('.')[2]);
  });

  test('the authenticator answers the push contract: true for a valid token, false otherwise; reasons logged without the token', async () => {
    const logged: string[] = [];
    const logger = {
      debug: () => undefined,
      info: () => undefined,
      warn: (m: string, f?: Record<string, unknown>) => void logged.push(m + JSON.stringify(f ?? {})),
      error: (m: string, f?: Record<string, unknown>) => void logged.push(m + JSON.stringify(f ?? {})),
    };
    const authenticate = entraPushAuthenticator(
      { tenant: TENANT, audience: [AUDIENCE], jwksUrl: jwks.url, now: () => clock },
      logger,
    );
    const good = signRs256(key1, claims());
    const bad = signRs256(key1, claims({ aud: 'api://other' }));
    expect(await authenticate(request(`Bearer ${good}`))).toBe(true);
    expect(await authenticate(request(`Bearer ${bad}`))).toBe(false);
    expect(await authenticate(request())).toBe(false);
    expect(logged.join('\n')).toMatch(/audience/);
    for (const token of [good, bad]) {
      for (const part of token.split('.')) expect(logged.join('\n')).not.toContain(part);
    }
  });

  test("the default JWKS URL is the tenant's v2.0 discovery keys", () => {
    const v = new EntraTokenVerifier({ tenant: TENANT, audience: [AUDIENCE] });
    expect(v.jwksUrl).toBe(`https://login.microsoftonline.com/${TENANT}/discovery/v2.0/keys`);
  });
});
