import type { Event } from '@eventport/core';

/** One record of a partition log. */
export interface StoredRecord {
  readonly partition: number;
  readonly offset: number;
  readonly event: Event;
  /** Append time, ms since epoch. */
  readonly timestamp: number;
}

/** An append-only log. Offsets start at 0 and never repeat; retention trims the head. */
export class Partition {
  records: StoredRecord[] = [];
  /** Offset of records[0]. */
  base = 0;

  constructor(readonly index: number) {}

  get end(): number {
    return this.base + this.records.length;
  }

  append(event: Event, now: number): StoredRecord {
    const rec: StoredRecord = { partition: this.index, offset: this.end, event, timestamp: now };
    this.records.push(rec);
    return rec;
  }

  at(offset: number): StoredRecord | undefined {
    return this.records[offset - this.base];
  }

  /** First offset whose timestamp is >= time (the end when none). */
  offsetForTime(time: number): number {
    const i = this.records.findIndex((r) => r.timestamp >= time);
    return i < 0 ? this.end : this.base + i;
  }

  /** Drops records appended before `cutoff`. Amortised O(1) per dropped record. */
  trim(cutoff: number): void {
    const first = this.records[0];
    if (first === undefined || first.timestamp >= cutoff) return;
    let n = 1;
    while (n < this.records.length && this.records[n]!.timestamp < cutoff) n++;
    this.records.splice(0, n);
    this.base += n;
  }
}

/**
 * A topic: partitions, key-hash placement, retention by age (checked on append,
 * at most every retentionMs / 10 and at least every second), and the publish
 * dedupe window for idempotent senders (source + id, 5 minutes, bounded).
 */
export class Topic {
  readonly partitions: Partition[];
  private roundRobin = 0;
  private lastTrim = 0;
  private readonly dedupe = new Map<string, { partition: number; offset: number; at: number }>();
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly name: string,
    partitionCount: number,
    readonly retentionMs: number,
  ) {
    this.partitions = Array.from({ length: partitionCount }, (_, i) => new Partition(i));
  }

  /** Appends an event; same-key events always land in the same partition. */
  append(
    event: Event,
    idempotent: boolean,
    now = Date.now(),
  ): { partition: number; offset: number; duplicate: boolean } {
    const dedupeKey = idempotent ? `${event.source}\u0000${event.id}` : undefined;
    if (dedupeKey !== undefined) {
      const seen = this.dedupe.get(dedupeKey);
      if (seen !== undefined && now - seen.at < DEDUPE_WINDOW_MS)
        return { partition: seen.partition, offset: seen.offset, duplicate: true };
    }
    const p = this.partitions[this.partitionFor(event.key)]!;
    if (this.retentionMs !== Infinity && now - this.lastTrim >= Math.min(this.retentionMs / 10, 1_000)) {
      this.lastTrim = now;
      for (const part of this.partitions) part.trim(now - this.retentionMs);
    }
    const rec = p.append(event, now);
    if (dedupeKey !== undefined) this.remember(dedupeKey, rec, now);
    for (const l of this.listeners) l();
    return { partition: rec.partition, offset: rec.offset, duplicate: false };
  }

  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  partitionFor(key: string | undefined): number {
    const n = this.partitions.length;
    if (key === undefined) return this.roundRobin++ % n;
    let h = 0x811c9dc5;
    for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
    return (h >>> 0) % n;
  }

  private remember(key: string, rec: StoredRecord, now: number): void {
    this.dedupe.set(key, { partition: rec.partition, offset: rec.offset, at: now });
    if (this.dedupe.size > DEDUPE_MAX) {
      const oldest = this.dedupe.keys().next().value;
      if (oldest !== undefined) this.dedupe.delete(oldest);
    }
  }
}

export const DEDUPE_WINDOW_MS = 5 * 60_000;
const DEDUPE_MAX = 100_000;
