/**
 * Per message, the deliveries Pub/Sub counted that no handler saw: messages a receiver gave back
 * unhandled (ModifyAckDeadline 0 at close for buffered and held-back messages, a Pull answered
 * while the receiver closed, held messages given back with their key). Pub/Sub's
 * `deliveryAttempt` counts them; the handler attempt is `deliveryAttempt - given back`.
 *
 * One ledger per process, so a consumer that takes over a subscription from a closed one (on any
 * connection of this process) corrects by what that one gave back. Bounded (the oldest entries go
 * first). Give-backs in another process are not known here: they count as attempts, and the
 * subscription's maxDeliveryAttempts keeps a margin above the retry budget for them.
 * Safe to share: every method runs synchronously on the event loop.
 */
export class GiveBackLedger {
  private readonly counts = new Map<string, number>();

  constructor(private readonly max = 100_000) {}

  /** Deliveries of the message given back unhandled so far. */
  givenBack(subscription: string, messageId: string): number {
    return this.counts.get(`${subscription}\n${messageId}`) ?? 0;
  }

  /** One more delivery of the message was given back without a handler seeing it. */
  add(subscription: string, messageId: string): void {
    const key = `${subscription}\n${messageId}`;
    const value = (this.counts.get(key) ?? 0) + 1;
    this.counts.delete(key);
    this.counts.set(key, value);
    while (this.counts.size > this.max) this.counts.delete(this.counts.keys().next().value!);
  }

  /** The message was acknowledged (or dead-lettered): nothing more to count. */
  forget(subscription: string, messageId: string): void {
    this.counts.delete(`${subscription}\n${messageId}`);
  }
}

/** The process-wide ledger (see {@link GiveBackLedger}). */
export const processGiveBacks = new GiveBackLedger();
