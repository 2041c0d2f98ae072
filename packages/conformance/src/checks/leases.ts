/**
 * Handlers close to their lease (issue 16). A driver that holds a key's later messages back
 * while an earlier one is handled (SQS FIFO keeps a message group locked) hands them over with
 * part of their lease used up; if the engine is not told, it renews too late, the broker gives
 * the message to someone else, and a key's order breaks (0,1,2,1) or an ack fails. These checks
 * send several events of a key at once, so a broker that returns them in one receive makes the
 * later ones wait, and run handlers near (or past) the lease.
 *
 * Where the broker has no per-message lease (log brokers: Kafka, Event Hubs), the receiver
 * offers no extension; the checks still run their scenario and say so in their summary ("n/a").
 */
import type { Event } from '@eventport/core';
import { CheckFailed, defineCheck } from '../check.js';
import { tapDriver } from '../taps.js';
import { missingSeqs, seqOf, sleep, startPosition, subscribe, waitFor } from '../util.js';
import { CONSUME, numbered, sendAll, Tally } from './events.js';

/** What a tapped connection saw: same-key messages per receive, lease extensions reaching the driver. */
class LeaseTap {
  maxSameKeyInReceive = 0;
  extensions = 0;
  readonly wrapDriver = tapDriver({
    received: (messages) => {
      const perKey = new Map<string, number>();
      for (const m of messages) {
        const key = m.event.key ?? '(none)';
        perKey.set(key, (perKey.get(key) ?? 0) + 1);
      }
      this.maxSameKeyInReceive = Math.max(this.maxSameKeyInReceive, ...perKey.values());
    },
    extendLease: (_message, _ms, extend) => {
      this.extensions++;
      return extend();
    },
  });
}

/** Handler time for event `seq`: spread over [0.4, 0.6] of the lease, deterministically. */
function nearLeaseMs(seq: number, leaseMs: number): number {
  return Math.round(leaseMs * (0.4 + (0.2 * ((seq * 7) % 5)) / 4));
}

export const perKeyOrderNearLease = defineCheck({
  id: 'per-key-order-near-lease',
  title:
    'per-key order near the lease: 3 keys x 4 events sent at once, handlers 0.4-0.6 of the lease: in order, none lost or redelivered',
  verifies: ['order.per-key'],
  requires: CONSUME,
  async run(ctx) {
    const keys = 3;
    const perKey = 4;
    const n = keys * perKey;
    const lease = ctx.timing.leaseMs;
    const topic = await ctx.topic('near-lease');
    const tap = new LeaseTap();
    const consumerSide = await ctx.connect({ wrapDriver: tap.wrapDriver });
    const last = new Map<string, number>();
    const tally = new Tally();
    const done = new Set<number>();
    const inversions: string[] = [];
    const again: string[] = [];
    await subscribe(
      ctx,
      consumerSide,
      topic,
      {
        group: 'near-lease',
        from: startPosition(ctx),
        concurrency: keys,
        ordering: 'per-key',
        leaseMs: lease,
        deadLetter: false,
      },
      async (e: Event) => {
        const seq = seqOf(e.data);
        const key = e.key ?? '(none)';
        const index = Math.floor(seq / keys);
        if (tally.add(seq) > 1) again.push(`event #${seq} (${key}, #${index} of its key) delivered again`);
        const prev = last.get(key) ?? -1;
        if (index < prev) inversions.push(`key ${key}: event ${index} handled after event ${prev}`);
        else last.set(key, index);
        await sleep(nearLeaseMs(seq, lease));
        done.add(seq);
      },
    );
    // one send: k0#0, k1#0, k2#0, k0#1, … so a broker can return a key's events in one receive
    await sendAll(
      ctx,
      ctx.broker,
      topic,
      numbered(n, 'conformance.near-lease', (i) => `key-${i % keys}`),
    );
    const handlersMs = perKey * nearLeaseMs(0, lease) * 1.5;
    await waitFor(() => done.size >= n, ctx.timing.timeoutMs + handlersMs, ctx.signal);
    // a lease that ran out under a handler shows up as a redelivery soon after
    await sleep(lease + ctx.timing.quietMs, ctx.signal);
    const counts = {
      keys,
      perKey,
      leaseMs: lease,
      handled: done.size,
      deliveries: tally.deliveries,
      inversions: inversions.length,
      maxSameKeyInOneReceive: tap.maxSameKeyInReceive,
      leaseExtensions: tap.extensions,
    };
    if (inversions.length > 0)
      throw new CheckFailed(`${inversions.length} inversions within a key`, {
        counts,
        firstBad: inversions[0],
      });
    if (done.size < n) {
      const missing = missingSeqs(n, (s) => done.has(s));
      throw new CheckFailed(`${done.size} of ${n} events were handled`, {
        counts,
        firstBad: `event #${missing[0]} (key-${missing[0]! % keys}) ${tally.has(missing[0]!) ? 'never finished' : 'never arrived'}`,
      });
    }
    if (again.length > 0)
      throw new CheckFailed(`${again.length} events were redelivered while handlers ran within their lease`, {
        counts,
        firstBad: again[0],
      });
    return {
      summary: `${keys} keys x ${perKey} events, handlers ${Math.round(0.4 * lease)}-${Math.round(0.6 * lease)} ms of a ${lease} ms lease, up to ${tap.maxSameKeyInReceive} of a key in one receive, ${tap.extensions} lease extensions; in order, none lost or redelivered`,
      counts,
    };
  },
});

/**
 * The lease holds from the moment a message is handed over: each handler extends its lease to
 * twice the lease at once and then runs 1.2x the lease (the automatic keeper would not renew
 * before the handler ends), and a key's second event waited behind the first. An extension the
 * broker does not apply, or one counted from when the message was received rather than from the
 * call, lets the lease run out under the handler: a redelivery.
 */
export const leaseFromHandOff = defineCheck({
  id: 'lease-from-hand-off',
  title:
    'lease extension from hand-off: handlers extend to 2x the lease at once and run 1.2x it; 2 keys x 2 events, none redelivered',
  verifies: ['lease-extension'],
  requires: CONSUME,
  async run(ctx) {
    const keys = 2;
    const n = keys * 2;
    const lease = ctx.timing.leaseMs;
    const handlerMs = Math.round(lease * 1.2);
    const topic = await ctx.topic('hand-off');
    const tap = new LeaseTap();
    const consumerSide = await ctx.connect({ wrapDriver: tap.wrapDriver });
    const tally = new Tally();
    const done = new Set<number>();
    const failures: string[] = [];
    await subscribe(
      ctx,
      consumerSide,
      topic,
      { group: 'hand-off', from: startPosition(ctx), concurrency: keys, ordering: 'per-key', leaseMs: lease },
      async (e, d) => {
        const seq = seqOf(e.data);
        tally.add(seq);
        try {
          await d.extendLease(2 * lease);
        } catch (err) {
          failures.push(`event #${seq}: extendLease(${2 * lease}) failed: ${String(err)}`);
        }
        await sleep(handlerMs);
        done.add(seq);
      },
    );
    await sendAll(
      ctx,
      ctx.broker,
      topic,
      numbered(n, 'conformance.hand-off', (i) => `key-${i % keys}`),
    );
    await waitFor(() => done.size >= n, ctx.timing.timeoutMs + 2 * handlerMs * 1.5, ctx.signal);
    await sleep(lease + ctx.timing.quietMs, ctx.signal);
    const counts = {
      events: n,
      leaseMs: lease,
      handlerMs,
      handled: done.size,
      deliveries: tally.deliveries,
      leaseExtensions: tap.extensions,
      maxSameKeyInOneReceive: tap.maxSameKeyInReceive,
    };
    if (failures.length > 0)
      throw new CheckFailed(`${failures.length} lease extensions failed`, { counts, firstBad: failures[0] });
    if (tally.duplicates > 0) {
      const twice = [...tally.counts.entries()].find(([, c]) => c > 1)!;
      throw new CheckFailed(`${tally.duplicates} redeliveries while handlers held an extended lease`, {
        counts,
        firstBad: `event #${twice[0]} (key-${twice[0] % keys}) delivered ${twice[1]} times`,
      });
    }
    if (done.size < n) {
      const missing = missingSeqs(n, (s) => done.has(s));
      throw new CheckFailed(`${done.size} of ${n} handlers finished`, {
        counts,
        firstBad: `event #${missing[0]} ${tally.has(missing[0]!) ? 'never finished' : 'never arrived'}`,
      });
    }
    if (tap.extensions === 0)
      return {
        summary: `n/a: no per-message lease on this broker (its receiver has no extension to honour); ${n} handlers ran ${handlerMs} ms (1.2x the ${lease} ms lease) without redelivery`,
        counts,
      };
    return {
      summary: `${n} handlers extended their lease to ${2 * lease} ms at hand-off and ran ${handlerMs} ms (1.2x the lease); ${tap.extensions} extensions, none redelivered`,
      counts,
    };
  },
});
