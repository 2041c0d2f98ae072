import type { TrackedDelivery } from './tracked-delivery.js';

/**
 * Keeps leases alive for slow handlers: every `leaseMs / 3` it walks the
 * consumer's in-flight deliveries and extends, by `leaseMs`, the lease of each
 * unsettled one whose lease ends within half a lease. One timer per consumer and
 * no per-message registration (the consumer's own in-flight set is scanned);
 * the timer is unref'd and stops when nothing is in flight.
 *
 * The lease clock starts from the deadline the driver reports at hand-off
 * (`ReceivedMessage.leaseUntil`: a message the driver held back has part of its
 * lease used up), else a full lease from hand-off; with less than half a lease
 * left it is renewed at once. `leaseUntil` moves only when an extension
 * succeeded. A failed one is reported and retried after a short pause while the
 * lease lasts (after that the broker redelivers; at-least-once holds). Renewals
 * and the handler's own extensions of a delivery reach the driver in the order
 * asked ({@link TrackedDelivery.inLeaseOrder}).
 */
export class LeaseKeeper {
  private timer: ReturnType<typeof setInterval> | undefined;
  /** Deliveries with an extension in flight (never two at once for one delivery). */
  private readonly renewing = new Set<TrackedDelivery>();
  /** Pending retries of failed extensions. */
  private readonly retries = new Set<ReturnType<typeof setTimeout>>();

  constructor(
    private readonly leaseMs: number,
    private readonly inFlight: ReadonlySet<TrackedDelivery>,
    private readonly extend: (rec: TrackedDelivery, ms: number) => Promise<void>,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Starts the lease clock of a delivery handed over at `now`. */
  watch(rec: TrackedDelivery, now: number): void {
    rec.leaseUntil = rec.message.leaseUntil ?? now + this.leaseMs;
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.tick(), Math.max(10, Math.floor(this.leaseMs / 3)));
      this.timer.unref();
    }
    if (rec.leaseUntil - now <= this.leaseMs / 2) this.renew(rec);
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    for (const t of this.retries) clearTimeout(t);
    this.retries.clear();
  }

  private tick(): void {
    if (this.inFlight.size === 0) return this.stop();
    const now = Date.now();
    for (const rec of this.inFlight) {
      if (rec.settled || rec.leaseUntil === 0) continue;
      if (rec.leaseUntil - now <= this.leaseMs / 2) this.renew(rec);
    }
  }

  private renew(rec: TrackedDelivery): void {
    if (this.renewing.has(rec)) return;
    this.renewing.add(rec);
    const started = Date.now();
    rec
      .inLeaseOrder(() => this.extend(rec, this.leaseMs))
      .then(
        () => {
          this.renewing.delete(rec);
          rec.leaseUntil = Math.max(rec.leaseUntil, started + this.leaseMs);
        },
        (err: unknown) => {
          this.renewing.delete(rec);
          this.onError(err);
          // Retry soon (the next tick may come after the lease ended), while the lease lasts.
          const pause = Math.max(10, Math.min(1_000, Math.floor(this.leaseMs / 10)));
          if (rec.settled || Date.now() + pause >= rec.leaseUntil) return;
          const t = setTimeout(() => {
            this.retries.delete(t);
            if (!rec.settled && this.inFlight.has(rec)) this.renew(rec);
          }, pause);
          t.unref();
          this.retries.add(t);
        },
      );
  }
}
