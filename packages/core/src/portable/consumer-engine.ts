import { setMaxListeners } from 'node:events';
import type { Handler, ConsumerStats } from '../api/handler.js';
import type { ReceivedMessage } from '../driver/types.js';
import { isRetryable } from '../errors/errors.js';
import { backoffDelay } from './backoff.js';
import type { EngineDeps } from './engine-deps.js';
import { EventProcessor } from './event-processor.js';
import { KeyedScheduler } from './keyed-scheduler.js';
import { LeaseKeeper } from './lease-keeper.js';
import { sleep } from './sleep.js';
import { SpinGuard } from './spin-guard.js';
import { TrackedDelivery } from './tracked-delivery.js';

export type { EngineDeps } from './engine-deps.js';

/**
 * The portable consumer: a receive pump feeding a keyed scheduler. At most
 * `maxInFlight` messages are received and unsettled at once (backpressure);
 * at most `concurrency` handlers run at once; same-key events run one at a time
 * in order (ordering "per-key"). Retries use the broker's nack with backoff where
 * it is native, else they run in place (holding the key, so order is kept).
 */
export class ConsumerEngine {
  readonly stats: ConsumerStats = {
    received: 0,
    handled: 0,
    failed: 0,
    retried: 0,
    deadLettered: 0,
    duplicatesSkipped: 0,
  };
  private readonly scheduler: KeyedScheduler<TrackedDelivery>;
  private readonly processor: EventProcessor;
  private readonly stop = new AbortController();
  private readonly hardStop = new AbortController();
  private readonly inFlight = new Set<TrackedDelivery>();
  private readonly leases: LeaseKeeper | undefined;
  private capacityWaiter: (() => void) | undefined;
  private idleWaiter: (() => void) | undefined;
  private pumping: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private readonly spinGuard: SpinGuard;

  constructor(
    private readonly deps: EngineDeps,
    handler: Handler,
  ) {
    // Every in-flight retry wait and every concurrent poll listens on these signals: not a leak.
    setMaxListeners(0, this.stop.signal, this.hardStop.signal);
    this.scheduler = new KeyedScheduler(
      deps.options.concurrency,
      this.process,
      deps.options.ordering === 'per-key' ? keyOfDelivery : noKey,
    );
    this.processor = new EventProcessor(deps, handler, this.stats, this.hardStop.signal);
    const { receiver, options, logger } = deps;
    this.spinGuard = new SpinGuard(() =>
      logger.warn('the receiver returned nothing without waiting; backing off between polls', {
        topic: deps.topic,
      }),
    );
    if (receiver.extendLease !== undefined && options.delivery !== 'at-most-once') {
      const extend = receiver.extendLease.bind(receiver);
      this.leases = new LeaseKeeper(
        options.leaseMs,
        this.inFlight,
        (rec, ms) => extend(rec.message, ms),
        (err) => logger.warn('lease extension failed', { topic: deps.topic, error: err }),
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
        const unsettled = [...this.inFlight].filter((r) => !r.settled).length;
        // A zero drain (leaving a for-await loop) releases on purpose: not worth a warning.
        const level = drainTimeoutMs > 0 ? 'warn' : 'debug';
        this.deps.logger[level](
          `drain timed out after ${drainTimeoutMs} ms; releasing ${unsettled} unsettled events for redelivery`,
          {
            topic: this.deps.topic,
          },
        );
        this.hardStop.abort();
        for (const rec of this.inFlight) await this.deps.settler.release(rec);
      }
    }
    this.leases?.stop();
    await this.deps.settler.flush();
    await this.deps.receiver.close();
    await this.processor.close();
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
      const asked = performance.now();
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
      if (batch.length === 0) {
        // a receive cut short by close() is not a spin
        if (!this.stop.signal.aborted)
          await this.spinGuard.emptyReceive(performance.now() - asked, this.stop.signal);
        continue;
      }
      this.spinGuard.reset();
      this.dispatchBatch(batch, Date.now());
    }
  }

  /**
   * Hands a received batch to the handlers. While the scheduler is idle (nothing running or
   * queued, so no key is held and every slot is free), the batch runs inline, in order: each
   * delivery that finishes synchronously (synchronous handler, settled at once) costs no
   * in-flight entry, scheduler slot or lease watch — nothing can observe it in flight, since
   * nothing else runs until it is done. The first delivery that goes asynchronous is handed to
   * the scheduler as the running item of its key (in flight, lease watched), and the rest of
   * the batch is submitted one by one, so order per key and the concurrency bound hold exactly
   * as if every delivery had been submitted.
   */
  private dispatchBatch(batch: readonly ReceivedMessage[], now: number): void {
    let i = 0;
    if (this.scheduler.isIdle) {
      while (i < batch.length) {
        const rec = this.admit(batch[i++] as ReceivedMessage);
        const pending = this.run(rec);
        if (pending === undefined) continue;
        this.watch(rec, now);
        this.scheduler.adopt(rec, this.afterRun(rec, pending));
        break;
      }
    }
    for (; i < batch.length; i++) {
      const rec = this.admit(batch[i] as ReceivedMessage);
      this.watch(rec, now);
      this.scheduler.submit(rec);
    }
  }

  /** Per-delivery work every delivery needs: its context, the count, commit order, at-most-once's early ack. */
  private admit(message: ReceivedMessage): TrackedDelivery {
    const rec = new TrackedDelivery(message, this.processor.shared);
    this.stats.received++;
    const { settler, options } = this.deps;
    settler.track(rec);
    if (options.delivery === 'at-most-once') void settler.ack(rec);
    return rec;
  }

  /** Puts a delivery in flight (backpressure, drain, lease keeping) until `done`. */
  private watch(rec: TrackedDelivery, now: number): void {
    this.inFlight.add(rec);
    if (this.deps.options.delivery !== 'at-most-once') this.leases?.watch(rec, now);
  }

  /** Starts processing a delivery; returns a promise only while work remains (never rejects synchronously). */
  private run(rec: TrackedDelivery): Promise<void> | undefined {
    try {
      // Past the drain deadline every unfinished event was given back: do not start its handler.
      if (!this.hardStop.signal.aborted) return this.processor.process(rec);
    } catch (err) {
      this.internalError(err);
    }
    return undefined;
  }

  private afterRun(rec: TrackedDelivery, pending: Promise<void>): Promise<void> {
    return pending.then(
      () => this.done(rec),
      (err: unknown) => {
        this.internalError(err);
        this.done(rec);
      },
    );
  }

  /** Scheduler task: process one delivery, then release its slot (synchronously when it finished synchronously). */
  private readonly process = (rec: TrackedDelivery): Promise<void> | undefined => {
    const pending = this.run(rec);
    if (pending === undefined) {
      this.done(rec);
      return undefined;
    }
    return this.afterRun(rec, pending);
  };

  private done(rec: TrackedDelivery): void {
    this.inFlight.delete(rec);
    this.capacityWaiter?.();
    if (this.inFlight.size === 0) this.idleWaiter?.();
  }

  private internalError(err: unknown): void {
    this.deps.logger.error('internal error while processing an event', {
      topic: this.deps.topic,
      error: err,
    });
  }
}

function keyOfDelivery(rec: TrackedDelivery): string | undefined {
  return rec.message.event.key;
}

function noKey(): undefined {
  return undefined;
}
