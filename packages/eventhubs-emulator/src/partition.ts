/**
 * One partition of one hub: an ordered log of events with sequence numbers from 0, offsets
 * (the byte position of the event in the partition's stream, as a decimal string on the wire)
 * and enqueued times that never decrease.
 */
import { encodeDelivered, type ParsedEvent } from './amqp-codec.js';
import { IdempotentProducers } from './idempotence.js';
import type { PartitionLog, StoredEvent } from './persistence.js';
import type { StartPosition } from './selector.js';

export class Partition {
  /** Retained events; `events[head]` is the oldest. */
  private events: StoredEvent[] = [];
  private head = 0;
  private nextSeq = 0;
  private nextOffset = 0;
  private bytesHeld = 0;
  private droppedSinceRewrite = 0;
  private lastEnqueuedMs = 0;
  private readonly listeners = new Set<() => void>();
  /** Idempotent producers publishing to this partition. */
  readonly producers = new IdempotentProducers();

  constructor(
    readonly id: string,
    private readonly log?: PartitionLog,
  ) {
    if (log) {
      for (const e of log.load()) {
        if (e.bytes.length > 0) this.push(e);
        else {
          // a watermark written when retention emptied the file: numbering continues from it
          this.nextSeq = e.seq + 1;
          this.nextOffset = e.offset;
          this.lastEnqueuedMs = e.enqueuedMs;
        }
      }
    }
  }

  private push(e: StoredEvent): void {
    this.events.push(e);
    this.nextSeq = e.seq + 1;
    this.nextOffset = e.offset + e.bytes.length;
    this.bytesHeld += e.bytes.length;
    this.lastEnqueuedMs = e.enqueuedMs;
  }

  /** Sequence number of the oldest retained event (the next one when empty). */
  get beginSequenceNumber(): number {
    return this.events[this.head]?.seq ?? this.nextSeq;
  }
  /** Sequence number of the newest event ever appended, -1 if none. */
  get lastSequenceNumber(): number {
    return this.nextSeq - 1;
  }
  /** Offset of the newest event, -1 if none. */
  get lastOffset(): number {
    return this.last()?.offset ?? -1;
  }
  get lastEnqueuedTimeMs(): number {
    return this.lastEnqueuedMs;
  }
  get isEmpty(): boolean {
    return this.head >= this.events.length;
  }
  /** Sequence number the next appended event gets. */
  get endSequenceNumber(): number {
    return this.nextSeq;
  }

  private last(): StoredEvent | undefined {
    return this.head < this.events.length ? this.events[this.events.length - 1] : undefined;
  }

  /**
   * Appends events in order, stamping each with the broker annotations, persists them (when a
   * log is attached) and wakes the readers. Returns the stored events.
   */
  append(parsed: readonly ParsedEvent[], partitionKey: string | undefined): StoredEvent[] {
    const now = Math.max(Date.now(), this.lastEnqueuedMs);
    const stored: StoredEvent[] = [];
    let seq = this.nextSeq;
    let offset = this.nextOffset;
    for (const p of parsed) {
      const bytes = encodeDelivered(p, {
        sequenceNumber: seq,
        offset,
        enqueuedMs: now,
        partitionKey: p.partitionKey ?? partitionKey,
      });
      stored.push({ seq, offset, enqueuedMs: now, bytes });
      seq++;
      offset += bytes.length;
    }
    this.log?.append(stored); // throws (nothing stored, nothing numbered) if the write fails
    for (const e of stored) this.push(e);
    for (const listener of [...this.listeners]) listener();
    return stored;
  }

  /** The retained event with sequence number `seq`, if any. */
  get(seq: number): StoredEvent | undefined {
    const first = this.events[this.head];
    if (!first || seq < first.seq) return undefined;
    return this.events[this.head + (seq - first.seq)];
  }

  /**
   * The sequence number a reader starting at `position` reads first. May be
   * {@link endSequenceNumber} (nothing to read yet).
   */
  startOf(position: StartPosition): number {
    if (position.kind === 'latest') return this.nextSeq;
    if (position.kind === 'earliest') return this.beginSequenceNumber;
    const field = position.kind === 'offset' ? 'offset' : position.kind === 'sequence' ? 'seq' : 'enqueuedMs';
    const value = position.value;
    // first retained event e with e[field] > value (or >= when inclusive)
    let lo = this.head;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const v = this.events[mid]![field];
      if (position.inclusive ? v >= value : v > value) hi = mid;
      else lo = mid + 1;
    }
    return lo < this.events.length ? this.events[lo]!.seq : this.nextSeq;
  }

  /** Calls `listener` after every append until the returned function is called. */
  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Drops the oldest events older than `retentionMs` (0: no limit) and, while more than
   * `retentionBytes` (0: no limit) are held, the oldest ones. Rewrites the file when much was dropped.
   */
  applyRetention(nowMs: number, retentionMs: number, retentionBytes: number): number {
    let dropped = 0;
    while (this.head < this.events.length) {
      const e = this.events[this.head]!;
      const tooOld = retentionMs > 0 && e.enqueuedMs < nowMs - retentionMs;
      const tooBig = retentionBytes > 0 && this.bytesHeld > retentionBytes;
      if (!tooOld && !tooBig) break;
      this.bytesHeld -= e.bytes.length;
      this.head++;
      dropped++;
    }
    if (this.head > 1024 && this.head * 2 > this.events.length) {
      this.events = this.events.slice(this.head);
      this.head = 0;
    }
    this.droppedSinceRewrite += dropped;
    if (
      this.log &&
      this.droppedSinceRewrite > 0 &&
      this.droppedSinceRewrite >= this.events.length - this.head
    ) {
      const watermark = {
        seq: this.beginSequenceNumber - 1,
        offset: this.events[this.head]?.offset ?? this.nextOffset,
        enqueuedMs: this.lastEnqueuedMs,
        bytes: Buffer.alloc(0),
      };
      this.log.rewrite([watermark, ...this.events.slice(this.head)]);
      this.droppedSinceRewrite = 0;
    }
    return dropped;
  }

  close(): void {
    this.listeners.clear();
    this.log?.close();
  }
}
