/** Redelivery: a failed handler is retried, handler attempts are counted exactly, at-most-once never redelivers. */
import type { Event } from '@eventport/core';
import { CheckFailed, defineCheck } from '../check.js';
import { fastRetry, missingSeqs, seqOf, sleep, startPosition, subscribe, waitFor } from '../util.js';
import { CONSUME, numbered, sendAll, Tally } from './events.js';

export const redelivery = defineCheck({
  id: 'redelivery',
  title: 'redelivery: failures are redelivered and attempts counted exactly; acked events are not',
  verifies: ['consume.at-least-once', 'nack'],
  requires: CONSUME,
  async run(ctx) {
    const n = 100;
    const topic = await ctx.topic('redelivery');
    const attempts = new Map<number, number[]>();
    const succeeded = new Set<number>();
    const afterAck: string[] = [];
    await subscribe(
      ctx,
      ctx.broker,
      topic,
      {
        group: 'redelivery',
        from: startPosition(ctx),
        retry: fastRetry(ctx, 5),
        leaseMs: ctx.timing.leaseMs,
        deadLetter: false,
      },
      (e, d) => {
        const seq = seqOf(e.data);
        const list = attempts.get(seq) ?? [];
        list.push(d.attempt);
        attempts.set(seq, list);
        if (succeeded.has(seq))
          afterAck.push(
            `event #${seq} delivered again after its handler succeeded (attempts ${list.join(',')})`,
          );
        if (seq % 5 === 0 && d.attempt <= 2)
          throw new Error(`conformance: planned failure ${d.attempt} of event #${seq}`);
        succeeded.add(seq);
      },
    );
    await sendAll(ctx, ctx.broker, topic, numbered(n, 'conformance.redelivery'));
    await waitFor(() => succeeded.size >= n, ctx.timing.timeoutMs, ctx.signal);
    // long enough for a lease to run out: an ack that never reached the broker shows up as a redelivery
    await sleep(ctx.timing.leaseMs + ctx.timing.quietMs, ctx.signal);
    const deliveries = [...attempts.values()].reduce((a, l) => a + l.length, 0);
    const counts = { events: n, handled: succeeded.size, deliveries, expectedDeliveries: n + 2 * (n / 5) };
    if (succeeded.size < n) {
      const missing = missingSeqs(n, (s) => succeeded.has(s));
      throw new CheckFailed(`${succeeded.size} of ${n} events were finally handled`, {
        counts,
        firstBad: `event #${missing[0]}: attempts seen [${(attempts.get(missing[0]!) ?? []).join(',')}]`,
      });
    }
    if (afterAck.length > 0)
      throw new CheckFailed(`${afterAck.length} events were delivered again after their handler succeeded`, {
        counts,
        firstBad: afterAck[0],
      });
    for (let seq = 0; seq < n; seq++) {
      const expected = seq % 5 === 0 ? [1, 2, 3] : [1];
      const seen = attempts.get(seq) ?? [];
      if (seen.join(',') !== expected.join(',')) {
        throw new CheckFailed('attempts were not counted exactly', {
          counts,
          firstBad: `event #${seq}: attempts seen [${seen.join(',')}], expected [${expected.join(',')}]`,
        });
      }
    }
    return {
      summary: `${n} events handled; every 5th failed twice and succeeded at attempt 3; ${deliveries} deliveries exactly`,
      counts,
    };
  },
});

/**
 * Handler attempts, not receives (issue 16): the retry budget, `ctx.attempt` and
 * the dead-letter decision count the times a handler ran. A broker that counts
 * receives (SQS ApproximateReceiveCount) also counts receives no handler saw — a
 * FIFO group's later messages given back when an earlier one is retried — and an
 * adapter that passes that count on dead-letters early and starts attempts at 2.
 */
export const handlerAttempts = defineCheck({
  id: 'handler-attempts',
  title:
    'handler attempts: 3 keys x 4 events, 2 competing consumers, each event fails its first 2 attempts: all succeed at attempt 3',
  verifies: ['consume.at-least-once'],
  requires: CONSUME,
  async run(ctx) {
    const keys = 3;
    const n = keys * 4;
    const failFirst = 2;
    const topic = await ctx.topic('attempts');
    const attempts = new Map<number, number[]>();
    const succeeded = new Set<number>();
    const options = {
      group: 'attempts',
      from: startPosition(ctx),
      concurrency: 4,
      retry: fastRetry(ctx, 5),
      leaseMs: ctx.timing.leaseMs,
      deadLetter: false as const,
    };
    const handler = (e: Event, d: { attempt: number }): void => {
      const seq = seqOf(e.data);
      attempts.set(seq, [...(attempts.get(seq) ?? []), d.attempt]);
      if (d.attempt <= failFirst)
        throw new Error(`conformance: planned failure ${d.attempt} of event #${seq}`);
      succeeded.add(seq);
    };
    const consumers = ctx.capabilities.supports('competing-consumers') ? 2 : 1;
    for (let c = 0; c < consumers; c++) await subscribe(ctx, ctx.broker, topic, options, handler);
    await sendAll(
      ctx,
      ctx.broker,
      topic,
      numbered(n, 'conformance.attempts', (i) => `key-${i % keys}`),
    );
    await waitFor(() => succeeded.size >= n, ctx.timing.timeoutMs, ctx.signal);
    await sleep(ctx.timing.quietMs, ctx.signal);
    const deliveries = [...attempts.values()].reduce((a, l) => a + l.length, 0);
    const counts = { events: n, consumers, handled: succeeded.size, deliveries, expectedDeliveries: n * 3 };
    const expected = Array.from({ length: failFirst + 1 }, (_, i) => i + 1).join(',');
    for (let seq = 0; seq < n; seq++) {
      const seen = (attempts.get(seq) ?? []).join(',');
      if (seen !== expected) {
        throw new CheckFailed('handler attempts were not counted exactly', {
          counts,
          firstBad: `event #${seq}: attempts seen [${seen}], expected [${expected}]`,
        });
      }
    }
    return {
      summary: `${n} events of ${keys} keys on ${consumers} consumers each failed ${failFirst} times and succeeded at attempt ${failFirst + 1}; ${deliveries} handler runs exactly`,
      counts,
    };
  },
});

export const atMostOnce = defineCheck({
  id: 'at-most-once',
  title: "at-most-once: a failing handler's event is not redelivered; no event is delivered twice",
  verifies: ['consume.at-most-once'],
  requires: ['pull', 'publish.at-least-once'],
  async run(ctx) {
    const n = 50;
    const topic = await ctx.topic('at-most-once');
    const tally = new Tally();
    const twice: string[] = [];
    await subscribe(
      ctx,
      ctx.broker,
      topic,
      {
        group: 'amo',
        delivery: 'at-most-once',
        from: startPosition(ctx),
        retry: fastRetry(ctx, 5),
        leaseMs: ctx.timing.leaseMs,
      },
      (e, d) => {
        const seq = seqOf(e.data);
        if (tally.add(seq) === 2)
          twice.push(
            `event #${seq} delivered a second time (attempt ${d.attempt}${seq % 2 === 0 ? ', its handler had failed' : ''})`,
          );
        if (seq % 2 === 0) throw new Error(`conformance: planned failure of event #${seq}`);
      },
    );
    await sendAll(ctx, ctx.broker, topic, numbered(n, 'conformance.at-most-once'));
    await waitFor(() => tally.distinct >= n, ctx.timing.timeoutMs, ctx.signal);
    await sleep(ctx.timing.leaseMs + ctx.timing.quietMs + 10 * ctx.timing.retryDelayMs, ctx.signal);
    const counts = {
      events: n,
      delivered: tally.distinct,
      deliveries: tally.deliveries,
      failedHandlers: Math.ceil(n / 2),
    };
    if (tally.distinct === 0) throw new CheckFailed('no event was delivered at all', { counts });
    if (twice.length > 0)
      throw new CheckFailed(`${twice.length} events were delivered more than once`, {
        counts,
        firstBad: twice[0],
      });
    return {
      summary: `${tally.distinct} of ${n} events delivered once each; ${Math.ceil(n / 2)} failing handlers, none redelivered`,
      counts,
    };
  },
});
