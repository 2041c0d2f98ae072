/**
 * Handler attempts across a takeover (issue 16): a consumer that closes gives back what it
 * received and no handler saw (buffered, held back by key, answered while it stopped). A broker
 * that counts deliveries counts those give-backs too; an adapter that passes that count on starts
 * the next consumer's attempts at 2 and lets the broker's own dead-lettering fire before
 * EventPort's retry budget is spent.
 */
import type { Event } from '@eventport/core';
import { CheckFailed, defineCheck, NotVerified } from '../check.js';
import { closeWithin, fastRetry, seqOf, sleep, startPosition, subscribe, waitFor } from '../util.js';
import { CONSUME, numbered, sendAll } from './events.js';

/** How long each handler of the first consumer runs, so that it falls behind what it received. */
const FIRST_HANDLER_MS = 30;

interface Seen {
  readonly consumer: 'first' | 'second';
  readonly attempt: number;
}

export const handlerAttemptsTakeover = defineCheck({
  id: 'handler-attempts-takeover',
  title:
    'handler attempts across a takeover: a consumer closes holding received, unhandled events; the next one runs each at attempt 1 and dead-letters none before its last attempt',
  verifies: ['consume.at-least-once'],
  requires: CONSUME,
  async run(ctx) {
    if (ctx.capabilities.get('pull').level === 'unsupported' && ctx.capabilities.supports('push')) {
      // Not a pass and not hidden: the report row says why.
      throw new NotVerified(
        "push delivery: the attempt a handler sees is the service's delivery count, which also counts the pushes a closed or restarting consumer answered 'retry' or 404 (no route); the consumer never decoded those, so it cannot correct the count",
      );
    }
    const keys = 3;
    const firstWave = keys * 8;
    const secondWave = keys * 4;
    const n = firstWave + secondWave;
    const attemptsAllowed = 5;
    const failFirst = attemptsAllowed - 1;
    const handledBeforeClose = 3;
    const topic = await ctx.topic('takeover');
    const withDeadLetter = ctx.capabilities.supports('dead-letter');
    const dlq = `${topic}.dlq`;
    const dead: number[] = [];
    if (withDeadLetter) {
      await ctx.prepareTopic(dlq);
      await subscribe(ctx, ctx.broker, dlq, { group: 'takeover-dlq', from: startPosition(ctx) }, (e) => {
        dead.push(seqOf(e.data));
      });
    }
    const seen = new Map<number, Seen[]>();
    const succeeded = new Set<number>();
    const record = (e: Event, consumer: Seen['consumer'], attempt: number): number => {
      const seq = seqOf(e.data);
      seen.set(seq, [...(seen.get(seq) ?? []), { consumer, attempt }]);
      return seq;
    };
    const options = {
      group: 'takeover',
      from: startPosition(ctx),
      concurrency: 1,
      retry: fastRetry(ctx, attemptsAllowed),
      leaseMs: ctx.timing.leaseMs,
      deadLetter: withDeadLetter ? dlq : (false as const),
    };
    let handledByFirst = 0;
    const first = await subscribe(ctx, ctx.broker, topic, options, async (e, d) => {
      const seq = record(e, 'first', d.attempt);
      await sleep(FIRST_HANDLER_MS, ctx.signal);
      succeeded.add(seq);
      handledByFirst++;
    });
    await sendAll(
      ctx,
      ctx.broker,
      topic,
      numbered(firstWave, 'conformance.takeover', (i) => `key-${i % keys}`),
    );
    await waitFor(() => handledByFirst >= handledBeforeClose, ctx.timing.timeoutMs, ctx.signal);
    // Close while the first consumer still holds events, and publish more while it stops (a
    // receive answered then is given back unhandled).
    const closing = closeWithin(ctx, first, ctx.timing.timeoutMs);
    await sendAll(
      ctx,
      ctx.broker,
      topic,
      numbered(secondWave, 'conformance.takeover', (i) => `key-${i % keys}`, firstWave),
    );
    await closing;
    const fromFirst = handledByFirst;
    await subscribe(ctx, ctx.broker, topic, options, (e, d) => {
      const seq = record(e, 'second', d.attempt);
      if (d.attempt <= failFirst)
        throw new Error(`conformance: planned failure ${d.attempt} of event #${seq}`);
      succeeded.add(seq);
    });
    await waitFor(() => succeeded.size >= n, ctx.timing.timeoutMs, ctx.signal);
    await sleep(ctx.timing.quietMs, ctx.signal);
    const takenOver = [...seen.values()].filter((l) => l[0]?.consumer === 'second').length;
    const counts = {
      events: n,
      handled: succeeded.size,
      handledByFirst: fromFirst,
      takenOver,
      deadLettered: dead.length,
    };
    const show = (seq: number): string =>
      `event #${seq}: attempts seen [${(seen.get(seq) ?? []).map((s) => `${s.consumer}:${s.attempt}`).join(', ')}]`;
    if (succeeded.size < n) {
      const missing = Array.from({ length: n }, (_, i) => i).filter((s) => !succeeded.has(s));
      throw new CheckFailed(
        `${succeeded.size} of ${n} events were finally handled (${dead.length} dead-lettered)`,
        {
          counts,
          firstBad: `${show(missing[0]!)}${dead.includes(missing[0]!) ? ', then dead-lettered' : ''}`,
        },
      );
    }
    if (dead.length > 0)
      throw new CheckFailed(`${dead.length} events were dead-lettered although their handler succeeded`, {
        counts,
        firstBad: show(dead[0]!),
      });
    const fullRun = Array.from({ length: failFirst + 1 }, (_, i) => i + 1).join(',');
    for (let seq = 0; seq < n; seq++) {
      const list = seen.get(seq) ?? [];
      const attempts = list.map((s) => s.attempt).join(',');
      const consecutive = list.every((s, i) => s.attempt === i + 1);
      const byFirst = list[0]?.consumer === 'first';
      if (!consecutive || (!byFirst && attempts !== fullRun)) {
        throw new CheckFailed('handler attempts were not counted across the takeover', {
          counts,
          firstBad: `${show(seq)}, expected ${byFirst ? 'first:1' : `second:${fullRun}`}`,
        });
      }
    }
    return {
      summary: `${fromFirst} events handled before the close, ${takenOver} taken over by the next consumer: each ran at attempts ${fullRun}, none dead-lettered`,
      counts,
    };
  },
});
