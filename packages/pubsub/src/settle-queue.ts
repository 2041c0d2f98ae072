/**
 * Gathers settlement requests (acknowledge, modifyAckDeadline) made in one turn of the event loop
 * into requests of at most `max` ack ids, one per distinct group key (the deadline). Each caller's
 * promise settles with its request: a request that fails rejects every caller in it, unless it
 * resolves with per ack id failures (exactly-once delivery), when only the callers of those ack
 * ids reject, each with its own reason, and the others resolve.
 */
export class SettleQueue<K> {
  private pending = new Map<K, { ids: string[]; waiters: { resolve(): void; reject(e: unknown): void }[] }>();
  private scheduled = false;
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly flushOne: (key: K, ids: string[]) => Promise<ReadonlyMap<string, unknown> | undefined>,
    private readonly max = 1000,
  ) {}

  add(key: K, ackId: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let group = this.pending.get(key);
      if (group === undefined) {
        group = { ids: [], waiters: [] };
        this.pending.set(key, group);
      }
      group.ids.push(ackId);
      group.waiters.push({ resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Sends everything gathered and waits for every request in flight. */
  async drain(): Promise<void> {
    this.flush();
    await Promise.allSettled([...this.running]);
  }

  private flush(): void {
    this.scheduled = false;
    const groups = this.pending;
    this.pending = new Map();
    for (const [key, group] of groups) {
      for (let i = 0; i < group.ids.length; i += this.max) {
        const ids = group.ids.slice(i, i + this.max);
        const waiters = group.waiters.slice(i, i + this.max);
        const op = this.flushOne(key, ids).then(
          (failures) =>
            waiters.forEach((w, j) => {
              const failure = failures?.get(ids[j]!);
              if (failure === undefined) w.resolve();
              else w.reject(failure);
            }),
          (err: unknown) => waiters.forEach((w) => w.reject(err)),
        );
        this.running.add(op);
        void op.finally(() => this.running.delete(op));
      }
    }
  }
}
