import { ConfigError } from '@eventport/core/driver';
import { parseEventGridConfig } from '../src/config.js';

const TENANT = '72F988BF-86F1-41AF-91AB-2D7CD011DB47';
const basic = (options: Record<string, unknown>, host = 'orders.westeurope-1.eventgrid.azure.net') =>
  parseEventGridConfig(new URL(`eventgrid://${host}/orders`), { key: 'k', mode: 'basic', ...options }, {});

describe('pushEntra* options (Entra token check of pushes)', () => {
  test('tenant and audience turn it on; the audience is a comma-separated list (URL query) or an array', () => {
    const { push } = basic({
      pushEntraTenant: TENANT,
      pushEntraAudience: 'api://hook, 0000aaaa-0000-0000-0000-000000000001',
    });
    expect(push.entra).toEqual({
      tenant: TENANT.toLowerCase(),
      audience: ['api://hook', '0000aaaa-0000-0000-0000-000000000001'],
    });
    expect(
      basic({ pushEntraTenant: TENANT, pushEntraAudience: ['api://hook'] }).push.entra?.audience,
    ).toEqual(['api://hook']);
    expect(basic({}).push.entra).toBeUndefined();
  });

  test('the optional JWKS URL, issuer and app id are kept', () => {
    const { push } = basic({
      pushEntraTenant: TENANT,
      pushEntraAudience: 'api://hook',
      pushEntraJwksUrl: 'https://login.microsoftonline.us/t/discovery/v2.0/keys',
      pushEntraIssuer: 'https://login.microsoftonline.us/t/v2.0',
      pushEntraAppId: '4962773B-9CDB-44CF-A8BF-237846A00AB7',
    });
    expect(push.entra).toMatchObject({
      jwksUrl: 'https://login.microsoftonline.us/t/discovery/v2.0/keys',
      issuer: 'https://login.microsoftonline.us/t/v2.0',
      appId: '4962773b-9cdb-44cf-a8bf-237846a00ab7',
    });
  });

  test('on loopback (the emulator) no random secret is added when the Entra check is on; pushSecret combines', () => {
    const loop = (o: Record<string, unknown>) => basic(o, '127.0.0.1:6500').push;
    expect(loop({ pushEntraTenant: TENANT, pushEntraAudience: 'api://hook' }).secret).toBeUndefined();
    const both = loop({ pushEntraTenant: TENANT, pushEntraAudience: 'api://hook', pushSecret: 's' });
    expect(both.secret).toBe('s');
    expect(both.entra).toBeDefined();
    expect(
      loop({ pushEntraTenant: TENANT, pushEntraAudience: 'a', pushEntraJwksUrl: 'http://127.0.0.1:9/keys' })
        .entra?.jwksUrl,
    ).toBe('http://127.0.0.1:9/keys');
  });

  test.each([
    [{ pushEntraAudience: 'api://hook' }, 'pushEntraTenant', /needs? pushEntraTenant/],
    [{ pushEntraJwksUrl: 'https://x/keys' }, 'pushEntraTenant', /needs? pushEntraTenant/],
    [{ pushEntraTenant: 'contoso.onmicrosoft.com', pushEntraAudience: 'a' }, 'pushEntraTenant', /GUID/],
    [{ pushEntraTenant: TENANT }, 'pushEntraAudience', /needed/],
    [{ pushEntraTenant: TENANT, pushEntraAudience: ' , ' }, 'pushEntraAudience', /no audience/],
    [{ pushEntraTenant: TENANT, pushEntraAudience: 42 }, 'pushEntraAudience', /string/],
    [
      { pushEntraTenant: TENANT, pushEntraAudience: 'a', pushEntraAppId: 'eventgrid' },
      'pushEntraAppId',
      /GUID/,
    ],
    [
      { pushEntraTenant: TENANT, pushEntraAudience: 'a', pushEntraJwksUrl: 'not a url' },
      'pushEntraJwksUrl',
      /not a URL/,
    ],
    [
      { pushEntraTenant: TENANT, pushEntraAudience: 'a', pushEntraJwksUrl: 'http://keys.example/k' },
      'pushEntraJwksUrl',
      /https/,
    ],
    [
      { pushEntraTenant: TENANT, pushEntraAudience: 'a', pushEntraIssuer: 'http://sts.example/' },
      'pushEntraIssuer',
      /https/,
    ],
  ])('%j is a ConfigError naming %s', (options, option, message) => {
    let error: unknown;
    try {
      basic(options);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(option);
    expect((error as ConfigError).message).toMatch(message);
  });

  test('a plain-http JWKS URL is accepted only for a key server on this machine (no network to tamper with)', () => {
    const entra = { pushEntraTenant: TENANT, pushEntraAudience: 'a' };
    expect(basic({ ...entra, pushEntraJwksUrl: 'http://127.0.0.1:9/keys' }).push.entra?.jwksUrl).toBe(
      'http://127.0.0.1:9/keys',
    );
    expect(() => basic({ ...entra, pushEntraJwksUrl: 'http://10.0.0.1/keys' }, '127.0.0.1:6500')).toThrow(
      /https/,
    );
    expect(() => basic({ ...entra, pushEntraJwksUrl: 'ftp://127.0.0.1/keys' })).toThrow(/https/);
  });
});
