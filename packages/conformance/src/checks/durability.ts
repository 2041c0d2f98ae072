/** Durability across a consumer restart, drain without loss on close, lease extension of slow handlers. */
import { CheckFailed, defineCheck } from '../check.js';
import { closeWithin, missingSeqs, seqOf, sleep, startPosition, subscribe, waitFor } from '../util.js';
import { CONSUME, numbered, sendAll, Tally, lossFailure } from './events.js';

export const durability = defineCheck({
  id: 'durability',
  title: 'durability: close a consumer mid-stream, reopen it, nothing lost',
  verifies: ['consume.at-least-once'],
  requires: CONSUME,
  async run(ctx) {
    const n = 400;
    const topic = await ctx.topic('durability');
    const tally = new Tally();
    const options = {
      group: 'durable',
      from: startPosition(ctx),
      concurrency: 4,
      leaseMs: ctx.timing.leaseMs,
    } as const;
    const first = await subscribe(ctx, ctx.broker, topic, options, async (e) => {
      tally.add(seqOf(e.data));
      await sleep(1);
    });
    await sendAll(ctx, ctx.broker, topic, numbered(n, 'conformance.durability'));
    await waitFor(() => tally.distinct >= n / 4, ctx.timing.timeoutMs, ctx.signal);
    await closeWithin(ctx, first, 0);
    const beforeReopen = tally.distinct;
    if (beforeReopen >= n)
      return {
        summary: `all ${n} events were handled before the close; nothing to recover`,
        counts: { events: n },
      };
    const again = await ctx.connect();
    await subscribe(ctx, again, topic, options, (e) => {
      tally.add(seqOf(e.data));
    });
    await waitFor(() => tally.distinct >= n, ctx.timing.timeoutMs + ctx.timing.leaseMs, ctx.signal);
    const counts = {
      events: n,
      beforeClose: beforeReopen,
      afterReopen: tally.distinct - beforeReopen,
      redelivered: tally.duplicates,
    };
    if (tally.distinct < n) throw lossFailure('after reopening', n, tally);
    return {
      summary: `${beforeReopen} events handled before the close, the other ${n - beforeReopen} after reopening; none lost`,
      counts,
    };
  },
});

export const drain = defineCheck({
  id: 'drain',
  title: 'drain: close() under load leaves no handled-but-unsettled event and loses none',
  requires: CONSUME,
  async run(ctx) {
    const n = 300;
    const topic = await ctx.topic('drain');
    const before = new Set<number>();
    const after = new Set<number>();
    const again: string[] = [];
    let closed = false;
    const late: number[] = [];
    const options = {
      group: 'drain',
      from: startPosition(ctx),
      concurrency: 8,
      leaseMs: ctx.timing.leaseMs,
    } as const;
    const first = await subscribe(ctx, ctx.broker, topic, options, async (e) => {
      const seq = seqOf(e.data);
      if (closed) late.push(seq);
      await sleep(2 + (seq % 3));
      before.add(seq);
    });
    const sending = sendAll(ctx, ctx.broker, topic, numbered(n, 'conformance.drain'), 25);
    await waitFor(() => before.size >= n / 3, ctx.timing.timeoutMs, ctx.signal);
    await closeWithin(ctx, first, ctx.timing.timeoutMs); // under load: handlers running, events still arriving
    closed = true;
    const handledBeforeClose = new Set(before);
    await sending;
    const reopened = await ctx.connect();
    await subscribe(ctx, reopened, topic, options, (e) => {
      const seq = seqOf(e.data);
      if (handledBeforeClose.has(seq))
        again.push(`event #${seq} was handled before close() returned and delivered again after reopening`);
      after.add(seq);
    });
    await waitFor(() => handledBeforeClose.size + after.size >= n, ctx.timing.timeoutMs, ctx.signal);
    await sleep(ctx.timing.leaseMs + ctx.timing.quietMs, ctx.signal);
    const counts = {
      events: n,
      handledBeforeClose: handledBeforeClose.size,
      handledAfterReopen: after.size,
      handledTwice: again.length,
    };
    if (late.length > 0)
      throw new CheckFailed(`${late.length} handlers started after close() returned`, {
        counts,
        firstBad: `event #${late[0]}`,
      });
    if (again.length > 0)
      throw new CheckFailed(`${again.length} events were handled but left unsettled by close()`, {
        counts,
        firstBad: again[0],
      });
    const lost = missingSeqs(n, (s) => handledBeforeClose.has(s) || after.has(s));
    if (lost.length > 0)
      throw new CheckFailed(`${lost.length} of ${n} events were lost across close() and reopen`, {
        counts,
        firstBad: `event #${lost[0]}`,
      });
    return {
      summary: `close() under load settled all ${handledBeforeClose.size} handled events; the other ${after.size} arrived after reopening`,
      counts,
    };
  },
});

export const leaseExtension = defineCheck({
  id: 'lease-extension',
  title: 'lease extension: a handler slower than the lease keeps its event (no redelivery meanwhile)',
  verifies: ['lease-extension'],
  requires: CONSUME,
  async run(ctx) {
    const n = 3;
    const lease = ctx.timing.leaseMs;
    const topic = await ctx.topic('lease');
    const tally = new Tally();
    const done = new Set<number>();
    await subscribe(
      ctx,
      ctx.broker,
      topic,
      { group: 'lease', from: startPosition(ctx), leaseMs: lease, concurrency: n },
      async (e) => {
        const seq = seqOf(e.data);
        tally.add(seq);
        await sleep(lease * 3);
        done.add(seq);
      },
    );
    await sendAll(ctx, ctx.broker, topic, numbered(n, 'conformance.lease'));
    await waitFor(() => done.size >= n, ctx.timing.timeoutMs + lease * 3, ctx.signal);
    await sleep(lease + ctx.timing.quietMs, ctx.signal);
    const counts = { events: n, leaseMs: lease, handlerMs: lease * 3, deliveries: tally.deliveries };
    if (done.size < n) throw new CheckFailed(`${done.size} of ${n} slow handlers finished`, { counts });
    if (tally.duplicates > 0) {
      const twice = [...tally.counts.entries()].find(([, c]) => c > 1)!;
      throw new CheckFailed(`${tally.duplicates} redeliveries while handlers ran longer than the lease`, {
        counts,
        firstBad: `event #${twice[0]} delivered ${twice[1]} times`,
      });
    }
    return { summary: `${n} handlers ran 3x the ${lease} ms lease; no redelivery`, counts };
  },
});
