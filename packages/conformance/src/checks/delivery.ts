import type { Broker, Event, EventInput, Guarantee } from '@eventport/core';
import { CheckFailed, defineCheck, type CheckContext } from '../check.js';
import {
  closeWithin,
  fastRetry,
  firstFew,
  missingSeqs,
  seqOf,
  sleep,
  startPosition,
  subscribe,
  waitFor,
  within,
} from '../util.js';

const CONSUME: Guarantee[] = ['pull', 'publish.at-least-once', 'consume.at-least-once'];

/** `n` check events `{ seq }` of one type (no key unless `key` gives one). */
export function numbered(
  n: number,
  type: string,
  key?: (i: number) => string | undefined,
  offset = 0,
): EventInput[] {
  return Array.from({ length: n }, (_, i) => ({
    source: '/eventport/conformance',
    type,
    key: key?.(offset + i),
    data: { seq: offset + i },
  }));
}

/** Sends in chunks (so batching limits never matter), bounded by the check's timeout. */
export async function sendAll(
  ctx: CheckContext,
  broker: Broker,
  topic: string,
  events: EventInput[],
  chunk = 500,
): Promise<void> {
  const producer = broker.producer(topic);
  const sends: Promise<unknown>[] = [];
  for (let i = 0; i < events.length; i += chunk) sends.push(producer.send(events.slice(i, i + chunk)));
  await within(Promise.all(sends), ctx.timing.timeoutMs, `sending ${events.length} events`);
}

/** Counts deliveries per sequence number. */
class Tally {
  readonly counts = new Map<number, number>();
  deliveries = 0;
  add(seq: number): number {
    this.deliveries++;
    const c = (this.counts.get(seq) ?? 0) + 1;
    this.counts.set(seq, c);
    return c;
  }
  get distinct(): number {
    return this.counts.size;
  }
  has(seq: number): boolean {
    return this.counts.has(seq);
  }
  get duplicates(): number {
    return this.deliveries - this.counts.size;
  }
}

function lossFailure(what: string, n: number, tally: Tally): CheckFailed {
  const missing = missingSeqs(n, (s) => tally.has(s));
  return new CheckFailed(`${what}: ${tally.distinct} of ${n} events arrived`, {
    counts: { sent: n, received: tally.distinct, deliveries: tally.deliveries },
    firstBad: `event #${missing[0]} never arrived`,
    details: [`missing: ${firstFew(missing, 10, (s) => `#${s}`)}`],
  });
}

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
