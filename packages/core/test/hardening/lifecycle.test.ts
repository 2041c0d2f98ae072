/**
 * Lifecycle under careless use (issue: hardening). A subscription started during or after
 * `broker.close()` fails with ClosedError; a receive loop never spins on a receiver that returns
 * nothing without waiting; `broker.close()` leaves no timer or socket behind.
 */
import { connect } from '../../src/api/connect.js';
import { ClosedError, ConfigError } from '../../src/errors/errors.js';
import type { Driver, DriverReceiver } from '../../src/driver/types.js';
import '@eventport/memory';
import { liveHandles, RecordingLogger, uniqueName } from '../helpers/fakes.js';

describe('lifecycle', () => {
  it('a subscribe pending while the broker closes rejects with ClosedError and stops', async () => {
    const broker = await connect(`memory://${uniqueName('lc')}`, { logger: new RecordingLogger() });
    const pending = broker.consumer('t').subscribe(() => undefined);
    await broker.close();
    await expect(pending).rejects.toBeInstanceOf(ClosedError);
  });

  it('consumer() after close fails with ClosedError', async () => {
    const broker = await connect(`memory://${uniqueName('lc')}`, { logger: new RecordingLogger() });
    await broker.close();
    expect(() => broker.consumer('t')).toThrow(ClosedError);
    expect(() => broker.producer('t')).toThrow(ClosedError);
  });

  it('a consumer created before close but subscribed after it rejects with ClosedError', async () => {
    const broker = await connect(`memory://${uniqueName('lc')}`, { logger: new RecordingLogger() });
    const consumer = broker.consumer('t');
    await broker.close();
    await expect(consumer.subscribe(() => undefined)).rejects.toBeInstanceOf(ClosedError);
  });

  it('a wrong-typed signal is a ConfigError at creation, before anything starts', async () => {
    const broker = await connect(`memory://${uniqueName('lc')}`, { logger: new RecordingLogger() });
    try {
      expect(() => broker.consumer('t', { signal: 42 as unknown as AbortSignal })).toThrow(ConfigError);
    } finally {
      await broker.close();
    }
  });

  it('the engine backs off from a receiver that returns nothing without waiting', async () => {
    let calls = 0;
    const spinning = (d: Driver): Driver =>
      new Proxy(d, {
        get(target, prop, recv) {
          if (prop !== 'openReceiver') return Reflect.get(target, prop, recv) as unknown;
          return async (...args: Parameters<Driver['openReceiver']>): Promise<DriverReceiver> => {
            const real = await target.openReceiver(...args);
            return new Proxy(real, {
              get(r, p, rr) {
                if (p === 'receive')
                  return () => {
                    calls++;
                    return Promise.resolve([]);
                  };
                return Reflect.get(r, p, rr) as unknown;
              },
            });
          };
        },
      });
    const logger = new RecordingLogger();
    const broker = await connect(`memory://${uniqueName('lc')}`, { logger, wrapDriver: spinning });
    const sub = await broker.consumer('t').subscribe(() => undefined);
    // A timer must still fire while the pump runs: the loop yields to the event loop.
    await new Promise((r) => setTimeout(r, 300));
    await sub.close();
    await broker.close();
    expect(calls).toBeGreaterThan(0);
    expect(calls).toBeLessThan(50); // a spinning loop makes hundreds of thousands of calls in 300 ms
  });

  it('broker.close() leaves no timer or socket behind', async () => {
    const before = liveHandles();
    const broker = await connect(`memory://${uniqueName('lc')}`, { logger: new RecordingLogger() });
    const p = broker.producer('t');
    const sub = await broker.consumer('t', { from: 'earliest' }).subscribe(() => undefined);
    await p.send({ type: 't', source: '/s', data: 1 });
    void sub;
    await broker.close();
    expect(liveHandles()).toBeLessThanOrEqual(before);
  });
});
