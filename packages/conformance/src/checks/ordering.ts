import { BrokerUnavailableError } from '@eventport/core';
import { CheckFailed, defineCheck, NotVerified } from '../check.js';
import { tapDriver } from '../taps.js';
import { missingSeqs, seqOf, sleep, startPosition, subscribe, waitFor } from '../util.js';
import { numbered, sendAll } from './events.js';

/** Yields to the event loop 0–3 times, so handlers of different keys interleave. */
async function jitter(i: number): Promise<void> {
  for (let k = 0; k < i % 4; k++) await new Promise<void>((r) => setImmediate(r));
}

export const perKeyOrder = defineCheck({
  id: 'per-key-order',
  title: 'per-key order: 10 keys x 200 events at concurrency 16, zero inversions within a key',
  verifies: ['order.per-key'],
  requires: ['pull', 'publish.at-least-once', 'consume.at-least-once'],
  async run(ctx) {
    const keys = 10;
    const perKey = 200;
    const n = keys * perKey;
    const topic = await ctx.topic('per-key');
    const last = new Map<string, number>();
    const seen = new Set<number>();
    const inversions: string[] = [];
    let running = 0;
    let maxRunning = 0;
    await subscribe(
      ctx,
      ctx.broker,
      topic,
      {
        group: 'per-key',
        from: startPosition(ctx),
        concurrency: 16,
        ordering: 'per-key',
        leaseMs: ctx.timing.leaseMs,
      },
      async (e) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        try {
          const seq = seqOf(e.data);
          const key = e.key ?? '(none)';
          const index = Math.floor(seq / keys); // position of this event within its key
          const prev = last.get(key) ?? -1;
          if (index < prev) inversions.push(`key ${key}: event ${index} handled after event ${prev}`);
          else last.set(key, index);
          seen.add(seq);
          await jitter(seq);
        } finally {
          running--;
        }
      },
    );
    // interleaved: k0#0, k1#0, …, k9#0, k0#1, …
    await sendAll(
      ctx,
      ctx.broker,
      topic,
      numbered(n, 'conformance.per-key', (i) => `key-${i % keys}`),
      250,
    );
    await waitFor(() => seen.size >= n || inversions.length > 0, ctx.timing.timeoutMs, ctx.signal);
    if (inversions.length === 0) await sleep(ctx.timing.quietMs, ctx.signal);
    const counts = {
      keys,
      perKey,
      received: seen.size,
      inversions: inversions.length,
      maxParallelHandlers: maxRunning,
    };
    if (inversions.length > 0)
      throw new CheckFailed(`${inversions.length} inversions within a key`, {
        counts,
        firstBad: inversions[0],
      });
    if (seen.size < n) {
      const missing = missingSeqs(n, (s) => seen.has(s));
      throw new CheckFailed(`${seen.size} of ${n} events arrived`, {
        counts,
        firstBad: `event #${missing[0]} (key-${missing[0]! % keys}) never arrived`,
      });
    }
    return {
      summary: `${keys} keys x ${perKey} events, up to ${maxRunning} handlers in parallel, zero inversions`,
      counts,
    };
  },
});

/**
 * Per-key order when a publish request fails (issue 16: on SQS FIFO one
 * ECONNRESET on the 2nd of 3 SendMessageBatch requests gave queue order 0-9,
 * 20-29, 10-19). Through a driver tap, the first batch of the send goes out only
 * in part: its first third reaches the broker, the rest fails once as retryable
 * and unsent — what a driver does that stops at its first failed request. An
 * entry that failed must never be overtaken by a later entry of its key.
 */
export const perKeyOrderPublishFault = defineCheck({
  id: 'per-key-order-publish-fault',
  title:
    'per-key order when a publish request fails once: 3 keys x 30 events, the batch fails after its first third',
  verifies: ['order.per-key'],
  requires: ['pull', 'publish.at-least-once', 'consume.at-least-once'],
  async run(ctx) {
    const keys = 3;
    const perKey = 30;
    const n = keys * perKey;
    const topic = await ctx.topic('per-key-fault');
    let injected = 0;
    const flaky = await ctx.connect({
      wrapDriver: tapDriver({
        send: async (batch, send, sendSome) => {
          if (injected > 0 || batch.length < 3) return send();
          injected = batch.length - Math.floor(batch.length / 3);
          const head = await sendSome(batch.slice(0, batch.length - injected));
          const error = new BrokerUnavailableError('conformance: injected failure of a publish request');
          return [...head, ...batch.slice(head.length).map(() => ({ ok: false as const, error }))];
        },
      }),
    });
    const last = new Map<string, number>();
    const seen = new Set<number>();
    const inversions: string[] = [];
    await subscribe(
      ctx,
      ctx.broker,
      topic,
      {
        group: 'per-key-fault',
        from: startPosition(ctx),
        concurrency: 8,
        ordering: 'per-key',
        leaseMs: ctx.timing.leaseMs,
      },
      async (e) => {
        const seq = seqOf(e.data);
        const key = e.key ?? '(none)';
        const index = Math.floor(seq / keys);
        const prev = last.get(key) ?? -1;
        if (index < prev) inversions.push(`key ${key}: event ${index} handled after event ${prev}`);
        else last.set(key, index);
        seen.add(seq);
        await jitter(seq);
      },
    );
    await sendAll(
      ctx,
      flaky,
      topic,
      numbered(n, 'conformance.per-key-fault', (i) => `key-${i % keys}`),
    );
    if (injected === 0) throw new NotVerified('no batch of 3 or more events reached the driver to fail');
    await waitFor(() => seen.size >= n || inversions.length > 0, ctx.timing.timeoutMs, ctx.signal);
    if (inversions.length === 0) await sleep(ctx.timing.quietMs, ctx.signal);
    const counts = { keys, perKey, failedOnce: injected, received: seen.size, inversions: inversions.length };
    if (inversions.length > 0)
      throw new CheckFailed(`${inversions.length} inversions within a key`, {
        counts,
        firstBad: inversions[0],
      });
    if (seen.size < n) {
      const missing = missingSeqs(n, (s) => seen.has(s));
      throw new CheckFailed(`${seen.size} of ${n} events arrived`, {
        counts,
        firstBad: `event #${missing[0]} (key-${missing[0]! % keys}) never arrived`,
      });
    }
    return {
      summary: `${keys} keys x ${perKey} events; ${injected} entries failed once and were retried; zero inversions`,
      counts,
    };
  },
});

export const globalOrder = defineCheck({
  id: 'global-order',
  title: 'global order: 300 events without keys are handled in send order',
  verifies: ['order.global'],
  requires: ['pull', 'publish.at-least-once', 'consume.at-least-once'],
  async run(ctx) {
    const n = 300;
    const topic = await ctx.topic('global-order');
    const order: number[] = [];
    await subscribe(
      ctx,
      ctx.broker,
      topic,
      { group: 'global', from: startPosition(ctx), concurrency: 1 },
      (e) => {
        order.push(seqOf(e.data));
      },
    );
    await sendAll(ctx, ctx.broker, topic, numbered(n, 'conformance.global-order'), 50);
    await waitFor(() => order.length >= n, ctx.timing.timeoutMs, ctx.signal);
    const at = order.findIndex((s, i) => i > 0 && s < order[i - 1]!);
    const counts = { events: n, received: order.length };
    if (at > 0)
      throw new CheckFailed('events were handled out of send order', {
        counts,
        firstBad: `#${order[at]} handled after #${order[at - 1]}`,
      });
    if (order.length < n) throw new CheckFailed(`${order.length} of ${n} events arrived`, { counts });
    return { summary: `${n} events handled in send order`, counts };
  },
});
