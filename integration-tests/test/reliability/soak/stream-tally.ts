/**
 * What a soak stream counts, per key and in total. An event is `{ k, s }`: key index and its
 * sequence number within the key (0, 1, 2, … in send order).
 *
 * - sent: events the broker acknowledged (a send that failed and was resent counts once)
 * - received: distinct events handled at least once
 * - duplicates: deliveries beyond the first
 * - lost: acknowledged events never handled
 * - outOfOrder: first deliveries of an event after a later event of its key was first delivered
 *   (a per-key order violation; a redelivery is a duplicate, not counted here)
 * - redeliveredAfterLater: duplicates that came after a later event of their key (the 0,1,2,1
 *   pattern: harmless to idempotent handlers, a broken sequence to the others)
 */
export interface StreamCounts {
  readonly sent: number;
  readonly received: number;
  readonly duplicates: number;
  readonly lost: number;
  readonly outOfOrder: number;
  readonly redeliveredAfterLater: number;
}

export class StreamTally {
  private readonly acked: Set<number>[];
  private readonly seen: Map<number, number>[];
  private readonly highest: number[];
  private duplicates = 0;
  private outOfOrder = 0;
  private redeliveredAfterLater = 0;
  /** The first per-key violations, described. */
  readonly firstBad: string[] = [];

  constructor(readonly keys: number) {
    this.acked = Array.from({ length: keys }, () => new Set<number>());
    this.seen = Array.from({ length: keys }, () => new Map<number, number>());
    this.highest = Array.from({ length: keys }, () => -1);
  }

  /** The broker acknowledged event `s` of key `k`. */
  sent(k: number, s: number): void {
    this.acked[k]!.add(s);
  }

  /** A handler ran for event `s` of key `k`. */
  received(k: number, s: number): void {
    const seen = this.seen[k]!;
    const count = (seen.get(s) ?? 0) + 1;
    seen.set(s, count);
    const later = s < this.highest[k]!;
    if (count > 1) {
      this.duplicates++;
      if (later) this.redeliveredAfterLater++;
    } else if (later) {
      this.outOfOrder++;
      this.note(`key ${k}: #${s} first delivered after #${this.highest[k]}`);
    }
    if (s > this.highest[k]!) this.highest[k] = s;
  }

  /** Events acknowledged and not handled yet, as `k:s` (what a broker that keeps nothing loses now). */
  unhandled(): string[] {
    const out: string[] = [];
    this.acked.forEach((set, k) => {
      for (const s of set) if (!this.seen[k]!.has(s)) out.push(`${k}:${s}`);
    });
    return out;
  }

  /** How many of `events` (`k:s`) were never handled. */
  neverHandled(events: Iterable<string>): number {
    let n = 0;
    for (const e of events) {
      const [k, s] = e.split(':').map(Number) as [number, number];
      if (!this.seen[k]!.has(s)) n++;
    }
    return n;
  }

  /** Whether every acknowledged event was handled. */
  caughtUp(): boolean {
    return this.acked.every((set, k) => [...set].every((s) => this.seen[k]!.has(s)));
  }

  counts(): StreamCounts {
    let sent = 0;
    let received = 0;
    let lost = 0;
    for (let k = 0; k < this.keys; k++) {
      sent += this.acked[k]!.size;
      received += this.seen[k]!.size;
      for (const s of this.acked[k]!) if (!this.seen[k]!.has(s)) lost++;
    }
    return {
      sent,
      received,
      duplicates: this.duplicates,
      lost,
      outOfOrder: this.outOfOrder,
      redeliveredAfterLater: this.redeliveredAfterLater,
    };
  }

  private note(line: string): void {
    if (this.firstBad.length < 5) this.firstBad.push(line);
  }
}
