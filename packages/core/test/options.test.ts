import { Broker } from '../src/api/broker.js';
import { resolveConsumerOptions, resolveProducerOptions } from '../src/api/options.js';
import { ClosedError, ConfigError, UnsupportedGuaranteeError } from '../src/errors/errors.js';
import { NOOP_TRACING } from '../src/tracing/otel.js';
import { FakeDriver, RecordingLogger, fakeCapabilities } from './helpers/fakes.js';

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected ConfigError');
}

describe('producer options', () => {
  it('has documented defaults', () => {
    const o = resolveProducerOptions('orders');
    expect(o).toMatchObject({
      delivery: 'at-least-once',
      maxEvents: 500,
      maxBytes: 1024 * 1024,
      lingerMs: 0,
    });
    expect(o.required).toEqual(['publish.at-least-once']);
    expect(o.retry).toMatchObject({
      attempts: 8,
      backoff: 'exponential',
      initialDelayMs: 100,
      maxDelayMs: 5000,
    });
    expect(resolveProducerOptions('t', { delivery: 'at-most-once' }).retry.attempts).toBe(1);
    expect(resolveProducerOptions('t', { delivery: 'exactly-once', require: ['nack'] }).required).toEqual([
      'nack',
      'publish.idempotent',
    ]);
  });

  it.each([
    ['topic', () => resolveProducerOptions('')],
    ['topic', () => resolveProducerOptions(5 as never)],
    ['topic', () => resolveProducerOptions('a'.repeat(250))],
    ['topic', () => resolveProducerOptions('has space')],
    ['delivery', () => resolveProducerOptions('t', { delivery: 'twice' as never })],
    ['batch.maxEvents', () => resolveProducerOptions('t', { batch: { maxEvents: 0 } })],
    ['batch.maxEvents', () => resolveProducerOptions('t', { batch: { maxEvents: 1.5 } })],
    ['batch.maxBytes', () => resolveProducerOptions('t', { batch: { maxBytes: -1 } })],
    ['batch.lingerMs', () => resolveProducerOptions('t', { batch: { lingerMs: -1 } })],
    ['batch.lingerMs', () => resolveProducerOptions('t', { batch: { lingerMs: NaN } })],
    ['retry.attempts', () => resolveProducerOptions('t', { retry: { attempts: 0 } })],
    ['retry.backoff', () => resolveProducerOptions('t', { retry: { backoff: 'linear' as never } })],
    ['retry.initialDelayMs', () => resolveProducerOptions('t', { retry: { initialDelayMs: -5 } })],
    ['retry.maxDelayMs', () => resolveProducerOptions('t', { retry: { maxDelayMs: 'x' as never } })],
    ['retry.jitter', () => resolveProducerOptions('t', { retry: { jitter: 2 } })],
  ])('bad %s → ConfigError naming it', (option, fn) => {
    expect(configError(fn).option).toBe(option);
  });
});

describe('consumer options', () => {
  it('has documented defaults', () => {
    const o = resolveConsumerOptions('orders');
    expect(o).toMatchObject({
      group: 'default',
      delivery: 'at-least-once',
      concurrency: 16,
      ordering: 'per-key',
      maxInFlight: 64,
      deadLetter: 'orders.dlq',
      from: 'latest',
      leaseMs: 30_000,
      idempotencyTtlMs: 24 * 3600_000,
    });
    expect(o.required).toEqual(['consume.at-least-once']);
    expect(o.retry).toMatchObject({ attempts: 5, initialDelayMs: 100 });
    expect(resolveConsumerOptions('t', { concurrency: 32 }).maxInFlight).toBe(128);
    expect(resolveConsumerOptions('t', { deadLetter: false }).deadLetter).toBe(false);
    expect(resolveConsumerOptions('t', { from: { offset: 3 } }).from).toEqual({ offset: 3 });
    const at = new Date();
    expect(resolveConsumerOptions('t', { from: { time: at } }).from).toEqual({ time: at });
    expect(Object.isFrozen(o)).toBe(true);
  });

  it.each([
    ['topic', () => resolveConsumerOptions('bad/topic')],
    ['delivery', () => resolveConsumerOptions('t', { delivery: 'maybe' as never })],
    ['ordering', () => resolveConsumerOptions('t', { ordering: 'global' as never })],
    ['concurrency', () => resolveConsumerOptions('t', { concurrency: 0 })],
    ['group', () => resolveConsumerOptions('t', { group: '' })],
    ['deadLetter', () => resolveConsumerOptions('t', { deadLetter: 'bad dlq' })],
    ['maxInFlight', () => resolveConsumerOptions('t', { maxInFlight: -1 })],
    ['from', () => resolveConsumerOptions('t', { from: 'beginning' as never })],
    ['from', () => resolveConsumerOptions('t', { from: { offset: -1 } })],
    ['from', () => resolveConsumerOptions('t', { from: { time: new Date('x') } })],
    ['leaseMs', () => resolveConsumerOptions('t', { leaseMs: 0 })],
    ['idempotencyTtlMs', () => resolveConsumerOptions('t', { idempotencyTtlMs: 1.5 })],
    ['retry.attempts', () => resolveConsumerOptions('t', { retry: { attempts: -1 } })],
  ])('bad %s → ConfigError naming it', (option, fn) => {
    expect(configError(fn).option).toBe(option);
  });
});

describe('negotiation at producer()/consumer() creation', () => {
  const limited = () =>
    new FakeDriver({
      capabilities: fakeCapabilities(
        {
          'publish.idempotent': { level: 'unsupported', detail: 'standard queues cannot deduplicate' },
          'order.per-key': { level: 'unsupported', detail: 'standard queues do not order' },
          'consume.exactly-once': { level: 'unsupported', detail: 'no idempotent consumer here' },
          replay: { level: 'emulated', detail: 'EventPort re-reads' },
        },
        'fake',
        'standard',
      ),
    });

  function unsupported(fn: () => unknown): UnsupportedGuaranteeError {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(UnsupportedGuaranteeError);
      return err as UnsupportedGuaranteeError;
    }
    throw new Error('expected UnsupportedGuaranteeError');
  }

  it('consumer require: [...] names every missing guarantee and why', () => {
    const driver = limited();
    const broker = new Broker(driver, NOOP_TRACING, { logger: new RecordingLogger() });
    const err = unsupported(() =>
      broker.consumer('orders', { require: ['order.per-key', 'replay', 'bogus.word'] }),
    );
    expect(err.code).toBe('UNSUPPORTED_GUARANTEE');
    expect(err.broker).toBe('fake (standard)');
    expect(err.missing).toEqual([
      { guarantee: 'order.per-key', why: 'standard queues do not order' },
      { guarantee: 'bogus.word', why: expect.stringContaining('unknown guarantee') },
    ]);
    expect(err.message).toContain('order.per-key (standard queues do not order)');
    // nothing was opened
    expect(driver.receiverOptions).toHaveLength(0);
  });

  it('consumer delivery exactly-once requires consume.exactly-once', () => {
    const broker = new Broker(limited(), NOOP_TRACING, { logger: new RecordingLogger() });
    const err = unsupported(() => broker.consumer('orders', { delivery: 'exactly-once' }));
    expect(err.missing).toEqual([{ guarantee: 'consume.exactly-once', why: 'no idempotent consumer here' }]);
  });

  it("producer delivery 'exactly-once' requires publish.idempotent", () => {
    const driver = limited();
    const broker = new Broker(driver, NOOP_TRACING, { logger: new RecordingLogger() });
    const err = unsupported(() => broker.producer('orders', { delivery: 'exactly-once' }));
    expect(err.missing).toEqual([
      { guarantee: 'publish.idempotent', why: 'standard queues cannot deduplicate' },
    ]);
    expect(driver.senderOptions).toHaveLength(0);
    const err2 = unsupported(() => broker.producer('orders', { require: ['nope'] }));
    expect(err2.missing[0]!.guarantee).toBe('nope');
    // what is supported opens fine
    expect(() => broker.producer('orders', { require: ['replay', 'batch.publish'] })).not.toThrow();
  });

  it('an idempotent producer asks the driver for idempotent sends', async () => {
    const driver = new FakeDriver();
    const broker = new Broker(driver, NOOP_TRACING, { logger: new RecordingLogger() });
    broker.producer('a', { delivery: 'exactly-once' });
    broker.producer('b');
    expect(driver.senderOptions).toEqual([
      { topic: 'a', options: { idempotent: true } },
      { topic: 'b', options: { idempotent: false } },
    ]);
    await broker.close();
  });

  it('bad options are ConfigErrors at creation', () => {
    const broker = new Broker(new FakeDriver(), NOOP_TRACING, { logger: new RecordingLogger() });
    expect(configError(() => broker.consumer('t', { concurrency: -2 })).option).toBe('concurrency');
    expect(configError(() => broker.producer('t', { batch: { maxEvents: 0 } })).option).toBe(
      'batch.maxEvents',
    );
  });

  it('a closed broker refuses new producers and consumers; close is idempotent', async () => {
    const driver = new FakeDriver();
    const broker = new Broker(driver, NOOP_TRACING);
    await broker.close();
    await broker.close();
    expect(driver.closed).toBe(true);
    expect(() => broker.producer('t')).toThrow(ClosedError);
    expect(() => broker.consumer('t')).toThrow(ClosedError);
    await expect(broker.createTopic('t')).rejects.toThrow(ClosedError);
  });

  it('topic administration goes to the driver when it has it', async () => {
    const driver = new FakeDriver();
    const broker = new Broker(driver, NOOP_TRACING);
    await expect(broker.createTopic('t')).rejects.toThrow(/fake does not support topic administration/);
    await broker.deleteTopic('t'); // optional: a no-op
    const created: string[] = [];
    driver.createTopic = (t: string) => {
      created.push(t);
      return Promise.resolve();
    };
    await broker.createTopic('t2', { partitions: 2 });
    expect(created).toEqual(['t2']);
  });
});
