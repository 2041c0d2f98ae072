import type { InFlight } from '../api/delivery.js';

/**
 * Keeps leases alive for slow handlers: every `leaseMs / 3` it walks the
 * consumer's in-flight deliveries and extends, by `leaseMs`, the lease of each
 * unsettled one whose lease ends within half a lease. One timer per consumer and
 * no per-message registration (the consumer's own in-flight set is scanned);
 * the timer is unref'd and stops when nothing is in flight. Extension failures
 * are reported and otherwise ignored (the broker redelivers; at-least-once holds).
 */
export class LeaseKeeper {
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly leaseMs: number,
    private readonly inFlight: ReadonlySet<InFlight>,
    private readonly extend: (rec: InFlight, ms: number) => Promise<void>,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Starts the lease clock of a delivery received at `now`. */
  watch(rec: InFlight, now: number): void {
    rec.leaseUntil = now + this.leaseMs;
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.tick(), Math.max(10, Math.floor(this.leaseMs / 3)));
      this.timer.unref();
    }
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    if (this.inFlight.size === 0) return this.stop();
    const now = Date.now();
    for (const rec of this.inFlight) {
      if (rec.settled || rec.leaseUntil === 0) continue;
      if (rec.leaseUntil - now <= this.leaseMs / 2) {
        rec.leaseUntil = now + this.leaseMs;
        this.extend(rec, this.leaseMs).catch(this.onError);
      }
    }
  }
}
