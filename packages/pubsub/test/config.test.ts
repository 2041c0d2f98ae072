import { inspect } from 'node:util';
import { ConfigError } from '@eventport/core';
import { parsePubSubConfig, subscriptionNameOf } from '../src/config';
import { PubSubDriver } from '../src/driver';

const env = {} as NodeJS.ProcessEnv;
/** As the registry calls the factory: the URL, and its query merged into the options. */
function parse(url: string | undefined, options: Record<string, unknown> = {}, e: NodeJS.ProcessEnv = env) {
  const u = url === undefined ? undefined : new URL(url);
  const merged: Record<string, unknown> = {};
  if (u !== undefined) for (const [k, v] of u.searchParams) merged[k] = v;
  return parsePubSubConfig(u, { ...merged, ...options }, e);
}

describe('pubsub:// configuration', () => {
  test('the host is the project; defaults: auto-create, ordering, exactly-once, <topic>.<group>', () => {
    expect(parse('pubsub://my-project')).toMatchObject({
      projectId: 'my-project',
      emulatorHost: undefined,
      autoCreate: true,
      ordering: true,
      exactlyOnce: true,
      subscriptionName: '{topic}.{group}',
      publishTimeoutMs: 60_000,
      retentionSeconds: 604_800,
    });
  });

  test('retentionSeconds: 0 (off) or 600 to 604800', () => {
    expect(parse('pubsub://p1?retentionSeconds=0').retentionSeconds).toBe(0);
    expect(parse('pubsub://p1?retentionSeconds=600').retentionSeconds).toBe(600);
    expect(() => parse('pubsub://p1?retentionSeconds=599')).toThrow(/retentionSeconds/);
    expect(() => parse('pubsub://p1?retentionSeconds=604801')).toThrow(/retentionSeconds/);
    expect(() => parse('pubsub://p1', { retentionSeconds: 1.5 })).toThrow(ConfigError);
  });

  test('the project and emulator fall back to the environment', () => {
    const c = parse('pubsub://', {}, {
      GOOGLE_CLOUD_PROJECT: 'from-env',
      PUBSUB_EMULATOR_HOST: '127.0.0.1:8085',
    } as NodeJS.ProcessEnv);
    expect(c).toMatchObject({ projectId: 'from-env', emulatorHost: '127.0.0.1:8085' });
    expect(parse('pubsub://', {}, { PUBSUB_PROJECT_ID: 'p-2' } as NodeJS.ProcessEnv).projectId).toBe('p-2');
    expect(
      parse('pubsub://explicit', {}, { GOOGLE_CLOUD_PROJECT: 'env' } as NodeJS.ProcessEnv).projectId,
    ).toBe('explicit');
  });

  test('query parameters parse from strings', () => {
    const c = parse(
      'pubsub://p1?emulatorHost=http://127.0.0.1:9999/&ordering=false&autoCreateTopics=0&pullConcurrency=4',
    );
    expect(c).toMatchObject({
      emulatorHost: '127.0.0.1:9999',
      ordering: false,
      autoCreate: false,
      pullConcurrency: 4,
    });
  });

  test('bad input is a ConfigError naming the option', () => {
    expect(() => parse('pubsub://')).toThrow(/projectId/);
    expect(() => parse('pubsub://p1?nope=1')).toThrow(ConfigError);
    expect(() => parse('pubsub://p1?nope=1')).toThrow(/nope/);
    expect(() => parse('pubsub://p1?ordering=maybe')).toThrow(/ordering/);
    expect(() => parse('pubsub://p1?emulatorHost=nohost')).toThrow(/emulatorHost/);
    expect(() => parse('pubsub://p1?pullConcurrency=0')).toThrow(/pullConcurrency/);
    expect(() => parse('pubsub://p1?subscriptionName=fixed')).toThrow(/\{group\}/);
    expect(() => parse('pubsub://user:pw@p1')).toThrow(/credentials/);
    expect(() => parse('pubsub://p1/path')).toThrow(/path/);
    expect(() => parse('pubsub://p1', { emulatorHost: '127.0.0.1:1', apiEndpoint: 'h:443' })).toThrow(
      /apiEndpoint/,
    );
  });

  test('subscription names come from the template', () => {
    expect(subscriptionNameOf(parse('pubsub://p1'), 'orders', 'billing')).toBe('orders.billing');
    expect(subscriptionNameOf(parse('pubsub://p1?subscriptionName=sub-{group}-{topic}'), 'o', 'g')).toBe(
      'sub-g-o',
    );
  });

  test('credentials are reachable through neither the config nor the driver when printed', async () => {
    const key = '-----BEGIN PRIVATE KEY-----SECRETKEYMATERIAL';
    const c = parse('pubsub://p1?emulatorHost=127.0.0.1:1', {
      credentials: { client_email: 'svc@p1.example', private_key: key },
      keyFilename: '/secret/key-file.json',
    });
    expect(c.secret().credentials).toMatchObject({ private_key: key });
    const driver = new PubSubDriver(c);
    try {
      for (const printed of [
        inspect(c, { depth: Infinity, showHidden: true }),
        inspect(driver, { depth: Infinity }),
        JSON.stringify(c),
        driver.describe(),
        String(driver),
      ]) {
        expect(printed).not.toContain('SECRETKEYMATERIAL');
        expect(printed).not.toContain('key-file.json');
      }
      let thrown: unknown;
      try {
        parse('pubsub://p1?bad=1', { credentials: { private_key: key } });
      } catch (err) {
        thrown = err;
      }
      expect(inspect(thrown, { depth: Infinity, showHidden: true })).not.toContain('SECRETKEYMATERIAL');
    } finally {
      await driver.close();
    }
  });
});
