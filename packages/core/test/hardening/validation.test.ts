/**
 * Careless and hostile input to the public API: every failure is an EventPortError with a code,
 * values follow the CloudEvents 1.0 spec, and unknown options are refused with a suggestion.
 */
import { connect } from '../../src/api/connect.js';
import type { Broker } from '../../src/api/broker.js';
import { ConfigError, EventPortError, InvalidEventError } from '../../src/errors/errors.js';
import { createEvent } from '../../src/event/create-event.js';
import type { EventInput } from '../../src/event/types.js';
import '@eventport/memory';
import { RecordingLogger, uniqueName } from '../helpers/fakes.js';

const base = { type: 't', source: '/s' };

function invalid(input: unknown, field: string): void {
  let thrown: unknown;
  try {
    createEvent(input as EventInput);
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(InvalidEventError);
  expect((thrown as InvalidEventError).field).toBe(field);
}

describe('events follow CloudEvents 1.0', () => {
  it.each([
    ['2024-01-01T00:00:00', 'no offset'],
    ['2024-01-01', 'date only'],
    ['2024-13-01T00:00:00Z', 'month 13'],
    ['2024-01-01T25:00:00Z', 'hour 25'],
  ])('time %s (%s) is refused', (time) => invalid({ ...base, time }, 'time'));

  it.each(['2024-01-01T00:00:00Z', '2024-01-01T00:00:00.123+02:00', '2024-01-01t00:00:00z'])(
    'time %s is accepted',
    (time) => expect(createEvent({ ...base, time }).time).toBe(time),
  );

  it('extensions must be a plain object, not an array', () =>
    invalid({ ...base, extensions: ['x'] }, 'extensions'));
  it('source must be a URI-reference', () => invalid({ ...base, source: 'not a uri ü' }, 'source'));
  it('source with a bad percent escape is refused', () => invalid({ ...base, source: '/a%zz' }, 'source'));
  it.each(['/shop', 'https://example.com/x', 'urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66', 'shop'])(
    'source %s is accepted',
    (source) => expect(createEvent({ ...base, source }).source).toBe(source),
  );
  it('dataschema must be an absolute URI', () => invalid({ ...base, dataschema: 'not a uri' }, 'dataschema'));
  it('relative dataschema is refused', () => invalid({ ...base, dataschema: '/schemas/x' }, 'dataschema'));
  it('an empty subject is refused', () => invalid({ ...base, subject: '' }, 'subject'));

  it('a throwing data getter is an InvalidEventError', () => {
    const data = {
      get boom(): never {
        throw new Error('getter');
      },
    };
    expect(() => createEvent({ ...base, data })).toThrow(InvalidEventError);
  });

  it('a throwing input getter is an InvalidEventError', () => {
    const input = {
      source: '/s',
      get type(): string {
        throw new Error('getter');
      },
    };
    expect(() => createEvent(input)).toThrow(InvalidEventError);
  });

  it('a Proxy whose traps throw is an InvalidEventError', () => {
    const trap = new Proxy(
      {},
      {
        get() {
          throw new Error('trap');
        },
        ownKeys() {
          throw new Error('trap');
        },
      },
    );
    expect(() => createEvent(trap as EventInput)).toThrow(InvalidEventError);
    expect(() => createEvent({ ...base, data: trap })).toThrow(InvalidEventError);
  });

  it('data nested 20,000 levels deep is an InvalidEventError, not a RangeError', () => {
    let data: unknown = 1;
    for (let i = 0; i < 20_000; i++) data = { a: data };
    invalid({ ...base, data }, 'data');
  });
});

describe('options', () => {
  let broker: Broker;
  beforeAll(async () => {
    broker = await connect(`memory://${uniqueName('val')}`, { logger: new RecordingLogger() });
  });
  afterAll(() => broker.close());

  function configError(fn: () => unknown, option: string, message?: RegExp): void {
    let thrown: unknown;
    try {
      fn();
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).option).toBe(option);
    if (message) expect((thrown as Error).message).toMatch(message);
  }

  it('a misspelled consumer option is refused with the nearest name', () =>
    configError(
      () => broker.consumer('t', { concurency: 4 } as never),
      'consumer.concurency',
      /did you mean "concurrency"/,
    ));
  it('a misspelled producer option is refused', () =>
    configError(
      () => broker.producer('t', { delivry: 'at-most-once' } as never),
      'producer.delivry',
      /"delivery"/,
    ));
  it('a misspelled batch option is refused', () =>
    configError(
      () => broker.producer('t', { batch: { maxEvent: 1 } } as never),
      'batch.maxEvent',
      /"maxEvents"/,
    ));
  it('a misspelled retry option is refused', () =>
    configError(
      () => broker.consumer('t', { retry: { attempt: 1 } } as never),
      'retry.attempt',
      /"attempts"/,
    ));
  it('require as a string is refused, not split into characters', () =>
    configError(() => broker.consumer('t', { require: 'order.per-key' } as never), 'require'));
  it('require: 42 is a ConfigError', () =>
    configError(() => broker.producer('t', { require: 42 } as never), 'require'));
  it('logger: 42 is a ConfigError', () =>
    configError(() => broker.consumer('t', { logger: 42 } as never), 'logger'));
  it('idempotencyStore: 42 is a ConfigError', () =>
    configError(() => broker.consumer('t', { idempotencyStore: 42 } as never), 'idempotencyStore'));

  it('send(e, { delayMs: "10" }) is a ConfigError and sends nothing', async () => {
    const p = broker.producer('t');
    await expect(p.send(base, { delayMs: '10' } as never)).rejects.toBeInstanceOf(ConfigError);
    await expect(p.send(base, { dealyMs: 10 } as never)).rejects.toThrow(/did you mean "delayMs"/);
  });

  it.each([
    [{ logger: 42 }, 'logger'],
    [{ idempotencyStore: 42 }, 'idempotencyStore'],
    [{ wrapDriver: 42 }, 'wrapDriver'],
    [{ tracing: 'yes' }, 'tracing'],
    [{ loger: console }, 'connect.loger'],
  ])('connect extras %p are checked', async (extras, option) => {
    const err = await connect('memory://', extras as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).option).toBe(option);
  });

  it('a wrapDriver that throws is an EventPortError', async () => {
    const err = await connect(`memory://${uniqueName('w')}`, {
      wrapDriver: () => {
        throw new Error('nope');
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EventPortError);
  });

  it('subscribe(42) is a ConfigError', async () => {
    await expect(broker.consumer('t').subscribe(42 as never)).rejects.toBeInstanceOf(ConfigError);
  });
});
