import { CheckFailed, defineCheck } from '../check.js';
import { missingSeqs, seqOf, sleep, startPosition, subscribe, waitFor } from '../util.js';
import { numbered, sendAll } from './delivery.js';

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
