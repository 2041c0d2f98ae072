import { EventPortError } from '../errors/errors.js';
import type { Event } from '../event/types.js';
import { idempotencyKey, type IdempotencyStore } from '../idempotency/store.js';
import { backoffDelay } from '../portable/backoff.js';
import { sleep } from '../portable/sleep.js';
import type { ConsumerStats, EngineDeps } from './consumer-engine.js';
import type { DeliveryContext, InFlight } from './delivery.js';
import { HandlerContext, type ContextShared } from './delivery-context.js';

/** A handler: resolve = ack; throw = retry per policy, then dead-letter. */
export type Handler = (event: Event, ctx: DeliveryContext) => unknown;

/**
 * Runs a handler for one delivery and settles it by the outcome: success acks
 * (after the idempotent consumer recorded it), failure retries with backoff —
 * through the broker's nack where it is native, in place otherwise (keeping the
 * key's order) — and dead-letters after the last attempt.
 *
 * A handler that returns synchronously without throwing is settled synchronously
 * (`process` returns undefined): no promise is created on the hot path.
 */
export class EventProcessor {
  private readonly claims = new Map<string, Promise<void>>();
  private readonly shared: ContextShared;

  constructor(
    private readonly deps: EngineDeps,
    private readonly handler: Handler,
    private readonly stats: ConsumerStats,
    private readonly hardStop: AbortSignal,
  ) {
    this.shared = { settler: deps.settler, receiver: deps.receiver, retry: deps.options.retry, signal: hardStop, stats };
  }

  /** Processes one delivery; returns a promise only when work remains asynchronous. */
  process(rec: InFlight): Promise<void> | undefined {
    const store = this.deps.idempotency;
    return store !== undefined ? this.processOnce(rec, store) : this.attempt(rec, undefined);
  }

  /** Exactly-once emulation: skip events already processed; one processing per event id at a time. */
  private async processOnce(rec: InFlight, store: IdempotencyStore): Promise<void> {
    const key = idempotencyKey(rec.message.event);
    for (let claim = this.claims.get(key); claim !== undefined; claim = this.claims.get(key)) await claim;
    // Claim the key before the first await, so a concurrent copy waits for this one.
    let release!: () => void;
    this.claims.set(key, new Promise<void>((resolve) => (release = resolve)));
    try {
      if (await store.has(key)) {
        this.stats.duplicatesSkipped++;
        await this.deps.settler.ack(rec);
        return;
      }
      await this.attempt(rec, () => store.add(key, this.deps.options.idempotencyTtlMs));
    } finally {
      this.claims.delete(key);
      release();
    }
  }

  private attempt(rec: InFlight, beforeAck: (() => unknown) | undefined): Promise<void> | undefined {
    const { tracing, system, topic } = this.deps;
    const event = rec.message.event;
    const ctx = new HandlerContext(this.shared, rec, beforeAck);
    if (tracing.enabled) {
      return this.settleAfter(rec, tracing.process(system, topic, event, async () => this.handler(event, ctx)), beforeAck);
    }
    let result: unknown;
    try {
      result = this.handler(event, ctx);
    } catch (err) {
      return this.onFailure(rec, err ?? new Error('handler threw a nullish value'), beforeAck);
    }
    if (isThenable(result)) return this.settleAfter(rec, result, beforeAck);
    return this.onSuccess(rec, beforeAck);
  }

  private async settleAfter(rec: InFlight, result: PromiseLike<unknown>, beforeAck: (() => unknown) | undefined): Promise<void> {
    try {
      await result;
    } catch (err) {
      return this.onFailure(rec, err ?? new Error('handler threw a nullish value'), beforeAck);
    }
    return this.onSuccess(rec, beforeAck);
  }

  private onSuccess(rec: InFlight, beforeAck: (() => unknown) | undefined): Promise<void> | undefined {
    if (rec.nackDelayMs !== undefined) return this.onFailure(rec, undefined, beforeAck);
    this.stats.handled++;
    if (rec.settled || this.deps.options.delivery === 'at-most-once') return undefined;
    // The ack is not awaited: acks are batched per event-loop turn and the settler's flush()
    // (at close) waits for them; waiting here would hold every key for a turn.
    if (beforeAck === undefined) {
      void this.deps.settler.ack(rec);
      return undefined;
    }
    return Promise.resolve(beforeAck()).then(() => void this.deps.settler.ack(rec));
  }

  /** `failure` undefined = the handler asked for a nack (on a broker without native nack). */
  private async onFailure(rec: InFlight, failure: unknown, beforeAck: (() => unknown) | undefined): Promise<void> {
    const { settler, options, receiver, logger, topic } = this.deps;
    this.stats.failed++;
    if (options.delivery === 'at-most-once') {
      logger.warn('handler failed; at-most-once: the event is not redelivered', { topic, id: rec.message.event.id, error: failure });
      return;
    }
    if (rec.settled && rec.nackDelayMs === undefined) return;
    if (failure !== undefined && rec.attempt >= options.retry.attempts) {
      this.stats.deadLettered++;
      await settler.deadLetter(rec, `handler failed after ${rec.attempt} attempts: ${describe(failure)}`);
      return;
    }
    const delay = rec.nackDelayMs ?? backoffDelay(options.retry, rec.attempt);
    rec.nackDelayMs = undefined;
    this.stats.retried++;
    if (receiver.nack !== undefined) return settler.nack(rec, delay);
    if (!(await sleep(delay, this.hardStop))) return settler.release(rec);
    rec.localRetries++;
    return this.attempt(rec, beforeAck);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function';
}

function describe(err: unknown): string {
  if (err instanceof EventPortError) return `${err.code}: ${err.message}`;
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
