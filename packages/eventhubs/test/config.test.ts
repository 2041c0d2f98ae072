import util from 'node:util';
import { ConfigError, connect } from '@eventport/core';
import { DEFAULT_MAX_EVENT_SIZE, parseEventHubsConfig } from '../src/config.js';
import '../src/index.js';

const KEY = 'c2VjcmV0LWtleS12YWx1ZS10aGF0LW11c3Qtbm90LWxlYWs=';
const CS = `Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=${KEY};EntityPath=orders`;
const STORAGE =
  'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=c3RvcmFnZS1zZWNyZXQ=;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;';
const url = (s: string): URL => new URL(s);
const noEnv = {};

describe('parseEventHubsConfig', () => {
  it('a loopback host is the emulator: plain TCP, its development key when no connection string is given', () => {
    const c = parseEventHubsConfig(url('eventhubs://127.0.0.1:5672/orders'), {}, noEnv);
    expect(c.host).toBe('127.0.0.1:5672');
    expect(c.hub).toBe('orders');
    expect(c.emulator).toBe(true);
    expect(c.connectionString()).toBe(
      'Endpoint=sb://127.0.0.1:5672/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true',
    );
    expect(c.maxEventSize).toBe(DEFAULT_MAX_EVENT_SIZE);
  });

  it("an emulator's checkpoints default to Azurite's development storage; a namespace's need one given", () => {
    const c = parseEventHubsConfig(url('eventhubs://127.0.0.1:5672/orders'), {}, noEnv);
    expect(c.hasCheckpointStore).toBe(true);
    expect(c.storageConnectionString()).toBe('UseDevelopmentStorage=true');
    expect(c.describe()).toContain('development storage');
    const viaConnectionString = parseEventHubsConfig(
      undefined,
      {
        connectionString: `Endpoint=sb://127.0.0.1:5672;${'SharedAccessKeyName=k;SharedAccessKey=v'};UseDevelopmentEmulator=true`,
      },
      noEnv,
    );
    expect(viaConnectionString.storageConnectionString()).toBe('UseDevelopmentStorage=true');
    const given = parseEventHubsConfig(
      url('eventhubs://127.0.0.1/h'),
      {},
      { AZURE_STORAGE_CONNECTION_STRING: STORAGE },
    );
    expect(given.storageConnectionString()).toBe(STORAGE);
    const azure = parseEventHubsConfig(url('eventhubs://'), { connectionString: CS }, noEnv);
    expect(azure.hasCheckpointStore).toBe(false);
    expect(azure.storageConnectionString()).toBeUndefined();
  });

  it('takes a connection string (option or EVENTHUB_CONNECTION_STRING), drops EntityPath, keeps its hub as the default', () => {
    const c = parseEventHubsConfig(url('eventhubs://'), { connectionString: CS }, noEnv);
    expect(c.host).toBe('ns.servicebus.windows.net');
    expect(c.hub).toBe('orders');
    expect(c.emulator).toBe(false);
    expect(c.connectionString()).toBe(
      `Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=${KEY}`,
    );
    const e = parseEventHubsConfig(undefined, {}, { EVENTHUB_CONNECTION_STRING: CS, EVENTHUB_NAME: 'x' });
    expect(e.host).toBe('ns.servicebus.windows.net');
    expect(e.hub).toBe('orders');
    const n = parseEventHubsConfig(url('eventhubs://127.0.0.1'), {}, { EVENTHUB_NAME: 'payments' });
    expect(n.hub).toBe('payments');
  });

  it('the URL host wins over the connection string endpoint; loopback adds UseDevelopmentEmulator=true', () => {
    const c = parseEventHubsConfig(
      url('eventhubs://127.0.0.1:5673/conf'),
      {},
      { EVENTHUB_CONNECTION_STRING: CS },
    );
    expect(c.host).toBe('127.0.0.1:5673');
    expect(c.hub).toBe('conf');
    expect(c.connectionString()).toMatch(
      /^Endpoint=sb:\/\/127\.0\.0\.1:5673\/;.*;UseDevelopmentEmulator=true$/,
    );
  });

  it('reads the checkpoint store from the option or AZURE_STORAGE_CONNECTION_STRING', () => {
    const c = parseEventHubsConfig(
      url('eventhubs://127.0.0.1/h'),
      { storageConnectionString: STORAGE },
      noEnv,
    );
    expect(c.hasCheckpointStore).toBe(true);
    expect(c.storageConnectionString()).toBe(STORAGE);
    expect(c.checkpointContainer).toBe('eventport-checkpoints');
    const e = parseEventHubsConfig(
      url('eventhubs://127.0.0.1/h'),
      {},
      { AZURE_STORAGE_CONNECTION_STRING: STORAGE },
    );
    expect(e.hasCheckpointStore).toBe(true);
    expect(() =>
      parseEventHubsConfig(url('eventhubs://127.0.0.1/h'), { storageConnectionString: 'nonsense' }, noEnv),
    ).toThrow(/storageConnectionString/);
    expect(() =>
      parseEventHubsConfig(url('eventhubs://127.0.0.1/h'), { checkpointContainer: 'Bad_Name' }, noEnv),
    ).toThrow(/checkpointContainer/);
  });

  it('refuses unknown options, bad numbers, missing credentials and credentials in the URL', () => {
    const e = () => parseEventHubsConfig(url('eventhubs://127.0.0.1/h'), { prefetch: 5 }, noEnv);
    expect(e).toThrow(ConfigError);
    expect(e).toThrow(/prefetch/);
    expect(() => parseEventHubsConfig(url('eventhubs://127.0.0.1/h'), { maxBatchSize: 0 }, noEnv)).toThrow(
      /maxBatchSize/,
    );
    expect(() => parseEventHubsConfig(url('eventhubs://ns.servicebus.windows.net/h'), {}, noEnv)).toThrow(
      /connectionString/,
    );
    expect(() => parseEventHubsConfig(url('eventhubs://'), {}, noEnv)).toThrow(/EVENTHUB_CONNECTION_STRING/);
    expect(() => parseEventHubsConfig(url('eventhubs://u:p@127.0.0.1/h'), {}, noEnv)).toThrow(/URL/);
    expect(() => parseEventHubsConfig(undefined, { connectionString: 'Endpoint=http://x' }, noEnv)).toThrow(
      /sb:\/\//,
    );
    expect(() =>
      parseEventHubsConfig(undefined, { connectionString: 'Endpoint=sb://x/;SharedAccessKeyName=a' }, noEnv),
    ).toThrow(/SharedAccessKey/);
    expect(() => parseEventHubsConfig(url('eventhubs://127.0.0.1/h'), { credential: 'x' }, noEnv)).toThrow(
      /credential/,
    );
  });

  it('accepts a token credential for a namespace host', () => {
    const credential = { getToken: async () => ({ token: 't', expiresOnTimestamp: Date.now() + 60_000 }) };
    const c = parseEventHubsConfig(url('eventhubs://ns.servicebus.windows.net/h'), { credential }, noEnv);
    expect(c.connectionString()).toBeUndefined();
    expect(c.credential()).toBe(credential);
    expect(c.describe()).toContain('token credential');
  });

  it('never shows a key: describe, util.inspect, JSON.stringify and errors', async () => {
    const c = parseEventHubsConfig(
      undefined,
      { connectionString: CS, storageConnectionString: STORAGE },
      noEnv,
    );
    for (const text of [
      c.describe(),
      util.inspect(c, { depth: Infinity, showHidden: true }),
      JSON.stringify(c),
      String(c),
    ]) {
      expect(text).not.toContain(KEY);
      expect(text).not.toContain('c3RvcmFnZS1zZWNyZXQ=');
    }
    const broker = await connect({
      kind: 'eventhubs',
      connectionString: CS,
      storageConnectionString: STORAGE,
    });
    try {
      const producer = broker.producer('orders');
      for (const text of [
        util.inspect(broker, { depth: Infinity, showHidden: true }),
        util.inspect(producer, { depth: Infinity, showHidden: true }),
        JSON.stringify(broker),
        String(broker),
      ]) {
        expect(text).not.toContain(KEY);
        expect(text).not.toContain('c3RvcmFnZS1zZWNyZXQ=');
      }
      await producer.close();
    } finally {
      await broker.close();
    }
    try {
      parseEventHubsConfig(
        undefined,
        { connectionString: `${CS};Bogus`, storageConnectionString: STORAGE },
        noEnv,
      );
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect(util.inspect(err, { depth: Infinity })).not.toContain(KEY);
    }
  });
});

describe('token credentials (e.g. new DefaultAzureCredential())', () => {
  /** The shape of @azure/identity's credentials: any object with getToken. */
  const credential = {
    clientSecret: 'client-secret-that-must-not-leak',
    getToken: async () => ({ token: 't', expiresOnTimestamp: Date.now() + 60_000 }),
  };

  it('takes fullyQualifiedNamespace + hub + credential without a URL, ignoring EVENTHUB_CONNECTION_STRING', () => {
    const c = parseEventHubsConfig(
      undefined,
      { fullyQualifiedNamespace: 'ns.servicebus.windows.net', hub: 'orders', credential },
      { EVENTHUB_CONNECTION_STRING: CS },
    );
    expect(c.host).toBe('ns.servicebus.windows.net');
    expect(c.hub).toBe('orders');
    expect(c.emulator).toBe(false);
    expect(c.credential()).toBe(credential);
    expect(c.connectionString()).toBeUndefined();
    expect(c.describe()).toBe(
      'eventhubs://ns.servicebus.windows.net/orders (token credential, no checkpoint store)',
    );
    const withPort = parseEventHubsConfig(
      undefined,
      { fullyQualifiedNamespace: 'ns.servicebus.windows.net:5671', credential },
      noEnv,
    );
    expect(withPort.host).toBe('ns.servicebus.windows.net:5671');
  });

  it('fullyQualifiedNamespace wins over the URL host; EVENTHUB_NAME is the hub fallback', () => {
    const c = parseEventHubsConfig(
      url('eventhubs://other.servicebus.windows.net'),
      { fullyQualifiedNamespace: 'ns.servicebus.windows.net', credential },
      { EVENTHUB_NAME: 'payments' },
    );
    expect(c.host).toBe('ns.servicebus.windows.net');
    expect(c.hub).toBe('payments');
  });

  it('a credential with only a URL host works as before', () => {
    const c = parseEventHubsConfig(url('eventhubs://ns.servicebus.windows.net/h'), { credential }, noEnv);
    expect(c.host).toBe('ns.servicebus.windows.net');
    expect(c.credential()).toBe(credential);
  });

  it('connect() accepts them and never shows the credential', async () => {
    const broker = await connect({
      kind: 'eventhubs',
      fullyQualifiedNamespace: 'ns.servicebus.windows.net',
      hub: 'orders',
      credential,
    });
    try {
      expect(String(broker)).toContain('token credential');
      for (const text of [
        util.inspect(broker, { depth: Infinity, showHidden: true }),
        JSON.stringify(broker),
      ])
        expect(text).not.toContain(credential.clientSecret);
    } finally {
      await broker.close();
    }
  });

  it.each([
    ['a string', 'DefaultAzureCredential'],
    ['null', null],
    ['an object without getToken', { token: 'x' }],
    ['getToken that is not a function', { getToken: 'x' }],
    ['a class instead of an instance', class DefaultAzureCredential {}],
    [
      'an object whose getToken getter throws',
      Object.defineProperty({}, 'getToken', {
        get() {
          throw new Error('client-secret-that-must-not-leak');
        },
      }),
    ],
  ])('a bad credential (%s) is a ConfigError naming credential', (_what, bad) => {
    let thrown: unknown;
    try {
      parseEventHubsConfig(
        undefined,
        { fullyQualifiedNamespace: 'ns.servicebus.windows.net', credential: bad },
        noEnv,
      );
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).message).toMatch(/credential.*TokenCredential.*getToken/);
    expect(util.inspect(thrown, { depth: Infinity })).not.toContain('client-secret-that-must-not-leak');
  });

  it('refuses a credential together with a connection string, and a credential for the emulator', () => {
    expect(() => parseEventHubsConfig(undefined, { connectionString: CS, credential }, noEnv)).toThrow(
      /either connectionString or credential/,
    );
    const emulator = () => parseEventHubsConfig(url('eventhubs://127.0.0.1:5672/h'), { credential }, noEnv);
    expect(emulator).toThrow(ConfigError);
    expect(emulator).toThrow(/emulator/);
  });

  it('refuses a fullyQualifiedNamespace that is not a host name', () => {
    for (const bad of ['sb://ns.servicebus.windows.net/', 'ns/x', 'ns.servicebus.windows.net;Key=1', 42]) {
      expect(() =>
        parseEventHubsConfig(undefined, { fullyQualifiedNamespace: bad, credential }, noEnv),
      ).toThrow(/fullyQualifiedNamespace/);
    }
    expect(() => parseEventHubsConfig(undefined, { credential }, noEnv)).toThrow(/fullyQualifiedNamespace/);
  });
});

test('autoCreateTopics is refused with the reason: EventPort never creates hubs', () => {
  expect(() =>
    parseEventHubsConfig(url('eventhubs://127.0.0.1/h'), { autoCreateTopics: 'false' }, noEnv),
  ).toThrow(/never creates hubs/);
});
