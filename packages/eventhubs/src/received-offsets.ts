/** What a checkpoint needs of a received event: its sequence number and its offset. */
export interface Positioned {
  readonly sequenceNumber: number;
  readonly offset: string;
}

/** One received batch: its offsets in order, and its sequence numbers when they are not consecutive. */
interface Batch {
  readonly first: number;
  readonly last: number;
  readonly offsets: readonly string[];
  /** Undefined when the batch's sequence numbers are first, first + 1, …, last. */
  readonly seqs: readonly number[] | undefined;
}

/**
 * The offsets of one partition's received events that a checkpoint may still need (a checkpoint
 * names an event by sequence number and offset; the portable layer commits sequence numbers).
 * Kept per received batch, so receiving an event costs an array slot instead of a map entry that
 * lives until the next checkpoint; a commit forgets whole batches before it. Batches must be added
 * in sequence order (as one partition's events arrive). Not shared across partitions.
 */
export class ReceivedOffsets {
  private batches: Batch[] = [];
  private head = 0;

  /** Records a received batch (in sequence order, after every batch added before). */
  add(events: readonly Positioned[]): void {
    const n = events.length;
    if (n === 0) return;
    const first = events[0]!.sequenceNumber;
    const offsets = new Array<string>(n);
    let seqs: number[] | undefined;
    for (let i = 0; i < n; i++) {
      const e = events[i]!;
      offsets[i] = e.offset;
      if (seqs === undefined && e.sequenceNumber !== first + i) {
        seqs = new Array<number>(n);
        for (let k = 0; k < i; k++) seqs[k] = events[k]!.sequenceNumber;
      }
      if (seqs !== undefined) seqs[i] = e.sequenceNumber;
    }
    this.batches.push({ first, last: events[n - 1]!.sequenceNumber, offsets, seqs });
  }

  /** The offset of a received, not yet forgotten event; undefined for any other sequence number. */
  offsetOf(sequenceNumber: number): string | undefined {
    // commits mostly name the newest events: search from the newest batch back
    for (let b = this.batches.length - 1; b >= this.head; b--) {
      const batch = this.batches[b]!;
      if (sequenceNumber > batch.last) return undefined;
      if (sequenceNumber < batch.first) continue;
      if (batch.seqs === undefined) return batch.offsets[sequenceNumber - batch.first];
      const i = indexOf(batch.seqs, sequenceNumber);
      return i < 0 ? undefined : batch.offsets[i];
    }
    return undefined;
  }

  /** Forgets every batch whose events all come before `sequenceNumber`. */
  forgetBefore(sequenceNumber: number): void {
    while (this.head < this.batches.length && this.batches[this.head]!.last < sequenceNumber) this.head++;
    if (this.head === this.batches.length) {
      this.batches = [];
      this.head = 0;
    } else if (this.head > 64 && this.head * 2 > this.batches.length) {
      this.batches = this.batches.slice(this.head);
      this.head = 0;
    }
  }

  /** Batches held (diagnostics and tests). */
  get size(): number {
    return this.batches.length - this.head;
  }
}

/** Index of `value` in an increasing array, or -1. */
function indexOf(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = sorted[mid]!;
    if (v === value) return mid;
    if (v < value) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
