/**
 * Per event, the deliveries Event Grid counted that no handler saw: events a receiver released
 * unhandled (a receive answered while the consumer stopped is released at once). The service's
 * `deliveryCount` counts them; the handler attempt is `deliveryCount - given back`.
 *
 * One ledger per process, keyed by topic, subscription and event id, so a consumer that takes
 * over from a closed one (on any connection of this process) corrects by what that one gave back.
 * Bounded (the oldest entries go first). Releases in another process are not known here: they
 * count as attempts. Safe to share: every method runs synchronously on the event loop.
 */
export class GiveBackLedger {
  private readonly counts = new Map<string, number>();

  constructor(private readonly max = 100_000) {}

  /** Deliveries of the event given back unhandled so far. */
  givenBack(subscription: string, eventId: string): number {
    return this.counts.get(`${subscription}\n${eventId}`) ?? 0;
  }

  /** One more delivery of the event was given back without a handler seeing it. */
  add(subscription: string, eventId: string): void {
    const key = `${subscription}\n${eventId}`;
    const value = (this.counts.get(key) ?? 0) + 1;
    this.counts.delete(key);
    this.counts.set(key, value);
    while (this.counts.size > this.max) this.counts.delete(this.counts.keys().next().value!);
  }

  /** The event was acknowledged: nothing more to count. */
  forget(subscription: string, eventId: string): void {
    this.counts.delete(`${subscription}\n${eventId}`);
  }
}

/** The process-wide ledger (see {@link GiveBackLedger}). */
export const processGiveBacks = new GiveBackLedger();
