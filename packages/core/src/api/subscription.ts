import type { ConsumerEngine, ConsumerStats } from './consumer-engine.js';

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

  constructor(
    readonly topic: string,
    readonly group: string,
    private readonly engine: ConsumerEngine,
    signal: AbortSignal | undefined,
  ) {
    this.done = new Promise<void>((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    this.done.catch(() => undefined);
    engine.start((err) => {
      void this.engine.close(0).finally(() => this.rejectDone(err));
    });
    if (signal !== undefined) {
      if (signal.aborted) void this.close();
      else signal.addEventListener('abort', () => void this.close(), { once: true });
    }
  }

  /** Counters: received, handled, failed, retried, dead-lettered, duplicates skipped. */
  get stats(): Readonly<ConsumerStats> {
    return { ...this.engine.stats };
  }

  close(options: CloseOptions = {}): Promise<void> {
    this.closing ??= this.engine.close(options.drainTimeoutMs ?? 30_000).then(
      () => this.resolveDone(),
      (err: unknown) => {
        this.rejectDone(err);
        throw err;
      },
    );
    return this.closing;
  }
}
