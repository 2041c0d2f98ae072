import type { InFlight } from '../api/delivery.js';

/**
 * Keeps leases alive for slow handlers: every `leaseMs / 3` it extends, by
 * `leaseMs`, the lease of each unsettled message whose lease ends within half a
 * lease. One timer per consumer, not per message; unref'd so it never keeps the
 * process alive. Extension failures are reported and otherwise ignored (the
 * broker will redeliver; at-least-once holds).
 */
export class LeaseKeeper {
  private readonly watched = new Set<InFlight>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly leaseMs: number,
    private readonly extend: (rec: InFlight, ms: number) => Promise<void>,
    private readonly onError: (err: unknown) => void,
  ) {}

  watch(rec: InFlight): void {
    rec.leaseUntil = Date.now() + this.leaseMs;
    this.watched.add(rec);
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.tick(), Math.max(10, Math.floor(this.leaseMs / 3)));
      this.timer.unref();
    }
  }

  unwatch(rec: InFlight): void {
    this.watched.delete(rec);
    if (this.watched.size === 0) this.stop();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    const now = Date.now();
    for (const rec of this.watched) {
      if (rec.settled) continue;
      if (rec.leaseUntil - now <= this.leaseMs / 2) {
        rec.leaseUntil = now + this.leaseMs;
        this.extend(rec, this.leaseMs).catch(this.onError);
      }
    }
  }
}
