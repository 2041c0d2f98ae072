import type { DriverSender, OutgoingEvent, SendOutcome } from '../driver/types.js';
import type { Event } from '../event/types.js';
import { BrokerUnavailableError, EventPortError, isRetryable } from '../errors/errors.js';
import type { ResolvedProducerOptions } from '../api/options.js';
import type { Receipt } from '../api/receipt.js';
import { backoffDelay } from './backoff.js';
import { sendInRequests } from './request-splitter.js';
import { sleep } from './sleep.js';

/**
 * The caller of one `send`: collects a receipt per event and settles once —
 * one promise per `send` call, not per event.
 */
class SendCall {
  readonly receipts: Receipt[];
  private remaining: number;
  private failed = false;

  constructor(
    count: number,
    private readonly resolve: (receipts: Receipt[]) => void,
    private readonly reject: (err: unknown) => void,
  ) {
    this.receipts = new Array<Receipt>(count);
    this.remaining = count;
  }

  succeed(index: number, receipt: Receipt): void {
    this.receipts[index] = receipt;
    if (--this.remaining === 0 && !this.failed) this.resolve(this.receipts);
  }

  /** The first failure rejects the whole call; the other events still go out (nothing is withdrawn). */
  fail(err: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.reject(err);
  }
}

/**
 * One event waiting to be sent. It is itself the OutgoingEvent handed to the
 * driver (one object per event on the hot path), plus the `send` call it
 * belongs to.
 */
export class PendingSend implements OutgoingEvent {
  call: SendCall | undefined;
  index = 0;
  /** Set when the send finally failed (for tracing). */
  error: unknown;

  constructor(
    readonly event: Event,
    readonly delayMs: number | undefined,
    /** Wire size in bytes, checked against the broker's maximum. */
    readonly size: number,
  ) {}
}

/**
 * The portable producer's batching and retry engine. Batches are cut by count,
 * bytes and linger, and sent strictly one after another (order is kept).
 * Per-entry failures that are retryable are retried with backoff; the rest
 * reject their own `send` only.
 *
 * Per-key order under failures: an entry that failed is never overtaken by a
 * later entry with the same key. The batcher retries a batch's retryable
 * failures, in their order, before it takes the next batch (nothing later is
 * sent meanwhile). A sender that sends a batch as several requests declares
 * `requestLimits`; the batch is then cut here (request-splitter.ts), which with
 * concurrency 1 stops at the first failed request and fails the rest as
 * retryable, so this loop retries them behind the failed entries.
 * Stopping, not retrying inside the driver, keeps one owner of the retry policy
 * (budget, backoff, at-most-once sending once).
 */
export class SendBatcher {
  private queue: PendingSend[] = [];
  private queuedBytes = 0;
  private timer: ReturnType<typeof setTimeout> | ReturnType<typeof setImmediate> | undefined;
  private sending: Promise<void> | undefined;
  private idleWaiters: (() => void)[] = [];
  private readonly abort = new AbortController();

  constructor(
    private readonly topic: string,
    private readonly sender: Promise<DriverSender>,
    private readonly options: ResolvedProducerOptions,
    private readonly onSettled?: (batch: readonly PendingSend[]) => void,
  ) {}

  /**
   * Queues events whose wire sizes the caller computed (checked against the
   * broker's limit). Resolves with their receipts in order once all were
   * acknowledged; rejects with the first final failure. Takes `items` over
   * (the caller must not change it afterwards): with nothing queued it becomes
   * the queue as is.
   */
  enqueue(items: PendingSend[]): Promise<Receipt[]> {
    return new Promise<Receipt[]>((resolve, reject) => {
      const call = new SendCall(items.length, resolve, reject);
      const adopt = this.queue.length === 0;
      if (adopt) this.queue = items;
      for (let index = 0; index < items.length; index++) {
        const item = items[index]!;
        item.call = call;
        item.index = index;
        if (!adopt) this.queue.push(item);
        this.queuedBytes += item.size;
      }
      if (items.length === 0) resolve([]);
      else if (this.queue.length >= this.options.maxEvents || this.queuedBytes >= this.options.maxBytes)
        this.kick();
      else this.schedule();
    });
  }

  /** Sends everything queued now and resolves when nothing is queued or in flight. */
  flush(): Promise<void> {
    if (this.queue.length === 0 && this.sending === undefined) return Promise.resolve();
    this.kick();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async close(): Promise<void> {
    await this.flush();
    this.abort.abort();
    const sender = await this.sender.catch(() => undefined);
    await sender?.close();
  }

  private schedule(): void {
    if (this.timer !== undefined || this.sending !== undefined) return;
    const fire = (): void => {
      this.timer = undefined;
      this.kick();
    };
    this.timer = this.options.lingerMs > 0 ? setTimeout(fire, this.options.lingerMs) : setImmediate(fire);
  }

  private kick(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer as ReturnType<typeof setTimeout>);
      clearImmediate(this.timer as ReturnType<typeof setImmediate>);
      this.timer = undefined;
    }
    this.sending ??= this.drain().finally(() => {
      this.sending = undefined;
      if (this.queue.length > 0) this.kick();
      else for (const w of this.idleWaiters.splice(0)) w();
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.takeBatch();
      await this.sendWithRetry(batch);
      this.onSettled?.(batch);
    }
  }

  private takeBatch(): PendingSend[] {
    const { maxEvents, maxBytes } = this.options;
    if (this.queue.length <= maxEvents && this.queuedBytes <= maxBytes) {
      const all = this.queue; // everything queued fits one batch
      this.queue = [];
      this.queuedBytes = 0;
      return all;
    }
    let bytes = 0;
    let n = 0;
    while (n < this.queue.length && n < this.options.maxEvents) {
      const size = this.queue[n]!.size;
      if (n > 0 && bytes + size > this.options.maxBytes) break;
      bytes += size;
      n++;
    }
    const batch = this.queue.length === n ? this.queue : this.queue.slice(0, n);
    this.queue = this.queue.length === n ? [] : this.queue.slice(n);
    this.queuedBytes -= bytes;
    return batch;
  }

  private async sendWithRetry(batch: PendingSend[]): Promise<void> {
    let sender: DriverSender;
    try {
      sender = await this.sender;
    } catch (err) {
      for (const p of batch) this.fail(p, err);
      return;
    }
    const policy = this.options.retry;
    let remaining = batch;
    for (let attempt = 1; remaining.length > 0; attempt++) {
      const last = attempt >= policy.attempts;
      let outcomes: SendOutcome[];
      try {
        const limits = sender.requestLimits;
        outcomes =
          limits === undefined
            ? await sender.send(remaining)
            : await sendInRequests((entries) => sender.send(entries), remaining, limits);
      } catch (err) {
        if (last || !isRetryable(err)) {
          for (const p of remaining) this.fail(p, this.finalError(err, attempt));
          return;
        }
        await sleep(backoffDelay(policy, attempt), this.abort.signal);
        continue;
      }
      const retry: PendingSend[] = [];
      for (let i = 0; i < remaining.length; i++) {
        const p = remaining[i]!;
        const o = outcomes[i];
        if (o === undefined) {
          this.fail(p, new BrokerUnavailableError(`driver returned no outcome for event ${p.event.id}`));
        } else if (o.ok) {
          const r = o.receipt;
          p.call!.succeed(p.index, {
            id: p.event.id,
            topic: this.topic,
            partition: r.partition,
            offset: r.offset,
            duplicate: r.duplicate,
          });
        } else if (!last && isRetryable(o.error)) {
          retry.push(p);
        } else {
          this.fail(p, this.finalError(o.error, attempt));
        }
      }
      remaining = retry;
      if (remaining.length > 0) await sleep(backoffDelay(policy, attempt), this.abort.signal);
    }
  }

  private finalError(err: unknown, attempts: number): unknown {
    if (err instanceof EventPortError && err.retryable && attempts > 1) {
      return new BrokerUnavailableError(
        `send to "${this.topic}" failed after ${attempts} attempts: ${err.message}`,
        {
          cause: err,
        },
      );
    }
    return err;
  }

  private fail(p: PendingSend, err: unknown): void {
    p.error = err;
    p.call?.fail(err);
  }
}
