import {
  BrokerUnavailableError,
  ClosedError,
  ConfigError,
  EventPortError,
  EventTooLargeError,
  InvalidEventError,
  TopicNotFoundError,
  UnknownSchemeError,
  UnsupportedGuaranteeError,
  isEventPortError,
  isRetryable,
} from '../src/errors/errors.js';
import { redactObject, redactSecrets } from '../src/errors/redact.js';
import { consoleLogger, silentLogger } from '../src/logging/logger.js';

describe('EventPortError', () => {
  it('carries a portable code, a retryable flag and the native cause', () => {
    const cause = new Error('ECONNREFUSED');
    const err = new BrokerUnavailableError('cannot reach broker', { cause });
    expect(err).toBeInstanceOf(EventPortError);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('BrokerUnavailableError');
    expect(err.code).toBe('BROKER_UNAVAILABLE');
    expect(err.retryable).toBe(true);
    expect(err.cause).toBe(cause);
    expect(String(err)).toBe(
      'BrokerUnavailableError [BROKER_UNAVAILABLE, retryable]: cannot reach broker (cause: ECONNREFUSED)',
    );
    expect(err.toJSON()).toEqual({
      name: 'BrokerUnavailableError',
      code: 'BROKER_UNAVAILABLE',
      retryable: true,
      message: 'cannot reach broker',
    });
    expect(new BrokerUnavailableError('x', { retryable: false }).retryable).toBe(false);
  });

  it('subclasses expose their details', () => {
    const tooBig = new EventTooLargeError(2000, 1000, 'id-1');
    expect([tooBig.code, tooBig.size, tooBig.maxSize, tooBig.eventId]).toEqual([
      'EVENT_TOO_LARGE',
      2000,
      1000,
      'id-1',
    ]);
    expect(tooBig.retryable).toBe(false);
    expect(new InvalidEventError('type', 'is required').message).toBe('invalid event: type: is required');
    expect(new ConfigError('url', 'bad').option).toBe('url');
    expect(new TopicNotFoundError('orders').topic).toBe('orders');
    expect(new ClosedError('producer').code).toBe('CLOSED');
    const u = new UnknownSchemeError('nats', [], 'pkg');
    expect(u.message).toContain('installed: none');
    const g = new UnsupportedGuaranteeError('sqs (standard)', [
      { guarantee: 'order.per-key', why: 'standard queues do not order' },
      { guarantee: 'replay', why: 'messages are deleted on ack' },
    ]);
    expect(g.message).toBe(
      'sqs (standard) cannot guarantee order.per-key (standard queues do not order); replay (messages are deleted on ack)',
    );
    expect(g.missing.map((m) => m.guarantee)).toEqual(['order.per-key', 'replay']);
    expect(String(new ClosedError('x'))).toBe('ClosedError [CLOSED]: x is closed');
  });

  it('isEventPortError / isRetryable', () => {
    expect(isEventPortError(new ClosedError('x'))).toBe(true);
    expect(isEventPortError(new Error('x'))).toBe(false);
    expect(isRetryable(new BrokerUnavailableError('x'))).toBe(true);
    expect(isRetryable(new ClosedError('x'))).toBe(false);
    expect(isRetryable(new Error('x'))).toBe(false);
    expect(isRetryable('string')).toBe(false);
  });
});

describe('secret redaction', () => {
  it.each([
    ['URL password', 'kafka://alice:s3cr3t@broker:9092/x', 's3cr3t'],
    ['amqps password', 'failed to connect to amqps://user:p%40ss@host', 'p%40ss'],
    [
      'SharedAccessKey',
      'Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=root;SharedAccessKey=abcDEF123+/=;EntityPath=hub',
      'abcDEF123+/=',
    ],
    [
      'AccountKey',
      'DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=Zm9vYmFy==;EndpointSuffix=core.windows.net',
      'Zm9vYmFy==',
    ],
    ['token query param', 'https://example.com/path?token=tok_123&x=1', 'tok_123'],
    ['password query param', 'memory://x?password=hunter2', 'hunter2'],
    ['password colon', 'password: hunter2', 'hunter2'],
    ['JSON pair', '{"clientSecret":"x","secret": "abc def"}', 'abc def'],
    ['api key', 'apiKey=AKIA1234', 'AKIA1234'],
    ['AWS secret access key', 'AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI', 'wJalrXUtnFEMI'],
    ['sas signature', 'https://x.blob.core.windows.net/c?sv=2020&sig=abcd%2Bef', 'abcd%2Bef'],
    ['bearer', 'Authorization: Bearer eyJhbGciOi.J9.x', 'eyJhbGciOi.J9.x'],
    ['SharedAccessSignature', 'SharedAccessSignature sr=x&sig=y&se=1', 'sr=x'],
  ])('%s', (_name, text, secret) => {
    const out = redactSecrets(text);
    expect(out).not.toContain(secret);
    expect(out).toContain('***');
    expect(redactSecrets(out)).toBe(out); // idempotent
  });

  it('leaves ordinary text alone', () => {
    const text = 'kafka://broker:9092 topic orders designation=x keyName=y';
    expect(redactSecrets(text)).toBe(text);
  });

  it('keeps secrets out of error messages, stack and toString (including the cause)', () => {
    const cause = new Error('auth failed for amqps://bob:topsecret@host (SharedAccessKey=KEY123)');
    const err = new ConfigError('url', 'cannot use kafka://alice:pw123@h:9092?token=tok9', { cause });
    for (const text of [err.message, err.stack ?? '', String(err), JSON.stringify(err)]) {
      expect(text).not.toMatch(/pw123|tok9|topsecret|KEY123/);
    }
    expect(String(err)).toContain('(cause: auth failed for amqps://bob:***@host');
  });

  it('redactObject masks the option names adapters take secrets under, whole values included', () => {
    const out = redactObject({
      kind: 'eventgrid',
      key: 'SUPERSECRETKEY',
      keyName: 'root',
      pushSecret: 'push-s3cret',
      connectionString: 'Endpoint=sb://h/;SharedAccessKeyName=r;SharedAccessKey=CS-KEY',
      clientSecret: 'cl-s3cret',
      credentials: { client_email: 'a@b', private_key: 'PRIVKEY' },
      nested: { privateKey: 'PK2', apiToken: 'TOK3' },
    });
    expect(JSON.stringify(out)).not.toMatch(/SUPERSECRETKEY|push-s3cret|CS-KEY|cl-s3cret|PRIVKEY|PK2|TOK3/);
    expect(out).toMatchObject({ kind: 'eventgrid', keyName: 'root', credentials: '***' });
  });

  it('redactObject keeps errors as errors, with message and stack redacted', () => {
    const raw = new Error('connect to amqps://u:pw777@h failed');
    (raw as Error & { code?: string }).code = 'ECONNREFUSED';
    const out = redactObject({ error: raw });
    expect(out.error).toBeInstanceOf(Error);
    expect(out.error).toMatchObject({ name: 'Error', code: 'ECONNREFUSED' });
    expect(`${out.error.message} ${out.error.stack ?? ''}`).not.toContain('pw777');
  });

  it('JSON pairs under private_key / privateKey are redacted in text', () => {
    const text = '{"client_email":"a","private_key":"-----BEGIN PRIVATE KEY-----abc"}';
    expect(redactSecrets(text)).not.toContain('BEGIN PRIVATE KEY');
  });

  it('redactObject masks secret-looking fields, recursively', () => {
    const out = redactObject({
      kind: 'kafka',
      password: 'p',
      sasl: { mechanism: 'plain', username: 'u', password: 'p2', 'api-key': 'k' },
      brokers: ['h:1', 'user:pw@h2'],
      url: 'kafka://u:pw9@h',
      SharedAccessKey: 'sak',
      n: 5,
      nothing: null,
    });
    expect(out).toEqual({
      kind: 'kafka',
      password: '***',
      sasl: { mechanism: 'plain', username: 'u', password: '***', 'api-key': '***' },
      brokers: ['h:1', 'user:pw@h2'],
      url: 'kafka://u:***@h',
      SharedAccessKey: '***',
      n: 5,
      nothing: null,
    });
  });
});

describe('logger', () => {
  let writes: string[];
  let spy: jest.SpyInstance;
  beforeEach(() => {
    writes = [];
    spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
  });
  afterEach(() => spy.mockRestore());

  it('writes at or above its level, redacting messages, fields and errors', () => {
    const log = consoleLogger('info');
    log.debug('hidden');
    log.info('connecting to kafka://u:pw1@h', {
      password: 'pw2',
      nested: { token: 'pw3' },
      url: 'x?token=pw4',
    });
    log.warn('failed', { error: new Error('SharedAccessKey=pw5') });
    log.error('plain');
    expect(writes).toHaveLength(3);
    expect(writes.join('')).not.toMatch(/pw[1-5]/);
    expect(writes[0]).toMatch(/^\[eventport\] info connecting to kafka:\/\/u:\*\*\*@h \{/);
    expect(writes[1]).toContain('SharedAccessKey=***');
    expect(writes[2]).toBe('[eventport] error plain\n');
  });

  it('survives unprintable fields', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    consoleLogger('debug').debug('x', { big: 1n } as Record<string, unknown>);
    expect(writes[0]).toBe('[eventport] debug x [unprintable]\n');
  });

  it('silent logs nothing; the default level comes from EVENTPORT_LOG_LEVEL', () => {
    silentLogger.error('nope');
    const saved = process.env.EVENTPORT_LOG_LEVEL;
    try {
      process.env.EVENTPORT_LOG_LEVEL = 'error';
      consoleLogger().warn('not shown');
      process.env.EVENTPORT_LOG_LEVEL = 'bogus';
      consoleLogger().warn('shown at default warn');
      consoleLogger().info('not shown at default warn');
    } finally {
      if (saved === undefined) delete process.env.EVENTPORT_LOG_LEVEL;
      else process.env.EVENTPORT_LOG_LEVEL = saved;
    }
    expect(writes).toEqual(['[eventport] warn shown at default warn\n']);
  });
});
