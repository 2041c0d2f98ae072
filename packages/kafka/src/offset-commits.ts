import type { Consumer } from 'kafkajs';
import type { Logger } from '@eventport/core/driver';
import { isStaleGeneration } from './errors.js';
import type { CommitPoints, TransactionalOutputs } from './transactions.js';

/** What this member knows of one assigned partition's commits. */
export interface CommitFloor {
  /** First offset fetched in this assignment (the group's position when it began); commits must pass it. */
  floor: number | undefined;
  /** Last offset committed in this assignment. */
  committed: number | undefined;
}

export interface OffsetCommitsDeps {
  readonly consumer: Consumer;
  readonly topic: string;
  readonly group: string;
  readonly intervalMs: number;
  readonly logger: Logger;
  /** Exactly-once receivers: commits go through the transactional producer with the staged outputs. */
  readonly tx: TransactionalOutputs | undefined;
  /** The partitions this member holds now, and its assignment's epoch. */
  readonly assignment: () => {
    readonly partitions: ReadonlyMap<number, CommitFloor>;
    readonly epoch: number;
  };
  readonly isClosed: () => boolean;
  /** A transaction failed for good: the receiver stops with this error. */
  readonly fail: (err: unknown, why: string) => void;
}

/**
 * The Kafka receiver's commit points not yet written: the newest next-offset per partition (the
 * portable layer's contiguous tracker decides them; this only batches the I/O). Written together
 * every `intervalMs`, on `flush()` (a rebalance starting, close, an at-most-once batch), one write
 * at a time (callers of a queued flush share it). Forward-only, and only for partitions this
 * member holds past the assignment's first fetched offset; a point for a partition not held is
 * kept until the member holds it again (the next assignment drops it by `retainOnly`). A failed
 * write is logged and retried on the next interval; a stale generation's points are dropped by
 * the next assignment.
 */
export class OffsetCommits {
  private readonly pending = new Map<number, number>();
  private flushTail: Promise<void> = Promise.resolve();
  private flushQueued: Promise<void> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly deps: OffsetCommitsDeps) {}

  /** Records `next` as partition `p`'s commit point when it is ahead of the pending one. */
  record(p: number, next: number): void {
    if (!(next > (this.pending.get(p) ?? -1))) return;
    this.pending.set(p, next);
    this.schedule();
  }

  /** Whether a point waits for partition `p`. */
  has(p: number): boolean {
    return this.pending.has(p);
  }

  /** Forgets the points of partitions this member no longer holds (a new assignment). */
  retainOnly(held: ReadonlyMap<number, unknown>): void {
    for (const p of [...this.pending.keys()]) if (!held.has(p)) this.pending.delete(p);
  }

  schedule(): void {
    if (this.timer !== undefined || this.deps.isClosed()) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.deps.intervalMs);
  }

  /** Stops the interval (close); a flush still writes what is pending. */
  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Writes everything pending (one write at a time; callers share a queued one). */
  flush(): Promise<void> {
    if (this.flushQueued !== undefined) return this.flushQueued;
    const run = this.flushTail.then(() => {
      this.flushQueued = undefined;
      return this.write();
    });
    this.flushQueued = run;
    this.flushTail = run.catch(() => undefined);
    return run;
  }

  /** Partitions whose commit point can advance now: held by this member, past the assignment's start. */
  private committable(): CommitPoints {
    const { partitions } = this.deps.assignment();
    const out: { partition: number; next: number }[] = [];
    for (const [p, next] of this.pending) {
      const s = partitions.get(p);
      if (s === undefined || s.floor === undefined) continue; // kept until this member holds p again
      if (next <= (s.committed ?? s.floor)) {
        this.pending.delete(p);
        continue;
      }
      out.push({ partition: p, next });
    }
    return out;
  }

  private async write(): Promise<void> {
    const commits = this.committable();
    if (commits.length === 0) return;
    const { epoch } = this.deps.assignment();
    const { tx, consumer, topic, group, logger } = this.deps;
    if (tx !== undefined) return this.writeTransaction(tx, commits, epoch);
    try {
      await consumer.commitOffsets(
        commits.map((c) => ({ topic, partition: c.partition, offset: String(c.next) })),
      );
    } catch (err) {
      const what = isStaleGeneration(err)
        ? 'the group rebalanced; the events are read again from the last commit'
        : 'it is retried';
      logger.warn(`offset commit failed (${what})`, { topic, group, error: err });
      this.schedule();
      return;
    }
    this.written(commits, epoch);
  }

  private async writeTransaction(
    tx: TransactionalOutputs,
    commits: CommitPoints,
    epoch: number,
  ): Promise<void> {
    const outcome = await tx.commit(commits, (p) => this.deps.assignment().partitions.has(p));
    if (outcome.kind === 'committed') this.written(commits, epoch);
    else if (outcome.kind === 'retry') this.schedule();
    else this.deps.fail(outcome.error, outcome.why);
  }

  private written(commits: CommitPoints, epoch: number): void {
    const assignment = this.deps.assignment();
    if (epoch !== assignment.epoch) return;
    for (const c of commits) {
      const s = assignment.partitions.get(c.partition);
      if (s !== undefined) s.committed = Math.max(s.committed ?? -1, c.next);
      if (this.pending.get(c.partition) === c.next) this.pending.delete(c.partition);
    }
  }
}
