import { Deque } from './deque.js';

/**
 * Runs `run(item)` for submitted items with bounded concurrency while keeping
 * per-key order: items with the same key run one at a time, in submission order;
 * items with different keys (or no key) run in parallel, up to `concurrency` at
 * once. `run` returns a promise while it works, or undefined when it finished
 * synchronously (then the next item starts without an extra turn). `run` must
 * not throw or reject; it handles its own errors (a rejection is ignored).
 */
export class KeyedScheduler<T> {
  private running = 0;
  private pumping = false;
  private readonly ready = new Deque<T>();
  /**
   * Keys with an item running or ready, mapped to the items waiting behind it (null until a
   * second item of the key arrives: most keys never queue, so no queue is allocated for them).
   */
  private readonly waiting = new Map<string, Deque<T> | null>();
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly concurrency: number,
    private readonly run: (item: T) => Promise<void> | undefined,
    /** The ordering key of an item (undefined: no ordering). Must return the same key every time. */
    private readonly keyOf: (item: T) => string | undefined,
  ) {}

  /** Items submitted and not finished (running + queued). */
  get size(): number {
    let n = this.running + this.ready.length;
    for (const q of this.waiting.values()) if (q !== null) n += q.length;
    return n;
  }

  /** True when nothing is running or queued: a caller may then run items itself, in order (see adopt). */
  get isIdle(): boolean {
    return this.running === 0 && this.ready.length === 0 && this.waiting.size === 0;
  }

  /**
   * Takes over an item the caller started itself while the scheduler was idle and that is
   * still working (`pending`): it holds a slot and its key until `pending` settles, exactly
   * as if it had been submitted and started first. Only valid while `isIdle` is true.
   */
  adopt(item: T, pending: Promise<void>): void {
    this.running++;
    const key = this.keyOf(item);
    if (key !== undefined) this.waiting.set(key, null);
    pending.then(
      () => this.finish(item),
      () => this.finish(item),
    );
  }

  submit(item: T): void {
    const key = this.keyOf(item);
    if (key !== undefined) {
      const q = this.waiting.get(key);
      if (q !== undefined) {
        if (q !== null) q.push(item);
        else {
          const queue = new Deque<T>();
          queue.push(item);
          this.waiting.set(key, queue);
        }
        return;
      }
      this.waiting.set(key, null);
    }
    this.ready.push(item);
    this.pump();
  }

  /** Resolves when nothing is running or queued. */
  idle(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    if (this.pumping) return; // re-entered from a synchronous task: the outer loop continues
    this.pumping = true;
    try {
      while (this.running < this.concurrency) {
        if (this.ready.length === 0) break;
        const item = this.ready.shift() as T;
        this.running++;
        let pending: Promise<void> | undefined;
        try {
          pending = this.run(item);
        } catch {
          pending = undefined;
        }
        if (pending === undefined) this.release(item);
        else
          pending.then(
            () => this.finish(item),
            () => this.finish(item),
          );
      }
    } finally {
      this.pumping = false;
    }
    if (this.running === 0 && this.idleWaiters.length > 0 && this.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private finish(item: T): void {
    this.release(item);
    this.pump();
  }

  /** Frees the item's slot and makes the next item of its key ready. */
  private release(item: T): void {
    this.running--;
    const key = this.keyOf(item);
    if (key !== undefined) {
      const q = this.waiting.get(key);
      if (q !== undefined && q !== null && q.length > 0) this.ready.push(q.shift() as T);
      else this.waiting.delete(key);
    }
  }
}
