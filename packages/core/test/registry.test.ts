import { connect } from '../src/api/connect.js';
import { ConfigError, UnknownSchemeError } from '../src/errors/errors.js';
import { createDriver, registerDriver, registeredSchemes } from '../src/registry/registry.js';
import { adapterPackageFor, installedAdapters } from '../src/registry/discovery.js';
import type { DriverContext, DriverFactory } from '../src/driver/types.js';
import { FakeDriver, RecordingLogger, uniqueName } from './helpers/fakes.js';

// A well-known adapter package that is "not installed", and one that is broken.
jest.mock(
  '@eventport/pubsub',
  () => {
    const err = new Error("Cannot find module '@eventport/pubsub'") as Error & { code: string };
    err.code = 'MODULE_NOT_FOUND';
    throw err;
  },
  { virtual: true },
);
jest.mock(
  '@eventport/sqs',
  () => {
    throw new SyntaxError('broken adapter build');
  },
  { virtual: true },
);

function recordingFactory(scheme: string): DriverFactory & {
  calls: { url: URL | undefined; options: Record<string, unknown>; context: DriverContext }[];
} {
  const calls: { url: URL | undefined; options: Record<string, unknown>; context: DriverContext }[] = [];
  return {
    scheme,
    packageName: `@test/${scheme}`,
    calls,
    create(url, options, context) {
      calls.push({ url, options: { ...options }, context });
      return new FakeDriver();
    },
  };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('URL registry', () => {
  it('auto-loads @eventport/memory for memory:// (nothing registered it before)', async () => {
    expect(registeredSchemes()).not.toContain('memory');
    const broker = await connect(`memory://${uniqueName('auto')}`, { logger: new RecordingLogger() });
    try {
      expect(broker.name).toBe('memory');
      expect(registeredSchemes()).toContain('memory');
      expect(broker.capabilities.label).toBe('memory');
    } finally {
      await broker.close();
    }
  });

  it('uses EVENTPORT_URL, else memory:// when connect() gets no target', async () => {
    const saved = process.env.EVENTPORT_URL;
    const f = recordingFactory('envtest');
    registerDriver(f);
    try {
      process.env.EVENTPORT_URL = 'envtest://h:1?x=1';
      const b = await connect(undefined, { tracing: false });
      expect(b.name).toBe('fake');
      expect(f.calls[0]!.url?.host).toBe('h:1');
      delete process.env.EVENTPORT_URL;
      const m = await connect(undefined, { logger: new RecordingLogger() });
      expect(m.name).toBe('memory');
      await m.close();
    } finally {
      if (saved === undefined) delete process.env.EVENTPORT_URL;
      else process.env.EVENTPORT_URL = saved;
    }
  });

  it('passes URL query parameters and option objects to the factory', async () => {
    const f = recordingFactory('rec');
    registerDriver(f);
    registerDriver(f); // same factory twice: no-op
    await createDriver('REC://host:99/path?a=1&b=two');
    await createDriver(new URL('rec://other'));
    await createDriver({ kind: 'Rec', brokers: ['h'], n: 2 });
    expect(f.calls[0]!.url?.hostname).toBe('host');
    expect(f.calls[0]!.options).toEqual({ a: '1', b: 'two' });
    expect(f.calls[1]!.url?.hostname).toBe('other');
    expect(f.calls[2]).toMatchObject({ url: undefined, options: { brokers: ['h'], n: 2 } });
    expect(registeredSchemes()).toEqual([...registeredSchemes()].sort());
  });

  it('takes multi-host URLs (Kafka bootstrap lists): the first host in the URL, all of them as `hosts`', async () => {
    const f = recordingFactory('multi');
    registerDriver(f);
    await createDriver('multi://u:p%40ss@a:9092, b:9093,c:9094/x?clientId=c');
    await createDriver('multi://a:1,b:2?hosts=explicit:3');
    expect(f.calls[0]!.url?.host).toBe('a:9092');
    expect(f.calls[0]!.url?.password).toBe('p%40ss');
    expect(f.calls[0]!.url?.pathname).toBe('/x');
    expect(f.calls[0]!.options).toEqual({ clientId: 'c', hosts: 'a:9092,b:9093,c:9094' });
    expect(f.calls[1]!.options).toEqual({ hosts: 'explicit:3' });
    const err = await rejection(createDriver('multi://a:port,b:1'));
    expect(err).toBeInstanceOf(ConfigError);
  });

  it('a later factory for a taken scheme replaces the earlier one', async () => {
    const a = recordingFactory('dup');
    const b = recordingFactory('dup');
    registerDriver(a);
    registerDriver(b);
    await createDriver('dup://x');
    expect(a.calls).toHaveLength(0);
    expect(b.calls).toHaveLength(1);
  });

  it('rejects an invalid scheme name at registration', () => {
    expect(() => registerDriver({ ...recordingFactory('x'), scheme: 'Bad_Scheme' })).toThrow(ConfigError);
  });

  it.each([
    ['empty string', ''],
    ['blank', '   '],
    ['no scheme', 'just some words'],
    ['garbage', '::::'],
  ])('invalid URL (%s) → ConfigError naming "url"', async (_n, url) => {
    const err = await rejection(connect(url));
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).option).toBe('url');
  });

  it('a malformed URL does not echo its secrets', async () => {
    const err = (await rejection(connect('kafka://user:hunter2@[bad'))) as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(`${err.message} ${String(err)}`).not.toContain('hunter2');
  });

  it('an adapter option error names the option, never its value', async () => {
    const err = (await rejection(connect('memory://x?password=hunter2&partitions=2'))) as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.option).toBe('password');
    expect(`${err.message} ${String(err)} ${err.stack}`).not.toContain('hunter2');
    const bad = (await rejection(connect({ kind: 'memory', partitions: 0 }))) as ConfigError;
    expect(bad.option).toBe('partitions');
  });

  it('bad connect targets → ConfigError naming "target"', async () => {
    for (const t of [null, 42, { nokind: true }, { kind: 5 }]) {
      const err = await rejection(createDriver(t as never));
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).option).toBe('target');
    }
  });

  it('unknown scheme → UnknownSchemeError naming installed adapters and a package to install', async () => {
    const err = (await rejection(connect('nats://localhost:4222'))) as UnknownSchemeError;
    expect(err).toBeInstanceOf(UnknownSchemeError);
    expect(err.code).toBe('UNKNOWN_SCHEME');
    expect(err.scheme).toBe('nats');
    expect(err.installed).toEqual(expect.arrayContaining(registeredSchemes()));
    expect(err.installed).toContain('kafka'); // declared by its package.json, even before import
    expect(err.installed).toContain('memory');
    expect(err.message).toMatch(/no adapter for "nats:\/\/" is installed \(installed: .*memory:\/\//);
    expect(err.message).toContain('install @eventport/nats');
  });

  it('adapters are discovered from their package.json declarations, not from a list in core', () => {
    const schemes = installedAdapters().map((a) => a.scheme);
    // the workspace packages that declare "eventport.adapter" (the emulators do not)
    expect(schemes).toEqual(expect.arrayContaining(['memory', 'kafka', 'sqs']));
    expect(schemes[0]).toBe('memory');
    expect(schemes).not.toContain('eventhubs-emulator');
    expect(installedAdapters().find((a) => a.scheme === 'kafka')).toMatchObject({
      packageName: '@eventport/kafka',
      title: 'Apache Kafka',
    });
    // an undeclared scheme is looked up by convention
    expect(adapterPackageFor('nats')).toBe('@eventport/nats');
  });

  it('a scheme whose package is not installed names that package', async () => {
    expect(adapterPackageFor('pubsub')).toBe('@eventport/pubsub');
    const err = (await rejection(connect('pubsub://my-project'))) as UnknownSchemeError;
    expect(err).toBeInstanceOf(UnknownSchemeError);
    expect(err.suggestedPackage).toBe('@eventport/pubsub');
    expect(err.message).toContain('install @eventport/pubsub and import it');
  });

  it('an adapter package that fails to load for another reason surfaces that error', async () => {
    await expect(connect('sqs://queue')).rejects.toThrow('broken adapter build');
  });

  it("the logger a driver gets redacts secrets before they reach the user's logger", async () => {
    const f = recordingFactory('logredact');
    registerDriver(f);
    const logger = new RecordingLogger();
    const b = await connect('logredact://x', { tracing: false, logger });
    const driverLogger = f.calls[0]!.context.logger;
    const raw = new Error('auth failed: SharedAccessKey=K1SECRET');
    driverLogger.warn('cannot reach amqps://user:PW2SECRET@host', {
      error: raw,
      broker: 'kafka://u:PW3SECRET@h:9092',
      sasl: { password: 'PW4SECRET' },
      key: 'K5SECRET',
    });
    await b.close();
    expect(logger.entries).toHaveLength(1);
    const entry = logger.entries[0]!;
    expect(entry.fields?.error).toBeInstanceOf(Error);
    expect(entry.message + JSON.stringify(entry.fields) + String(entry.fields?.error)).not.toMatch(/SECRET/);
  });

  it('wrapDriver wraps the created driver', async () => {
    registerDriver(recordingFactory('wrap'));
    const inner = new FakeDriver();
    const b = await connect('wrap://x', { tracing: false, wrapDriver: () => inner });
    expect(b.raw()).toEqual({ native: true });
    expect(String(b)).toBe('Broker(fake://test)');
    await b.close();
    expect(inner.closed).toBe(true);
  });
});
