import { Deque } from './deque.js';

interface Task<T> {
  readonly key: string | undefined;
  readonly item: T;
}

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
  private readonly ready = new Deque<Task<T>>();
  /** Keys with an item running or ready, mapped to the items waiting behind it. */
  private readonly waiting = new Map<string, Deque<Task<T>>>();
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly concurrency: number,
    private readonly run: (item: T) => Promise<void> | undefined,
  ) {}

  /** Items submitted and not finished (running + queued). */
  get size(): number {
    let n = this.running + this.ready.length;
    for (const q of this.waiting.values()) n += q.length;
    return n;
  }

  submit(key: string | undefined, item: T): void {
    const task: Task<T> = { key, item };
    if (key !== undefined) {
      const q = this.waiting.get(key);
      if (q !== undefined) {
        q.push(task);
        return;
      }
      this.waiting.set(key, new Deque());
    }
    this.ready.push(task);
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
        const task = this.ready.shift();
        if (task === undefined) break;
        this.running++;
        let pending: Promise<void> | undefined;
        try {
          pending = this.run(task.item);
        } catch {
          pending = undefined;
        }
        if (pending === undefined) this.release(task);
        else
          pending.then(
            () => this.finish(task),
            () => this.finish(task),
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

  private finish(task: Task<T>): void {
    this.release(task);
    this.pump();
  }

  /** Frees the task's slot and makes the next item of its key ready. */
  private release(task: Task<T>): void {
    this.running--;
    if (task.key !== undefined) {
      const q = this.waiting.get(task.key)!;
      const next = q.shift();
      if (next !== undefined) this.ready.push(next);
      else this.waiting.delete(task.key);
    }
  }
}
