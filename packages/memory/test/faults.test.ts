/**
 * Fault injection: each fault breaks exactly what it says, on its own connection,
 * so the conformance suite can prove that it notices a broken broker.
 */
import { randomUUID } from 'node:crypto';
import type { DriverReceiver, ReceivedMessage, ReceiverOptions } from '@eventport/core/driver';
import { createEvent } from './helpers.js';
import { EveryNth, FAULT_NAMES } from '../src/faults.js';
import { MemoryBroker, MemoryDriver, memoryDriverFactory } from '../src/index.js';

const names: string[] = [];
const drivers: MemoryDriver[] = [];

function driver(name: string, query = ''): MemoryDriver {
  if (!names.includes(name)) names.push(name);
  const url = new URL(`memory://${name}${query}`);
  const d = memoryDriverFactory.create(url, Object.fromEntries(url.searchParams)) as MemoryDriver;
  drivers.push(d);
  return d;
}

const fresh = () => `f-${randomUUID().slice(0, 8)}`;
const ev = (id: string, key?: string) => createEvent({ id, key, type: 't', source: '/s' });
const rx = (o: Partial<ReceiverOptions> = {}): ReceiverOptions => ({
  group: 'g',
  from: 'earliest',
  leaseMs: 30_000,
  orderedByKey: true,
  ...o,
});

async function receiveFor(r: DriverReceiver, ms: number, max = 100): Promise<ReceivedMessage[]> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), ms);
  const out: ReceivedMessage[] = [];
  try {
    while (!ac.signal.aborted) out.push(...(await r.receive(max, ac.signal)));
  } finally {
    clearTimeout(timer);
  }
  return out;
}

afterEach(async () => {
  await Promise.all(drivers.splice(0).map((d) => d.close()));
  for (const n of names.splice(0)) MemoryBroker.reset(n);
});

describe('fault injection', () => {
  it('knows its faults; EveryNth hits every Nth call', () => {
    expect(FAULT_NAMES).toEqual([
      'drop',
      'duplicate',
      'reorder',
      'delay',
      'crashBeforeAck',
      'shortLease',
      'ignoreExtend',
      'countGiveBacks',
    ]);
    const third = new EveryNth(3);
    expect(Array.from({ length: 7 }, () => third.hit())).toEqual([
      false,
      false,
      true,
      false,
      false,
      true,
      false,
    ]);
    const never = new EveryNth(undefined);
    expect(Array.from({ length: 3 }, () => never.hit())).toEqual([false, false, false]);
  });

  it('drop: every Nth published event is silently lost while reported as sent', async () => {
    const name = fresh();
    const d = driver(name, '?fault=drop&faultEvery=3');
    const s = await d.openSender('t', { idempotent: false });
    const outcomes = await s.send(['1', '2', '3', '4', '5', '6', '7'].map((id) => ({ event: ev(id) })));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(
      d.broker
        .records('t')
        .map((r) => r.event.id)
        .sort(),
    ).toEqual(['1', '2', '4', '5', '7']);
    // a healthy connection to the same instance loses nothing
    const healthy = driver(name);
    const hs = await healthy.openSender('t', { idempotent: false });
    await hs.send(['8', '9', '10'].map((id) => ({ event: ev(id) })));
    expect(d.broker.records('t')).toHaveLength(8);
  });

  it('duplicate: every Nth received event is delivered twice', async () => {
    const d = driver(fresh(), '?fault=duplicate&faultEvery=2');
    const s = await d.openSender('t', { idempotent: false });
    await s.send(['1', '2', '3', '4'].map((id) => ({ event: ev(id) })));
    const r = await d.openReceiver('t', rx({ orderedByKey: false }));
    const got = await receiveFor(r, 40);
    expect(got.map((m) => m.event.id).sort()).toEqual(['1', '2', '2', '3', '4', '4']);
    // acking both copies is safe
    await r.ack(got);
    expect(d.broker.group('t', 'g', 'earliest', { orderedByKey: false }).inflightCount).toBe(0);
  });

  it('reorder: batches arrive reversed and per-key holding is off', async () => {
    const d = driver(fresh(), '?fault=reorder&partitions=1');
    const s = await d.openSender('t', { idempotent: false });
    await s.send(['1', '2', '3'].map((id) => ({ event: ev(id, 'same-key') })));
    const r = await d.openReceiver('t', rx());
    const got = await r.receive(10, new AbortController().signal);
    expect(got.map((m) => m.event.id)).toEqual(['3', '2', '1']);
  });

  it('without reorder, the same setup delivers in order, one per key', async () => {
    const d = driver(fresh(), '?partitions=1');
    const s = await d.openSender('t', { idempotent: false });
    await s.send(['1', '2', '3'].map((id) => ({ event: ev(id, 'same-key') })));
    const r = await d.openReceiver('t', rx());
    expect((await r.receive(10, new AbortController().signal)).map((m) => m.event.id)).toEqual(['1']);
  });

  it('delay: nack delays and delayed delivery are ignored (everything is immediate)', async () => {
    const d = driver(fresh(), '?fault=delay');
    const s = await d.openSender('t', { idempotent: false });
    await s.send([{ event: ev('later'), delayMs: 60_000 }]);
    expect(d.broker.records('t').map((r) => r.event.id)).toEqual(['later']);
    const r = await d.openReceiver('t', rx());
    const [m] = await r.receive(1, new AbortController().signal);
    const nackedAt = Date.now();
    await r.nack!(m!, 60_000);
    const [again] = await r.receive(1, new AbortController().signal);
    expect(again!.event.id).toBe('later');
    expect(again!.deliveryCount).toBe(2);
    expect(Date.now() - nackedAt).toBeLessThan(5_000);
  });

  it('crashBeforeAck: every Nth ack is lost, so the event comes back after its lease', async () => {
    const d = driver(fresh(), '?fault=crashBeforeAck&faultEvery=2');
    const s = await d.openSender('t', { idempotent: false });
    await s.send(['1', '2', '3', '4'].map((id) => ({ event: ev(id) })));
    const r = await d.openReceiver('t', rx({ leaseMs: 40, orderedByKey: false }));
    const first = await r.receive(4, new AbortController().signal);
    expect(first).toHaveLength(4);
    await r.ack(first);
    const group = d.broker.group('t', 'g', 'earliest', { orderedByKey: false });
    expect(group.inflightCount).toBe(2);
    const back = await receiveFor(r, 150, 2);
    expect(back.slice(0, 2).map((m) => m.deliveryCount)).toEqual([2, 2]);
    expect(new Set(back.slice(0, 2).map((m) => m.event.id)).size).toBe(2);
  });

  it('shortLease: a message declares a full lease while the broker gives it a quarter', async () => {
    const d = driver(fresh(), '?fault=shortLease');
    const s = await d.openSender('t', { idempotent: false });
    await s.send([{ event: ev('1') }]);
    const r = await d.openReceiver('t', rx({ leaseMs: 400, orderedByKey: false }));
    const before = Date.now();
    const [m] = await r.receive(1, new AbortController().signal);
    expect(m!.leaseUntil).toBeGreaterThanOrEqual(before + 400);
    expect((m!.handle as { leaseUntil: number }).leaseUntil).toBeLessThanOrEqual(Date.now() + 100);
    // the broker takes it back after a quarter of the declared lease
    const [again] = await r.receive(1, AbortSignal.timeout(300));
    expect(again!.event.id).toBe('1');
    expect(again!.deliveryCount).toBe(2);
    // an extension still works: the handle is the broker's lease
    await r.extendLease!(again!, 30_000);
    await r.ack([again!]);
    expect(d.broker.group('t', 'g', 'earliest', { orderedByKey: false }).inflightCount).toBe(0);
  });

  it("without shortLease, the declared deadline is the broker's own", async () => {
    const d = driver(fresh());
    const s = await d.openSender('t', { idempotent: false });
    await s.send([{ event: ev('1') }]);
    const r = await d.openReceiver('t', rx({ leaseMs: 400, orderedByKey: false }));
    const [m] = await r.receive(1, new AbortController().signal);
    expect(m!.leaseUntil).toBe((m!.handle as { leaseUntil: number }).leaseUntil);
  });

  it('ignoreExtend: extensions are accepted and not applied', async () => {
    const d = driver(fresh(), '?fault=ignoreExtend');
    const s = await d.openSender('t', { idempotent: false });
    await s.send([{ event: ev('1') }]);
    const r = await d.openReceiver('t', rx({ leaseMs: 60, orderedByKey: false }));
    const [m] = await r.receive(1, new AbortController().signal);
    await expect(r.extendLease!(m!, 60_000)).resolves.toBeUndefined();
    const [again] = await r.receive(1, AbortSignal.timeout(300));
    expect(again!.deliveryCount).toBe(2);
    // a healthy connection's extension holds the lease
    const healthy = driver(fresh());
    const hs = await healthy.openSender('t', { idempotent: false });
    await hs.send([{ event: ev('2') }]);
    const hr = await healthy.openReceiver('t', rx({ leaseMs: 60, orderedByKey: false }));
    const [h] = await hr.receive(1, new AbortController().signal);
    await hr.extendLease!(h!, 60_000);
    expect(await receiveFor(hr, 200, 1)).toEqual([]);
  });

  it('countGiveBacks: what arrives as a receiver closes is given back counted as a delivery', async () => {
    const d = driver(fresh(), '?fault=countGiveBacks');
    const s = await d.openSender('t', { idempotent: false });
    const r = await d.openReceiver('t', rx({ orderedByKey: false }));
    const closing = r.close();
    await s.send([{ event: ev('1') }]);
    await closing;
    const next = await d.openReceiver('t', rx({ orderedByKey: false }));
    const [m] = await next.receive(1, AbortSignal.timeout(1_000));
    expect({ id: m?.event.id, deliveryCount: m?.deliveryCount }).toEqual({ id: '1', deliveryCount: 2 });
    // a healthy connection's closing receiver leaves it alone
    const healthy = driver(fresh());
    const hs = await healthy.openSender('t', { idempotent: false });
    const hr = await healthy.openReceiver('t', rx({ orderedByKey: false }));
    const hClosing = hr.close();
    await hs.send([{ event: ev('2') }]);
    await hClosing;
    const hNext = await healthy.openReceiver('t', rx({ orderedByKey: false }));
    const [h] = await hNext.receive(1, AbortSignal.timeout(1_000));
    expect({ id: h?.event.id, deliveryCount: h?.deliveryCount }).toEqual({ id: '2', deliveryCount: 1 });
  });
});
