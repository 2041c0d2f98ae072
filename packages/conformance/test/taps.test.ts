import type { Driver, DriverReceiver, DriverSender, ReceivedMessage } from '@eventport/core/driver';
import { tapDriver } from '@eventport/conformance';

function fakeDriver(calls: string[]): Driver {
  const receiver = {
    settlement: 'offset' as const,
    receive: async () => [{ event: {}, deliveryCount: 1, handle: 1 } as unknown as ReceivedMessage],
    ack: async () => void calls.push('ack'),
    commit: async (p: string, n: number) => void calls.push(`commit ${p}@${n}`),
    stage: async () => (calls.push('stage'), true),
    close: async () => void calls.push('close'),
  };
  const sender: DriverSender = {
    send: async (b) => (calls.push(`send ${b.length}`), b.map(() => ({ ok: true as const, receipt: {} }))),
    close: async () => undefined,
  };
  return {
    name: 'fake',
    capabilities: undefined as never,
    describe: () => 'fake://',
    openSender: async () => sender,
    openReceiver: async () => receiver as DriverReceiver,
    raw: () => 'native',
    close: async () => undefined,
  };
}

it('taps what it is asked to, forwards everything else (optional SPI methods included)', async () => {
  const calls: string[] = [];
  const seen: number[] = [];
  const wrapped = tapDriver({
    send: async (batch, send) => (calls.push('before send'), send()),
    received: (m) => void seen.push(m.length),
    ack: async () => void calls.push('ack lost'),
    commit: async (_p, _n, commit) => (calls.push('commit seen'), commit()),
  })(fakeDriver(calls));
  expect(wrapped.raw()).toBe('native');
  expect(wrapped.describe()).toBe('fake://');
  const s = await wrapped.openSender('t', { idempotent: false });
  await s.send([{ event: {} as never }]);
  const r = (await wrapped.openReceiver('t', {
    group: 'g',
    from: 'latest',
    leaseMs: 1,
    orderedByKey: false,
  })) as DriverReceiver & { stage?: () => Promise<boolean> };
  expect(r.settlement).toBe('offset');
  await r.receive(10, new AbortController().signal);
  await r.ack([]);
  await r.commit!('0', 5);
  expect(r.nack).toBeUndefined();
  expect('stage' in r).toBe(true);
  expect(await r.stage!()).toBe(true);
  await r.close();
  expect(seen).toEqual([1]);
  expect(calls).toEqual(['before send', 'send 1', 'ack lost', 'commit seen', 'commit 0@5', 'stage', 'close']);
});

it('taps lease extensions where the driver has them, and leaves the method absent where it has none', async () => {
  const calls: string[] = [];
  const tap = tapDriver({
    extendLease: async (_m, ms, extend) => (calls.push(`tap ${ms}`), extend()),
  });
  const plain = await tap(fakeDriver(calls)).openReceiver('t', {
    group: 'g',
    from: 'latest',
    leaseMs: 1,
    orderedByKey: false,
  });
  expect(plain.extendLease).toBeUndefined();
  const withLeases = fakeDriver(calls);
  const base = await withLeases.openReceiver('t', {
    group: 'g',
    from: 'latest',
    leaseMs: 1,
    orderedByKey: false,
  });
  withLeases.openReceiver = async () =>
    Object.assign(base, {
      extendLease: async (_m: ReceivedMessage, ms: number) => void calls.push(`extend ${ms}`),
    });
  const r = await tap(withLeases).openReceiver('t', {
    group: 'g',
    from: 'latest',
    leaseMs: 1,
    orderedByKey: false,
  });
  await r.extendLease!({} as ReceivedMessage, 500);
  expect(calls).toEqual(['tap 500', 'extend 500']);
});
