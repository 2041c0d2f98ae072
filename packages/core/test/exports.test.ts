import * as core from '@eventport/core';
import * as driver from '@eventport/core/driver';

describe('package entry points', () => {
  it('the public entry exposes the API', () => {
    for (const name of [
      'connect',
      'Broker',
      'Producer',
      'Consumer',
      'Subscription',
      'createEvent',
      'CapabilityReport',
      'EventPortError',
      'InvalidEventError',
      'UnsupportedGuaranteeError',
      'FileIdempotencyStore',
      'MemoryIdempotencyStore',
      'backoffDelay',
      'isValidTraceparent',
      'toBinary',
      'fromPlainMessage',
      'redactSecrets',
      'registerDriver',
      'consoleLogger',
    ]) {
      expect(core).toHaveProperty(name);
    }
    expect(core.GUARANTEE_NAMES).toContain('order.per-key');
    // internals of the portable layer are not part of the public surface
    for (const internal of [
      'KeyedScheduler',
      'CommitTracker',
      'ConsumerEngine',
      'Settler',
      'TrackedDelivery',
    ])
      expect(core).not.toHaveProperty(internal);
    expect(core.adapterPackageFor('kafka')).toBe('@eventport/kafka');
  });

  it('the driver entry exposes what adapters need', () => {
    const e = driver.createEvent({ type: 't', source: 's', data: { a: 1 }, extensions: { region: 'eu' } });
    const wire = driver.toBinary(e, 'ce_');
    expect(driver.fromBinary(wire, 'ce_')!.data).toEqual({ a: 1 });
    expect(driver.isStructured(driver.toStructured(e).headers)).toBe(true);
    expect(driver.fromStructured(driver.toStructured(e).body!).id).toBe(e.id);
    expect(driver.STRUCTURED_CONTENT_TYPE).toBe('application/cloudevents+json');
    expect(driver.decodeData(driver.encodeData(e).bytes, 'application/json')).toEqual({ a: 1 });
    expect(driver.eventSize(e)).toBeGreaterThan(0);
    expect(driver.isJson('application/json')).toBe(true);
    expect(driver.fromPlainMessage({ body: undefined, id: '1', source: 's' }).type).toBe('eventport.plain');
    expect(driver.redactObject({ password: 'x' })).toEqual({ password: '***' });
    expect(driver.redactSecrets('token=abc')).toBe('token=***');
    const dl = driver.withDeadLetterInfo(e, 'why', 2);
    expect(dl.extensions[driver.DEAD_LETTER_REASON]).toBe('why');
    expect(dl.extensions[driver.DEAD_LETTER_ATTEMPTS]).toBe(2);
    expect(new driver.TopicNotFoundError('t')).toBeInstanceOf(core.EventPortError);
    expect(typeof driver.registerDriver).toBe('function');
    expect(typeof driver.CapabilityReport).toBe('function');
  });
});
