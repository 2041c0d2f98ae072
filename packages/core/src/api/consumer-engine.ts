import type { DriverReceiver, ReceivedMessage } from '../driver/types.js';
import { EventPortError, isRetryable } from '../errors/errors.js';
import type { Event } from '../event/types.js';
import { idempotencyKey, type IdempotencyStore } from '../idempotency/store.js';
import type { Logger } from '../logging/logger.js';
import { backoffDelay } from '../portable/backoff.js';
import { KeyedScheduler } from '../portable/keyed-scheduler.js';
import { LeaseKeeper } from '../portable/lease-keeper.js';
import { sleep } from '../portable/sleep.js';
import type { Tracing } from '../tracing/otel.js';
import { InFlight, type DeliveryContext } from './delivery.js';
import type { ResolvedConsumerOptions } from './options.js';
import type { Settler } from './settler.js';

/** A handler: resolve = ack; throw = retry per policy, then dead-letter. */
export type Handler = (event: Event, ctx: DeliveryContext) => unknown;

/** Counters of one subscription. */
export interface ConsumerStats {
  received: number;
  handled: number;
  failed: number;
  retried: number;
  deadLettered: number;
  duplicatesSkipped: number;
}

export interface EngineDeps {
  readonly topic: string;
  readonly system: string;
  readonly receiver: DriverReceiver;
  readonly settler: Settler;
  readonly options: ResolvedConsumerOptions;
  /** Set when exactly-once is emulated with the idempotent consumer. */
  readonly idempotency: IdempotencyStore | undefined;
  readonly tracing: Tracing;
  readonly logger: Logger;
}

/**
 * The portable consumer: a receive pump feeding a keyed scheduler. At most
 * `maxInFlight` messages are received and unsettled at once (backpressure);
 * at most `concurrency` handlers run at once; same-key events run one at a time
 * in order (ordering "per-key"). Retries use the broker's nack with backoff where
 * it is native, else they run in place (holding the key, so order is kept).
 */
export class ConsumerEngine {
  readonly stats: ConsumerStats = { received: 0, handled: 0, failed: 0, retried: 0, deadLettered: 0, duplicatesSkipped: 0 };
  private readonly scheduler: KeyedScheduler;
  private readonly stop = new AbortController();
  private readonly hardStop = new AbortController();
  private readonly inFlight = new Set<InFlight>();
  private readonly claims = new Map<string, Promise<void>>();
  private readonly leases: LeaseKeeper | undefined;
  private capacityWaiter: (() => void) | undefined;
  private idleWaiter: (() => void) | undefined;
  private pumping: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly deps: EngineDeps,
    private readonly handler: Handler,
  ) {
    this.scheduler = new KeyedScheduler(deps.options.concurrency);
    const { receiver, options, logger } = deps;
    if (receiver.extendLease !== undefined && options.delivery !== 'at-most-once') {
      const extend = receiver.extendLease.bind(receiver);
      this.leases = new LeaseKeeper(options.leaseMs, (rec, ms) => extend(rec.message, ms), (err) =>
        logger.warn('lease extension failed', { topic: deps.topic, error: err }),
      );
    }
  }

  /** Starts the receive pump. `onFatal` is called if receiving fails for good. */
  start(onFatal: (err: unknown) => void): void {
    this.pumping = this.pump().catch((err: unknown) => {
      onFatal(err);
    });
  }

  /**
   * Stops receiving, waits up to `drainTimeoutMs` for running handlers, settles
   * and commits what finished, gives back what did not, then closes the receiver.
   * Idempotent.
   */
  close(drainTimeoutMs: number): Promise<void> {
    this.closing ??= this.doClose(drainTimeoutMs);
    return this.closing;
  }

  private async doClose(drainTimeoutMs: number): Promise<void> {
    this.stop.abort();
    this.capacityWaiter?.();
    await this.pumping;
    if (this.inFlight.size > 0) {
      const idle = new Promise<void>((resolve) => (this.idleWaiter = resolve));
      const deadline = new AbortController(); // cancels the timer once drained, so it cannot hold the process open
      const drained = await Promise.race([
        idle.then(() => true),
        sleep(drainTimeoutMs, deadline.signal).then(() => false),
      ]);
      deadline.abort();
      if (!drained) {
        this.deps.logger.warn(`drain timed out after ${drainTimeoutMs} ms; releasing ${this.inFlight.size} events for redelivery`, {
          topic: this.deps.topic,
        });
        this.hardStop.abort();
        for (const rec of this.inFlight) await this.deps.settler.release(rec);
      }
    }
    this.leases?.stop();
    await this.deps.settler.flush();
    await this.deps.receiver.close();
  }

  private async pump(): Promise<void> {
    const { receiver, options, logger, topic } = this.deps;
    let failures = 0;
    while (!this.stop.signal.aborted) {
      const room = options.maxInFlight - this.inFlight.size;
      if (room <= 0) {
        await new Promise<void>((resolve) => (this.capacityWaiter = resolve));
        this.capacityWaiter = undefined;
        continue;
      }
      let batch: ReceivedMessage[];
      try {
        batch = await receiver.receive(room, this.stop.signal);
        failures = 0;
      } catch (err) {
        if (!isRetryable(err)) throw err;
        failures++;
        logger.warn(`receive failed (attempt ${failures}); retrying`, { topic, error: err });
        await sleep(backoffDelay(options.retry, Math.min(failures, 10)), this.stop.signal);
        continue;
      }
      for (const message of batch) this.dispatch(message);
    }
  }

  private dispatch(message: ReceivedMessage): void {
    const rec = new InFlight(message);
    this.inFlight.add(rec);
    this.stats.received++;
    const { settler, options } = this.deps;
    settler.track(rec);
    if (options.delivery === 'at-most-once') void settler.ack(rec);
    else this.leases?.watch(rec);
    const key = options.ordering === 'per-key' ? message.event.key : undefined;
    this.scheduler.submit(key, () => this.process(rec));
  }

  private async process(rec: InFlight): Promise<void> {
    try {
      // Past the drain deadline every unfinished event was given back: do not start its handler.
      if (this.hardStop.signal.aborted) return;
      if (this.deps.idempotency !== undefined) await this.processOnce(rec, this.deps.idempotency);
      else await this.attempt(rec);
    } catch (err) {
      this.deps.logger.error('internal error while processing an event', { topic: this.deps.topic, error: err });
    } finally {
      this.inFlight.delete(rec);
      this.leases?.unwatch(rec);
      this.capacityWaiter?.();
      if (this.inFlight.size === 0) this.idleWaiter?.();
    }
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

  /** Runs the handler, retrying in place on brokers without native nack. */
  private async attempt(rec: InFlight, beforeAck?: () => unknown): Promise<void> {
    const { settler, options, receiver, tracing, system, topic } = this.deps;
    for (;;) {
      const ctx = this.context(rec, beforeAck);
      let failure: unknown;
      try {
        if (tracing.enabled) await tracing.process(system, topic, rec.message.event, async () => this.handler(rec.message.event, ctx));
        else await this.handler(rec.message.event, ctx);
      } catch (err) {
        failure = err ?? new Error('handler threw a nullish value');
      }
      if (failure === undefined && rec.nackDelayMs === undefined) {
        this.stats.handled++;
        if (rec.settled || options.delivery === 'at-most-once') return;
        await beforeAck?.();
        await settler.ack(rec);
        return;
      }
      this.stats.failed++;
      if (options.delivery === 'at-most-once') {
        this.deps.logger.warn('handler failed; at-most-once: the event is not redelivered', { topic, id: rec.message.event.id, error: failure });
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
      if (receiver.nack !== undefined) {
        await settler.nack(rec, delay);
        return;
      }
      if (!(await sleep(delay, this.hardStop.signal))) return settler.release(rec);
      rec.localRetries++;
    }
  }

  /** `beforeAck` runs before an explicit ack too (the idempotent consumer records the event). */
  private context(rec: InFlight, beforeAck?: () => unknown): DeliveryContext {
    const { settler, receiver, options } = this.deps;
    const m = rec.message;
    return {
      event: m.event,
      attempt: rec.attempt,
      partition: m.partition,
      offset: m.offset,
      signal: this.hardStop.signal,
      ack: async () => {
        if (!rec.settled) await beforeAck?.();
        await settler.ack(rec);
      },
      nack: (o) => {
        const delay = o?.delayMs ?? backoffDelay(options.retry, rec.attempt);
        if (receiver.nack !== undefined) return settler.nack(rec, delay);
        rec.nackDelayMs = delay;
        return Promise.resolve();
      },
      deadLetter: async (reason) => {
        this.stats.deadLettered++;
        await settler.deadLetter(rec, reason);
      },
      extendLease: async (ms) => {
        if (receiver.extendLease === undefined) return;
        rec.leaseUntil = Date.now() + ms;
        await receiver.extendLease(m, ms);
      },
    };
  }
}

function describe(err: unknown): string {
  if (err instanceof EventPortError) return `${err.code}: ${err.message}`;
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
