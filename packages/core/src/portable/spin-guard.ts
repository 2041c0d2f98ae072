import { sleep } from './sleep.js';

/** An empty receive faster than this did not wait for messages. */
const QUICK_EMPTY_MS = 5;
const FIRST_BACKOFF_MS = 10;
const MAX_BACKOFF_MS = 250;

/**
 * Keeps a receive loop from spinning. A receiver's contract is to wait (a poll interval, a long
 * poll) before answering with nothing; one that returns an empty batch at once — a closed
 * connection, a driver bug — would otherwise pin a CPU and starve timers and I/O. After an empty
 * receive that did not wait, the loop sleeps, doubling from 10 ms up to 250 ms, and the first such
 * backoff is reported once. A non-empty receive resets it. Not shared between loops.
 */
export class SpinGuard {
  private backoffMs = 0;
  private reported = false;

  constructor(private readonly report: () => void) {}

  /** Call after an empty receive that took `elapsedMs`; resolves when the loop may poll again. */
  async emptyReceive(elapsedMs: number, signal: AbortSignal): Promise<void> {
    if (elapsedMs >= QUICK_EMPTY_MS) {
      this.backoffMs = 0;
      return;
    }
    this.backoffMs = this.backoffMs === 0 ? FIRST_BACKOFF_MS : Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
    if (!this.reported) {
      this.reported = true;
      this.report();
    }
    await sleep(this.backoffMs, signal);
  }

  /** A receive returned messages: the receiver is healthy again. */
  reset(): void {
    this.backoffMs = 0;
  }
}
