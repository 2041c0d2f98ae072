import { isRetryable, sleep } from '@eventport/core/driver';

interface Pending<T> {
  readonly item: T;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Gathers single operations (delete this receipt handle, change that one's
 * visibility) into batch requests of up to `max` entries: a batch goes out when
 * it is full or at the end of the current turn of the event loop, and several
 * batches may be in flight at once. `run` returns one error (or undefined) per
 * item; a retryable failure of a whole request is retried a few times.
 */
export class Coalescer<T> {
  private pending: Pending<T>[] = [];
  private scheduled = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly run: (items: readonly T[]) => Promise<readonly (Error | undefined)[]>,
    private readonly max = 10,
    private readonly attempts = 3,
  ) {}

  add(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length >= this.max) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.flush();
        });
      }
    });
  }

  /** Sends everything pending now and waits for every request in flight. */
  async drain(): Promise<void> {
    this.flush();
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private flush(): void {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.max);
      const op = this.send(batch).finally(() => this.inFlight.delete(op));
      this.inFlight.add(op);
    }
  }

  private async send(batch: Pending<T>[]): Promise<void> {
    const items = batch.map((p) => p.item);
    for (let attempt = 1; ; attempt++) {
      try {
        const errors = await this.run(items);
        batch.forEach((p, i) => (errors[i] === undefined ? p.resolve() : p.reject(errors[i])));
        return;
      } catch (err) {
        if (attempt >= this.attempts || !isRetryable(err)) {
          for (const p of batch) p.reject(err);
          return;
        }
        await sleep(50 * 3 ** (attempt - 1));
      }
    }
  }
}
