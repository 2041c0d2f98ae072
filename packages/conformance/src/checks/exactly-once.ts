import {
  BrokerUnavailableError,
  MemoryIdempotencyStore,
  createEvent,
  type ConsumerOptions,
  type Event,
} from '@eventport/core';
import { CheckFailed, NotVerified, defineCheck } from '../check.js';
import { tapDriver } from '../taps.js';
import { closeWithin, fastRetry, sleep, startPosition, subscribe, waitFor, within } from '../util.js';
import { numbered } from './events.js';

export const exactlyOnce = defineCheck({
  id: 'exactly-once',
  title:
    "exactly-once: with a producer resend and a consumer crash after the effect and before the ack, each event's effect happens once",
  verifies: ['consume.exactly-once'],
  requires: ['pull', 'publish.at-least-once'],
  async run(ctx) {
    const n = 100;
    const topic = await ctx.topic('exactly-once');
    // The idempotent consumer's memory must outlive the crashed process: one store for both consumers.
    const store = new MemoryIdempotencyStore();
    const effects = new Map<string, number>();
    const handler = (e: Event): void => {
      effects.set(e.id, (effects.get(e.id) ?? 0) + 1);
    };
    const options: ConsumerOptions = {
      group: 'exactly-once',
      delivery: 'exactly-once',
      from: startPosition(ctx),
      idempotencyStore: store,
      leaseMs: ctx.timing.leaseMs,
      retry: fastRetry(ctx),
    };

    // Consumer A crashes after each effect and before its ack: its acks and commits never reach the broker.
    let lostAcks = 0;
    const crashing = await ctx.connect({
      wrapDriver: tapDriver({
        ack: async (messages) => {
          lostAcks += messages.length;
        },
        commit: async () => {
          lostAcks++;
        },
      }),
    });
    const a = await subscribe(ctx, crashing, topic, options, handler);

    // The producer's first acknowledgements are lost, so it resends those batches.
    let calls = 0;
    let resentBatches = 0;
    const flaky = await ctx.connect({
      wrapDriver: tapDriver({
        send: async (_batch, send) => {
          const out = await send();
          if (++calls <= 3) {
            resentBatches++;
            throw new BrokerUnavailableError('conformance: injected lost send acknowledgement');
          }
          return out;
        },
      }),
    });
    const events = numbered(n, 'conformance.exactly-once').map((e) => createEvent(e));
    const retry = { initialDelayMs: ctx.timing.retryDelayMs, maxDelayMs: ctx.timing.retryDelayMs, jitter: 0 };
    await within(
      flaky.producer(topic, { retry, batch: { maxEvents: 10 } }).send(events),
      ctx.timing.timeoutMs,
      'sending',
    );
    // ... and a restarted producer resends every 10th event.
    const resent = events.filter((_, i) => i % 10 === 3);
    await within(ctx.broker.producer(topic).send(resent), ctx.timing.timeoutMs, 'resending');

    await waitFor(() => effects.size >= n / 2, ctx.timing.timeoutMs, ctx.signal);
    await closeWithin(ctx, a, 0); // the crash: nothing A handled was acknowledged
    const effectsBeforeCrash = effects.size;

    const restarted = await ctx.connect();
    const b = await subscribe(ctx, restarted, topic, options, handler);
    await waitFor(() => effects.size >= n, ctx.timing.timeoutMs + ctx.timing.leaseMs, ctx.signal);
    await sleep(ctx.timing.leaseMs + ctx.timing.quietMs, ctx.signal);

    const skipped = b.stats.duplicatesSkipped + a.stats.duplicatesSkipped;
    const total = [...effects.values()].reduce((x, y) => x + y, 0);
    const counts = {
      events: n,
      distinctEffects: effects.size,
      effects: total,
      resentBatches,
      explicitResends: resent.length,
      lostAcks,
      handledBeforeCrash: effectsBeforeCrash,
      duplicatesSkipped: skipped,
    };
    const missing = events.find((e) => !effects.has(e.id));
    if (missing !== undefined) {
      throw new CheckFailed(`${effects.size} of ${n} events had their effect`, {
        counts,
        firstBad: `event #${events.indexOf(missing)} (id ${missing.id}) never had its effect`,
      });
    }
    const twice = events.findIndex((e) => (effects.get(e.id) ?? 0) > 1);
    if (twice >= 0) {
      throw new CheckFailed(`${total - n} duplicate effects`, {
        counts,
        firstBad: `event #${twice} (id ${events[twice]!.id}) had its effect ${effects.get(events[twice]!.id)} times`,
      });
    }
    if (skipped === 0)
      throw new NotVerified(
        'no duplicate reached the consumer: the injected crash and resends were not exercised',
      );
    return {
      summary: `${n} effects exactly once despite ${resentBatches} resent batches, ${resent.length} resends and a crash after ${effectsBeforeCrash} unacknowledged effects (${skipped} duplicates skipped)`,
      counts,
    };
  },
});
