/** Consumers: fan-out to independent groups, competing consumers without loss, many consumers of one group. */
import { CheckFailed, defineCheck } from '../check.js';
import { seqOf, sleep, startPosition, subscribe, waitFor } from '../util.js';
import { CONSUME, numbered, sendAll, Tally, lossFailure } from './events.js';

export const fanOut = defineCheck({
  id: 'fan-out',
  title: 'fan-out: two subscriptions each receive all 500 events',
  verifies: ['fan-out'],
  requires: CONSUME,
  async run(ctx) {
    const n = 500;
    const topic = await ctx.topic('fan-out');
    const tallies = [new Tally(), new Tally()];
    for (const [i, tally] of tallies.entries()) {
      await subscribe(ctx, ctx.broker, topic, { group: `fan-out-${i}`, from: startPosition(ctx) }, (e) => {
        tally.add(seqOf(e.data));
      });
    }
    await sendAll(ctx, ctx.broker, topic, numbered(n, 'conformance.fan-out'));
    await waitFor(() => tallies.every((t) => t.distinct >= n), ctx.timing.timeoutMs, ctx.signal);
    for (const [i, tally] of tallies.entries())
      if (tally.distinct < n) throw lossFailure(`subscription ${i + 1}`, n, tally);
    return {
      summary: `2 subscriptions x ${n} events, each received all`,
      counts: { subscriptions: 2, events: n, duplicates: tallies[0]!.duplicates + tallies[1]!.duplicates },
    };
  },
});

export const competingConsumers = defineCheck({
  id: 'competing-consumers',
  title: 'competing consumers: 5 consumers in one group share 2,000 events, none lost',
  verifies: ['competing-consumers'],
  requires: CONSUME,
  async run(ctx) {
    const n = 2_000;
    const consumers = 5;
    const topic = await ctx.topic('competing');
    const tally = new Tally();
    const perConsumer = new Array<number>(consumers).fill(0);
    const owner = new Map<number, number>();
    const crossed: string[] = [];
    for (let c = 0; c < consumers; c++) {
      const conn = await ctx.connect();
      await subscribe(
        ctx,
        conn,
        topic,
        { group: 'competing', from: startPosition(ctx), concurrency: 4 },
        async (e) => {
          const seq = seqOf(e.data);
          tally.add(seq);
          perConsumer[c]!++;
          const o = owner.get(seq);
          if (o === undefined) owner.set(seq, c);
          else if (o !== c) crossed.push(`event #${seq} went to consumer ${o + 1} and consumer ${c + 1}`);
          await sleep(1);
        },
      );
    }
    await sendAll(ctx, ctx.broker, topic, numbered(n, 'conformance.competing'));
    await waitFor(() => tally.distinct >= n, ctx.timing.timeoutMs, ctx.signal);
    await sleep(ctx.timing.quietMs, ctx.signal);
    const counts = Object.fromEntries(perConsumer.map((v, i) => [`consumer${i + 1}`, v]));
    if (tally.distinct < n) throw lossFailure('5 consumers in one group', n, tally);
    if (crossed.length > 0) {
      throw new CheckFailed(`${crossed.length} events went to more than one consumer of the group`, {
        firstBad: crossed[0],
        counts,
      });
    }
    const busy = perConsumer.filter((v) => v > 0).length;
    if (busy < 2)
      throw new CheckFailed(`all ${n} events went to one consumer; the group did not share the work`, {
        counts,
      });
    return {
      summary: `${n} events over ${busy} of ${consumers} consumers (${perConsumer.join('/')}), none lost`,
      counts,
    };
  },
});

/**
 * A worker pool: many consumers of one group on one connection (issue 16: on SQS
 * the long polls of the first consumers took every socket of the connection's
 * pool, and the next consumers could not start).
 */
export const manyConsumers = defineCheck({
  id: 'many-consumers',
  title: 'many consumers: 20 consumers of one group on one connection start and share 200 events, none lost',
  verifies: ['competing-consumers'],
  requires: CONSUME,
  async run(ctx) {
    const n = 200;
    const consumers = 20;
    const topic = await ctx.topic('many');
    const tally = new Tally();
    const started = Date.now();
    for (let c = 0; c < consumers; c++) {
      await subscribe(
        ctx,
        ctx.broker,
        topic,
        { group: 'many', from: startPosition(ctx), concurrency: 2 },
        (e) => void tally.add(seqOf(e.data)),
      );
    }
    const startMs = Date.now() - started;
    await sendAll(ctx, ctx.broker, topic, numbered(n, 'conformance.many'));
    await waitFor(() => tally.distinct >= n, ctx.timing.timeoutMs, ctx.signal);
    const counts = { consumers, startMs, sent: n, received: tally.distinct, deliveries: tally.deliveries };
    if (tally.distinct < n)
      throw lossFailure(`${consumers} consumers of one group on one connection`, n, tally);
    return {
      summary: `${consumers} consumers of one group on one connection started in ${startMs} ms and received all ${n} events`,
      counts,
    };
  },
});
