/**
 * The idempotent consumer's memory: which events (by source + id) already had
 * their effect. `add` is called after a handler succeeded and before the ack,
 * so a crash between the effect and the ack is caught on redelivery.
 *
 * Implementations may be called concurrently for different keys; the consumer
 * never calls `add` twice concurrently for the same key.
 */
export interface IdempotencyStore {
  /** Whether `key` was recorded and has not expired. */
  has(key: string): Promise<boolean> | boolean;
  /** Records `key` for `ttlMs`. Idempotent. */
  add(key: string, ttlMs: number): Promise<void> | void;
  /** Releases resources (flushes a durable store). Idempotent. */
  close?(): Promise<void> | void;
}

/** The key under which an event is remembered: its source and id (CloudEvents identity). */
export function idempotencyKey(event: { readonly source: string; readonly id: string }): string {
  return `${event.source}\u0000${event.id}`;
}

/**
 * An in-process store with a TTL and a size bound (oldest entries go first).
 * Forgets everything on restart: use FileIdempotencyStore to survive one.
 */
export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly entries = new Map<string, number>();

  constructor(
    private readonly maxEntries = 1_000_000,
    private readonly now: () => number = Date.now,
  ) {}

  has(key: string): boolean {
    const expires = this.entries.get(key);
    if (expires === undefined) return false;
    if (expires <= this.now()) {
      this.entries.delete(key);
      return false;
    }
    return true;
  }

  add(key: string, ttlMs: number): void {
    this.entries.delete(key);
    this.entries.set(key, this.now() + ttlMs);
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
