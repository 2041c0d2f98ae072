/**
 * Contiguous-commit tracking for log brokers: a checkpoint never passes an
 * unsettled event. Offsets are tracked per partition as they are dispatched;
 * `settle` marks one done and returns the new committable position (the offset
 * after the longest settled prefix) when it advanced, else undefined.
 * Not thread-safe by design: JavaScript runs it on one thread.
 */
export class CommitTracker {
  private readonly partitions = new Map<string, PartitionState>();

  /** Registers a dispatched offset. Offsets of a partition must be tracked in increasing order. */
  track(partition: string, offset: number): void {
    let p = this.partitions.get(partition);
    if (p === undefined) {
      p = { pending: new Set(), order: [], head: 0, committed: undefined };
      this.partitions.set(partition, p);
    }
    p.pending.add(offset);
    p.order.push(offset);
  }

  /**
   * Marks `offset` settled. Returns the next offset to commit if the contiguous
   * prefix advanced, else undefined. Settling an untracked or already settled
   * offset is a no-op.
   */
  settle(partition: string, offset: number): number | undefined {
    const p = this.partitions.get(partition);
    if (p === undefined || !p.pending.delete(offset)) return undefined;
    let advanced: number | undefined;
    while (p.head < p.order.length && !p.pending.has(p.order[p.head]!)) {
      advanced = p.order[p.head]! + 1;
      p.head++;
    }
    if (p.head > 1024) {
      p.order = p.order.slice(p.head);
      p.head = 0;
    }
    if (advanced !== undefined) p.committed = advanced;
    return advanced;
  }

  /** The last committable position of a partition (undefined before any settle). */
  committed(partition: string): number | undefined {
    return this.partitions.get(partition)?.committed;
  }

  /** Offsets dispatched and not yet settled, per partition. */
  unsettled(partition: string): number {
    return this.partitions.get(partition)?.pending.size ?? 0;
  }

  /** Forgets a partition (after it was revoked). */
  forget(partition: string): void {
    this.partitions.delete(partition);
  }
}

interface PartitionState {
  pending: Set<number>;
  order: number[];
  head: number;
  committed: number | undefined;
}
