import { Deque } from './deque.js';

interface Task {
  readonly key: string | undefined;
  readonly run: () => Promise<void>;
}

/**
 * Runs tasks with bounded concurrency while keeping per-key order: tasks with the
 * same key run one at a time, in submission order; tasks with different keys (or
 * no key) run in parallel, up to `concurrency` at once. A task's rejection is the
 * task's own business: the scheduler ignores it and moves on (tasks are expected
 * to handle their errors).
 */
export class KeyedScheduler {
  private running = 0;
  private readonly ready = new Deque<Task>();
  /** Keys with a task running or ready, mapped to the tasks waiting behind it. */
  private readonly waiting = new Map<string, Deque<Task>>();
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly concurrency: number) {}

  /** Tasks submitted and not finished (running + queued). */
  get size(): number {
    let n = this.running + this.ready.length;
    for (const q of this.waiting.values()) n += q.length;
    return n;
  }

  submit(key: string | undefined, run: () => Promise<void>): void {
    const task: Task = { key, run };
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
    while (this.running < this.concurrency) {
      const task = this.ready.shift();
      if (task === undefined) break;
      this.running++;
      let p: Promise<void>;
      try {
        p = task.run();
      } catch {
        p = Promise.resolve();
      }
      p.then(
        () => this.finish(task),
        () => this.finish(task),
      );
    }
  }

  private finish(task: Task): void {
    this.running--;
    if (task.key !== undefined) {
      const q = this.waiting.get(task.key)!;
      const next = q.shift();
      if (next !== undefined) this.ready.push(next);
      else this.waiting.delete(task.key);
    }
    this.pump();
    if (this.running === 0 && this.ready.length === 0 && this.idleWaiters.length > 0 && this.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }
}
