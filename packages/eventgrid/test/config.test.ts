import { ConfigError } from '@eventport/core/driver';
import { parseEventGridConfig } from '../src/config.js';

const parse = (url: string | undefined, options: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = {}) =>
  parseEventGridConfig(url === undefined ? undefined : new URL(url), options, env);

describe('parseEventGridConfig', () => {
  test('a loopback host implies http (the emulator), the path names the topic', () => {
    const { config, key } = parse('eventgrid://127.0.0.1:6500/orders?key=k', { key: 'k' });
    expect(config).toMatchObject({
      endpoint: 'http://127.0.0.1:6500',
      topic: 'orders',
      mode: 'namespace',
      loopback: true,
    });
    expect(key).toBe('k');
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
    expect(parse('eventgrid://127.0.0.1:6500', {}, { EVENTGRID_KEY: 'from-env' }).key).toBe('from-env');
    expect(parse('eventgrid://127.0.0.1:6500', { key: 'opt' }, { EVENTGRID_KEY: 'env' }).key).toBe('opt');
    expect(() => parse('eventgrid://127.0.0.1:6500')).toThrow(ConfigError);
    expect(() => parse('eventgrid://127.0.0.1:6500')).toThrow(/key/);
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
