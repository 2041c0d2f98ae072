import { inspect } from 'node:util';
import type { ConsumerEngine } from '../portable/consumer-engine.js';
import type { ConsumerStats } from './handler.js';

export interface CloseOptions {
  /** How long running handlers may take to finish before their events are given back (default 30 s). */
  drainTimeoutMs?: number;
}

/**
 * A running subscription. `close()` stops fetching, lets in-flight handlers
 * finish (up to `drainTimeoutMs`), settles and commits what finished, gives back
 * what did not, and leaves the group. `close` is idempotent; `done` settles when
 * the subscription has ended (rejects if receiving failed for good).
 */
export class Subscription {
  /** Resolves after close; rejects with the error when the subscription died. */
  readonly done: Promise<void>;
  private resolveDone!: () => void;
  private rejectDone!: (err: unknown) => void;
  private closing: Promise<void> | undefined;
  /** Held privately: the engine reaches the receiver, the driver and their credentials. */
  readonly #engine: ConsumerEngine;

  constructor(
    readonly topic: string,
    readonly group: string,
    engine: ConsumerEngine,
    signal: AbortSignal | undefined,
  ) {
    this.#engine = engine;
    this.done = new Promise<void>((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    this.done.catch(() => undefined);
    // Wire the signal before the pump starts, so a failure here cannot leave a running pump behind.
    if (signal !== undefined && !signal.aborted) {
      signal.addEventListener('abort', () => void this.close(), { once: true });
    }
    engine.start((err) => {
      void this.#engine.close(0).finally(() => this.rejectDone(err));
    });
    if (signal?.aborted === true) void this.close();
  }

  /** Counters: received, handled, failed, retried, dead-lettered, duplicates skipped. */
  get stats(): Readonly<ConsumerStats> {
    return { ...this.#engine.stats };
  }

  toJSON(): Record<string, unknown> {
    return { subscription: this.topic, group: this.group, stats: this.stats };
  }

  [inspect.custom](): string {
    return `Subscription(${this.topic}, group ${this.group})`;
  }

  close(options: CloseOptions = {}): Promise<void> {
    this.closing ??= this.#engine.close(options.drainTimeoutMs ?? 30_000).then(
      () => this.resolveDone(),
      (err: unknown) => {
        this.rejectDone(err);
        throw err;
      },
    );
    return this.closing;
  }
}
