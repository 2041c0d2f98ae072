import { ConfigError } from '@eventport/core/driver';
import { parseEventGridConfig } from '../src/config.js';

const parse = (url: string | undefined, options: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = {}) =>
  parseEventGridConfig(url === undefined ? undefined : new URL(url), options, env);

describe('parseEventGridConfig', () => {
  test('a loopback host implies http (the emulator), the path names the topic', () => {
    const { config, auth } = parse('eventgrid://127.0.0.1:6500/orders?key=k', { key: 'k' });
    expect(config).toMatchObject({
      endpoint: 'http://127.0.0.1:6500',
      topic: 'orders',
      mode: 'namespace',
      loopback: true,
    });
    expect(auth).toEqual({ key: 'k' });
    expect(parse('eventgrid://localhost:6500', { key: 'k' }).config.endpoint).toBe('http://localhost:6500');
  });

  test('any other host is https; tls=false forces http', () => {
    const host = 'ns.westeurope-1.eventgrid.azure.net';
    expect(parse(`eventgrid://${host}/orders`, { key: 'k' }).config).toMatchObject({
      endpoint: `https://${host}`,
      loopback: false,
    });
    expect(parse(`eventgrid://${host}`, { key: 'k', tls: 'false' }).config.endpoint).toBe(`http://${host}`);
  });

  test('the key comes from the options (the URL query) or EVENTGRID_KEY', () => {
    expect(parse('eventgrid://127.0.0.1:6500', {}, { EVENTGRID_KEY: 'from-env' }).auth).toEqual({
      key: 'from-env',
    });
    expect(parse('eventgrid://127.0.0.1:6500', { key: 'opt' }, { EVENTGRID_KEY: 'env' }).auth).toEqual({
      key: 'opt',
    });
    expect(() => parse('eventgrid://127.0.0.1:6500')).toThrow(ConfigError);
    expect(() => parse('eventgrid://127.0.0.1:6500')).toThrow(/key/);
  });

  describe('credential (a TokenCredential instead of the key)', () => {
    const credential = { getToken: () => Promise.resolve(null) };
    const remote = 'https://ns.westeurope-1.eventgrid.azure.net';

    test('any object with getToken is taken, and EVENTGRID_KEY is then not read', () => {
      for (const mode of ['namespace', 'basic']) {
        const { auth } = parse(undefined, { endpoint: remote, credential, mode }, { EVENTGRID_KEY: 'env' });
        expect(auth).toEqual({ credential });
        expect((auth as { credential: unknown }).credential).toBe(credential);
      }
    });

    test.each([
      ['an object without getToken', {}],
      ['a string', 'token'],
      ['null', null],
      ['a getToken that is not a function', { getToken: 'x' }],
      [
        'a getter that throws',
        Object.defineProperty({}, 'getToken', {
          get() {
            throw new Error('secret-in-getter');
          },
        }),
      ],
    ])('%s is refused with a ConfigError naming credential', (_what, bad) => {
      let error: unknown;
      try {
        parse(undefined, { endpoint: remote, credential: bad });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toMatch(/credential.*getToken/s);
      expect(String((error as Error).message)).not.toContain('secret-in-getter');
    });

    test('a credential with a key (option or URL query) is refused', () => {
      expect(() => parse(undefined, { endpoint: remote, credential, key: 'k' })).toThrow(
        /credential.*either key or credential/s,
      );
      expect(() =>
        parse('eventgrid://ns.westeurope-1.eventgrid.azure.net/orders', { credential, key: 'from-query' }),
      ).toThrow(ConfigError);
    });

    test('a credential against the emulator (loopback http) or any http endpoint is refused', () => {
      expect(() => parse('eventgrid://127.0.0.1:6500/orders', { credential })).toThrow(
        /emulator.*leave credential out/s,
      );
      expect(() => parse(undefined, { endpoint: 'http://ns.example.invalid', credential })).toThrow(/https/);
      expect(() => parse('eventgrid://ns.example.invalid/orders', { credential, tls: 'false' })).toThrow(
        ConfigError,
      );
    });
  });

  test('options object: endpoint, mode, maxWaitTime', () => {
    const { config } = parse(undefined, {
      endpoint: 'https://h.example/',
      mode: 'basic',
      maxWaitTime: 30,
      key: 'k',
    });
    expect(config).toMatchObject({ endpoint: 'https://h.example', mode: 'basic', maxWaitTime: 30 });
    expect(parse(undefined, { endpoint: 'http://127.0.0.1:1', key: 'k' }).config.maxWaitTime).toBe(10);
  });

  test.each([
    [{ concurency: 4 }, 'concurency'],
    [{ mode: 'push' }, 'mode'],
    [{ maxWaitTime: 5 }, 'maxWaitTime'],
    [{ maxWaitTime: 121 }, 'maxWaitTime'],
    [{ endpoint: 'ftp://h' }, 'endpoint'],
    [{ endpoint: 'not a url' }, 'endpoint'],
    [{ endpoint: 'https://h/?key=secret' }, 'endpoint'],
    [{ tls: 'maybe' }, 'tls'],
  ])('%j is refused with a ConfigError naming %s', (options, option) => {
    let error: unknown;
    try {
      parse(undefined, { endpoint: 'http://127.0.0.1:1', key: 'k', ...options });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).option).toBe(option);
    expect(String(error)).not.toMatch(/secret/);
  });

  test('no host, userinfo, or a nested path is refused', () => {
    expect(() => parse(undefined, { key: 'k' })).toThrow(ConfigError);
    expect(() => parse('eventgrid://u:p@127.0.0.1/orders', { key: 'k' })).toThrow(/key/);
    expect(() => parse('eventgrid://127.0.0.1/a/b', { key: 'k' })).toThrow(/one topic/);
  });
});

describe('push options (basic topics)', () => {
  const url = new URL('eventgrid://127.0.0.1:6500/orders?key=k&mode=basic');
  const parse = (options: Record<string, unknown>) =>
    parseEventGridConfig(url, { key: 'k', mode: 'basic', ...options });

  test('listen: HOST:PORT (IPv6 in brackets), off, default 127.0.0.1:0; anything else refused', () => {
    expect(parse({}).config.listen).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parse({ listen: '0.0.0.0:8080' }).config.listen).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(parse({ listen: '[::1]:9000' }).config.listen).toEqual({ host: '::1', port: 9000 });
    expect(parse({ listen: 'off' }).config.listen).toBeUndefined();
    for (const bad of ['8080', 'host:', 'host:99999', 'a:b:c'])
      expect(() => parse({ listen: bad })).toThrow(/listen/);
  });

  test('pushEndpoint: an http(s) base URL without a query, trailing slashes dropped', () => {
    expect(parse({ pushEndpoint: 'https://app.example.com/hooks/' }).config.pushEndpoint).toBe(
      'https://app.example.com/hooks',
    );
    expect(() => parse({ pushEndpoint: 'ftp://x' })).toThrow(/pushEndpoint/);
    expect(() => parse({ pushEndpoint: 'https://x/?secret=1' })).toThrow(/pushEndpoint/);
    expect(() => parse({ pushEndpoint: 'not a url' })).toThrow(/pushEndpoint/);
  });

  test('pushSecret: one random secret per process on loopback when none is given; none elsewhere', () => {
    const a = parse({}).push.secret;
    expect(a).toEqual(expect.any(String));
    expect(parse({}).push.secret).toBe(a);
    expect(parse({ pushSecret: 'mine' }).push.secret).toBe('mine');
    const remote = parseEventGridConfig(new URL('eventgrid://orders.example.invalid/orders'), {
      key: 'k',
      mode: 'basic',
    });
    expect(remote.push.secret).toBeUndefined();
    expect(() => parse({ pushAuthenticate: 'yes' })).toThrow(/pushAuthenticate/);
    expect(JSON.stringify(parse({ pushSecret: 'mine' }).config)).not.toContain('mine');
  });
});
