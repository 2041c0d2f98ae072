/** Dead-lettering after the last attempt with the reason kept, and delayed redelivery. */
import type { Event } from '@eventport/core';
import { CheckFailed, defineCheck } from '../check.js';
import { fastRetry, seqOf, sleep, startPosition, subscribe, waitFor, within } from '../util.js';
import { CONSUME, numbered, sendAll } from './events.js';

export const deadLetter = defineCheck({
  id: 'dead-letter',
  title:
    'dead-letter: a poison event lands in the dead-letter topic after N attempts, with the reason and its attributes',
  verifies: ['dead-letter'],
  requires: CONSUME,
  async run(ctx) {
    const attemptsAllowed = 3;
    const topic = await ctx.topic('dead-letter');
    const dlq = `${topic}.dlq`;
    await ctx.prepareTopic(dlq);
    const poisonSeq = 4;
    const poisonAttempts: number[] = [];
    const handled = new Set<number>();
    const dead: Event[] = [];
    await subscribe(ctx, ctx.broker, dlq, { group: 'dlq-reader', from: startPosition(ctx) }, (e) => {
      dead.push(e);
    });
    await subscribe(
      ctx,
      ctx.broker,
      topic,
      {
        group: 'dead-letter',
        from: startPosition(ctx),
        retry: fastRetry(ctx, attemptsAllowed),
        leaseMs: ctx.timing.leaseMs,
      },
      (e, d) => {
        const seq = seqOf(e.data);
        if (seq === poisonSeq) {
          poisonAttempts.push(d.attempt);
          throw new Error(`conformance poison pill #${seq}`);
        }
        handled.add(seq);
      },
    );
    const events = numbered(10, 'conformance.dead-letter');
    events[poisonSeq] = {
      ...events[poisonSeq]!,
      type: 'conformance.poison',
      subject: 'poison',
      key: 'poison-key',
      datacontenttype: 'application/json',
      extensions: { origin: 'conformance', extint: 7 },
    };
    const [poison] = await within(
      ctx.broker.producer(topic).send([events[poisonSeq]!]),
      ctx.timing.timeoutMs,
      'sending the poison event',
    );
    await sendAll(
      ctx,
      ctx.broker,
      topic,
      events.filter((_, i) => i !== poisonSeq),
    );
    await waitFor(() => dead.length >= 1 && handled.size >= 9, ctx.timing.timeoutMs, ctx.signal);
    await sleep(ctx.timing.leaseMs + ctx.timing.quietMs, ctx.signal);
    const counts = {
      handled: handled.size,
      deadLettered: dead.length,
      poisonAttempts: poisonAttempts.length,
    };
    if (handled.size < 9)
      throw new CheckFailed(`${handled.size} of 9 healthy events were handled`, { counts });
    if (dead.length === 0) {
      throw new CheckFailed(`the poison event never reached "${dlq}"`, {
        counts,
        firstBad: `poison attempts seen [${poisonAttempts.join(',')}]`,
      });
    }
    if (dead.length > 1)
      throw new CheckFailed(`${dead.length} events reached the dead-letter topic; expected 1`, {
        counts,
        firstBad: `event ${dead[1]!.id}`,
      });
    const expected = Array.from({ length: attemptsAllowed }, (_, i) => i + 1).join(',');
    if (poisonAttempts.join(',') !== expected) {
      throw new CheckFailed(
        `the poison event was attempted [${poisonAttempts.join(',')}]; expected [${expected}]`,
        { counts },
      );
    }
    const d = dead[0]!;
    const sent = events[poisonSeq]!;
    const problems: string[] = [];
    if (d.id !== poison!.id) problems.push(`id: sent ${poison!.id}, dead-lettered ${d.id}`);
    for (const attr of ['source', 'type', 'subject', 'key'] as const) {
      if (d[attr] !== sent[attr])
        problems.push(`${attr}: sent ${String(sent[attr])}, dead-lettered ${String(d[attr])}`);
    }
    if (JSON.stringify(d.data) !== JSON.stringify(sent.data))
      problems.push(`data: sent ${JSON.stringify(sent.data)}, dead-lettered ${JSON.stringify(d.data)}`);
    for (const [k, v] of Object.entries(sent.extensions ?? {})) {
      if (String(d.extensions[k]) !== String(v))
        problems.push(`extension ${k}: sent ${String(v)}, dead-lettered ${String(d.extensions[k])}`);
    }
    const reason = d.extensions.deadletterreason;
    if (typeof reason !== 'string' || !reason.includes('conformance poison pill')) {
      problems.push(`deadletterreason ${JSON.stringify(reason)} does not carry the handler's error`);
    }
    if (String(d.extensions.deadletterattempts) !== String(attemptsAllowed)) {
      problems.push(
        `deadletterattempts ${JSON.stringify(d.extensions.deadletterattempts)}, expected ${attemptsAllowed}`,
      );
    }
    if (problems.length > 0)
      throw new CheckFailed('the dead-lettered event lost information', {
        counts,
        firstBad: problems[0],
        details: problems,
      });
    return {
      summary: `poison event dead-lettered after ${attemptsAllowed} attempts with reason "${truncate(reason as string)}" and its attributes; 9 others handled`,
      counts,
    };
  },
});

const truncate = (s: string): string => (s.length > 60 ? `${s.slice(0, 57)}...` : s);

export const redeliveryDelay = defineCheck({
  id: 'redelivery-delay',
  title: 'redelivery delay: a nack with a delay is not redelivered before the delay',
  verifies: ['redelivery-delay'],
  requires: [...CONSUME, 'nack'],
  async run(ctx) {
    const n = 5;
    const delay = ctx.timing.delayMs;
    const topic = await ctx.topic('redelivery-delay');
    const nackedAt = new Map<number, number>();
    const gaps = new Map<number, number>();
    await subscribe(
      ctx,
      ctx.broker,
      topic,
      {
        group: 'delay',
        from: startPosition(ctx),
        retry: fastRetry(ctx, 5),
        leaseMs: Math.max(ctx.timing.leaseMs, delay * 4),
      },
      async (e, d) => {
        const seq = seqOf(e.data);
        const at = nackedAt.get(seq);
        if (at === undefined) {
          nackedAt.set(seq, Date.now());
          await d.nack({ delayMs: delay });
          return;
        }
        if (!gaps.has(seq)) gaps.set(seq, Date.now() - at);
      },
    );
    await sendAll(ctx, ctx.broker, topic, numbered(n, 'conformance.redelivery-delay'));
    await waitFor(() => gaps.size >= n, ctx.timing.timeoutMs + delay, ctx.signal);
    const observed = [...gaps.values()];
    const counts = {
      events: n,
      redelivered: gaps.size,
      requestedMs: delay,
      minObservedMs: observed.length ? Math.min(...observed) : -1,
    };
    // timers fire a millisecond or two early or late; a fault that ignores the delay redelivers at once
    const early = [...gaps.entries()].filter(([, g]) => g < delay - 5);
    if (early.length > 0) {
      throw new CheckFailed(`${early.length} of ${n} events came back before the ${delay} ms delay`, {
        counts,
        firstBad: `event #${early[0]![0]} redelivered after ${early[0]![1]} ms`,
      });
    }
    if (gaps.size < n)
      throw new CheckFailed(`${gaps.size} of ${n} nacked events were redelivered`, { counts });
    return {
      summary: `${n} nacks with ${delay} ms: redelivered after ${Math.min(...observed)}–${Math.max(...observed)} ms`,
      counts,
    };
  },
});
