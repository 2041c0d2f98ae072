import type { Event } from '@eventport/core/driver';

/** One record of a partition log. */
export interface StoredRecord {
  readonly partition: number;
  readonly offset: number;
  readonly event: Event;
  /** Append time, ms since epoch. */
  readonly timestamp: number;
}

/**
 * An append-only log. Offsets start at 0 and never repeat; retention (by age,
 * or "drop what every group has taken") removes records from the head.
 * Dropped slots are cleared at once (their events can be collected) and the
 * backing array is compacted when at least half of it is dropped.
 */
export class Partition {
  private log: (StoredRecord | undefined)[] = [];
  /** Index in `log` of offset `base`. */
  private head = 0;
  /** Offset of the oldest retained record. */
  base = 0;

  constructor(readonly index: number) {}

  get end(): number {
    return this.base + this.log.length - this.head;
  }

  /** The retained records, oldest first (a copy when the head was trimmed). */
  get records(): StoredRecord[] {
    return (this.head === 0 ? this.log : this.log.slice(this.head)) as StoredRecord[];
  }

  append(event: Event, now: number): StoredRecord {
    const rec: StoredRecord = { partition: this.index, offset: this.end, event, timestamp: now };
    this.log.push(rec);
    return rec;
  }

  at(offset: number): StoredRecord | undefined {
    return offset < this.base ? undefined : this.log[offset - this.base + this.head];
  }

  /** First offset whose timestamp is >= time (the end when none). */
  offsetForTime(time: number): number {
    for (let i = this.head; i < this.log.length; i++) {
      if (this.log[i]!.timestamp >= time) return this.base + i - this.head;
    }
    return this.end;
  }

  /** Drops records appended before `cutoff`. Amortised O(1) per dropped record. */
  trim(cutoff: number): void {
    let offset = this.base;
    while (offset < this.end && this.at(offset)!.timestamp < cutoff) offset++;
    this.dropBefore(offset);
  }

  /** Drops every record below `offset` (no-op when nothing is below it). Amortised O(1) per record. */
  dropBefore(offset: number): void {
    const n = Math.min(offset, this.end) - this.base;
    if (n <= 0) return;
    for (let i = this.head; i < this.head + n; i++) this.log[i] = undefined;
    this.head += n;
    this.base += n;
    if (this.head >= 1024 && this.head * 2 >= this.log.length) {
      this.log = this.log.slice(this.head);
      this.head = 0;
    }
  }
}

/** Where an append landed; `duplicate` is true when an idempotent resend was recognised (nothing appended). */
export interface AppendResult {
  readonly partition: number;
  readonly offset: number;
  readonly duplicate?: boolean;
}

/** An idempotent sender's earlier append, remembered for the dedupe window. */
interface DedupeEntry extends AppendResult {
  readonly duplicate: true;
  readonly at: number;
}

/** A group's read position over a topic (where it takes the next record of each partition). */
export interface TopicReader {
  cursorOf(partition: number): number;
}

/**
 * A topic: partitions, key-hash placement, retention, and the publish dedupe
 * window for idempotent senders (source + id, 5 minutes, bounded).
 *
 * Retention: `retentionMs` > 0 keeps records that long (by age, checked on
 * append at most every retentionMs / 10 and at least every second; Infinity =
 * forever). `retentionMs` 0 is retention off: a record is dropped as soon as
 * every group of the topic has taken it (groups hold the records they still
 * have to settle or redeliver themselves); with no group yet, records wait for
 * the first one. A group created later starts at the oldest record still kept.
 */
export class Topic {
  readonly partitions: Partition[];
  private roundRobin = 0;
  private lastTrim = 0;
  private readonly dedupe = new Map<string, DedupeEntry>();
  private readonly listeners = new Set<() => void>();
  private readonly readers = new Set<TopicReader>();

  constructor(
    readonly name: string,
    partitionCount: number,
    readonly retentionMs: number,
  ) {
    this.partitions = Array.from({ length: partitionCount }, (_, i) => new Partition(i));
  }

  /** Appends an event and wakes the topic's waiting readers; same-key events always land in the same partition. */
  append(event: Event, idempotent: boolean, now = Date.now()): Required<AppendResult> {
    const r = this.appendQuietly(event, idempotent, now);
    this.notifyAppended();
    return { partition: r.partition, offset: r.offset, duplicate: r.duplicate === true };
  }

  /**
   * Appends without waking readers (a batch wakes them once, see {@link notifyAppended}).
   * Returns the stored record itself (no object per append), or the earlier append when an
   * idempotent resend is recognised within the dedupe window.
   */
  appendQuietly(event: Event, idempotent: boolean, now: number): AppendResult {
    const dedupeKey = idempotent ? `${event.source}\u0000${event.id}` : undefined;
    if (dedupeKey !== undefined) {
      const seen = this.dedupe.get(dedupeKey);
      if (seen !== undefined && now - seen.at < DEDUPE_WINDOW_MS) return seen;
    }
    const p = this.partitions[this.partitionFor(event.key)]!;
    if (
      this.retentionMs !== Infinity &&
      this.retentionMs > 0 &&
      now - this.lastTrim >= Math.min(this.retentionMs / 10, 1_000)
    ) {
      this.lastTrim = now;
      for (const part of this.partitions) part.trim(now - this.retentionMs);
    }
    const rec = p.append(event, now);
    if (dedupeKey !== undefined) this.remember(dedupeKey, rec, now);
    return rec;
  }

  /** Wakes the readers waiting for an append (once per batch of appends). */
  notifyAppended(): void {
    for (const l of this.listeners) l();
  }

  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A group reading this topic; with retention off its cursor pins the records it has not taken. */
  addReader(reader: TopicReader): () => void {
    this.readers.add(reader);
    return () => this.readers.delete(reader);
  }

  /** With retention off: drops the records of `partition` that every reader has taken. */
  dropTaken(partition: number): void {
    if (this.retentionMs !== 0) return;
    let min = Infinity;
    for (const r of this.readers) min = Math.min(min, r.cursorOf(partition));
    if (min !== Infinity) this.partitions[partition]!.dropBefore(min);
  }

  get dropsTaken(): boolean {
    return this.retentionMs === 0;
  }

  partitionFor(key: string | undefined): number {
    const n = this.partitions.length;
    if (key === undefined) return this.roundRobin++ % n;
    let h = 0x811c9dc5;
    for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
    return (h >>> 0) % n;
  }

  private remember(key: string, rec: StoredRecord, now: number): void {
    this.dedupe.set(key, { partition: rec.partition, offset: rec.offset, duplicate: true, at: now });
    if (this.dedupe.size > DEDUPE_MAX) {
      const oldest = this.dedupe.keys().next().value;
      if (oldest !== undefined) this.dedupe.delete(oldest);
    }
  }
}

const PARTITION_LABELS = Array.from({ length: 1024 }, (_, i) => String(i));

/** A partition's index as the portable layer names it (a string), without a new string per event. */
export function partitionLabel(index: number): string {
  return PARTITION_LABELS[index] ?? String(index);
}

export const DEDUPE_WINDOW_MS = 5 * 60_000;
const DEDUPE_MAX = 100_000;
