import type { ConsumerStats, Handler } from '../api/handler.js';
import type { Producer } from '../api/producer.js';
import type { StagedOutput } from '../driver/types.js';
import { ClosedError, EventPortError } from '../errors/errors.js';
import { idempotencyKey, type IdempotencyStore } from '../idempotency/store.js';
import { backoffDelay } from './backoff.js';
import type { EngineDeps } from './engine-deps.js';
import { sleep } from './sleep.js';
import type { DeliveryShared, TrackedDelivery } from './tracked-delivery.js';

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
  /** Idempotency keys of events whose staged outputs await their transaction (see publishAndAck). */
  private readonly committing = new Set<string>();
  private readonly producers = new Map<string, Producer>();
  /** What every delivery of the subscription shares (the engine attaches it to each TrackedDelivery). */
  readonly shared: DeliveryShared;

  constructor(
    private readonly deps: EngineDeps,
    private readonly handler: Handler,
    private readonly stats: ConsumerStats,
    private readonly hardStop: AbortSignal,
  ) {
    this.shared = {
      settler: deps.settler,
      receiver: deps.receiver,
      retry: deps.options.retry,
      signal: hardStop,
      stats,
      maxEventSize: deps.maxEventSize ?? Number.POSITIVE_INFINITY,
      publishAndAck: (rec, beforeAck) => this.publishAndAck(rec, beforeAck),
    };
  }

  /** Closes the producers that published ctx.send events. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.producers.values()].map((p) => p.close()));
    this.producers.clear();
  }

  /** Processes one delivery; returns a promise only when work remains asynchronous. */
  process(rec: TrackedDelivery): Promise<void> | undefined {
    const poison = rec.message.undecodable;
    if (poison !== undefined) return this.deadLetterUndecodable(rec, poison);
    const store = this.deps.idempotency;
    return store !== undefined ? this.processOnce(rec, store) : this.attempt(rec, undefined);
  }

  /** A message the driver could not decode never reaches the handler: it goes to the dead letters. */
  private async deadLetterUndecodable(rec: TrackedDelivery, reason: string): Promise<void> {
    this.stats.deadLettered++;
    this.deps.logger.warn('dead-lettering a message that could not be decoded', {
      topic: this.deps.topic,
      id: rec.message.event.id,
      reason,
    });
    await this.deps.settler.deadLetter(rec, `undecodable message: ${reason}`);
  }

  /** Exactly-once emulation: skip events already processed; one processing per event id at a time. */
  private async processOnce(rec: TrackedDelivery, store: IdempotencyStore): Promise<void> {
    const key = idempotencyKey(rec.message.event);
    for (let claim = this.claims.get(key); claim !== undefined; claim = this.claims.get(key)) await claim;
    // Claim the key before the first await, so a concurrent copy waits for this one.
    let release!: () => void;
    this.claims.set(key, new Promise<void>((resolve) => (release = resolve)));
    try {
      // An event whose outputs are being committed in a transaction is done unless that
      // transaction fails, and then its input is read again: this copy can be skipped either way.
      if (this.committing.has(key) || (await store.has(key))) {
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

  private attempt(rec: TrackedDelivery, beforeAck: (() => unknown) | undefined): Promise<void> | undefined {
    const { tracing, system, topic } = this.deps;
    const event = rec.message.event;
    rec.outputs = undefined;
    rec.beforeAck = beforeAck;
    rec.handled = true;
    const ctx = rec; // the delivery is its own handler context
    if (tracing.enabled) {
      return this.settleAfter(
        rec,
        tracing.process(system, topic, event, async () => this.handler(event, ctx)),
        beforeAck,
      );
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

  private async settleAfter(
    rec: TrackedDelivery,
    result: PromiseLike<unknown>,
    beforeAck: (() => unknown) | undefined,
  ): Promise<void> {
    try {
      await result;
    } catch (err) {
      return this.onFailure(rec, err ?? new Error('handler threw a nullish value'), beforeAck);
    }
    return this.onSuccess(rec, beforeAck);
  }

  private onSuccess(rec: TrackedDelivery, beforeAck: (() => unknown) | undefined): Promise<void> | undefined {
    if (rec.nackDelayMs !== undefined) return this.onFailure(rec, undefined, beforeAck);
    if (rec.outputs !== undefined) {
      return this.publishAndAck(rec, beforeAck).then(
        () => void this.stats.handled++,
        (err: unknown) =>
          this.onFailure(rec, err ?? new Error('publishing ctx.send events failed'), beforeAck),
      );
    }
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

  /**
   * Publishes what the handler sent with ctx.send, then records (idempotent consumer) and acks.
   * A receiver with `stage` takes the outputs into the transaction that will commit this event's
   * offset; the idempotency record waits for that commit (a crash before it makes the input come
   * back and the handler run again, its outputs then written once). Otherwise the outputs are sent
   * with producers, and a failure rejects (the attempt failed; nothing is acked).
   */
  private async publishAndAck(rec: TrackedDelivery, beforeAck: (() => unknown) | undefined): Promise<void> {
    const outputs = rec.outputs ?? [];
    rec.outputs = undefined;
    const { receiver, settler, options, logger, topic } = this.deps;
    if (receiver.stage !== undefined && outputs.length > 0) {
      const committed = receiver.stage(rec.message, outputs);
      if (rec.settled || options.delivery === 'at-most-once') return;
      if (beforeAck !== undefined) {
        const key = idempotencyKey(rec.message.event);
        this.committing.add(key);
        void committed
          .then((ok) => (ok ? beforeAck() : undefined))
          .catch((err: unknown) => logger.warn('recording a processed event failed', { topic, error: err }))
          .finally(() => this.committing.delete(key));
      }
      void settler.ack(rec);
      return;
    }
    await Promise.all(outputs.map((o) => this.producerFor(o).send(o.events)));
    if (rec.settled || options.delivery === 'at-most-once') return;
    await beforeAck?.();
    void settler.ack(rec);
  }

  private producerFor(output: StagedOutput): Producer {
    let producer = this.producers.get(output.topic);
    if (producer === undefined) {
      const open = this.deps.openProducer;
      if (open === undefined) {
        throw new ClosedError(`ctx.send to "${output.topic}" (no producer available to this consumer)`);
      }
      producer = open(output.topic);
      this.producers.set(output.topic, producer);
    }
    return producer;
  }

  /** `failure` undefined = the handler asked for a nack (on a broker without native nack). */
  private async onFailure(
    rec: TrackedDelivery,
    failure: unknown,
    beforeAck: (() => unknown) | undefined,
  ): Promise<void> {
    const { settler, options, receiver, logger, topic } = this.deps;
    this.stats.failed++;
    if (options.delivery === 'at-most-once') {
      logger.warn('handler failed; at-most-once: the event is not redelivered', {
        topic,
        id: rec.message.event.id,
        error: failure,
      });
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
  return (
    value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function'
  );
}

function describe(err: unknown): string {
  if (err instanceof EventPortError) return `${err.code}: ${err.message}`;
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
