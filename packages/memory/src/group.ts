import type { StartPosition } from '@eventport/core/driver';
import type { StoredRecord, Topic } from './topic.js';

/** A message handed to a receiver: the record, its delivery count and a token for settling. */
export interface Lease {
  readonly token: number;
  readonly record: StoredRecord;
  readonly deliveryCount: number;
  leaseUntil: number;
}

interface Retry {
  readonly record: StoredRecord;
  readonly availableAt: number;
}

export interface GroupSettings {
  readonly orderedByKey: boolean;
  readonly deadLetter?: { readonly topic: string; readonly maxDeliveries: number };
}

/**
 * A consumer group (subscription) on one topic: a cursor per partition plus the
 * queue semantics on top — leases with expiry, nack with delay, delivery counts,
 * per-key order (a key with a message in flight or awaiting redelivery holds its
 * later messages back), native dead-lettering after `maxDeliveries`.
 * Receivers of the same group compete for its messages; groups are independent.
 */
export class Group {
  private readonly cursors: number[];
  private readonly ready: StoredRecord[] = [];
  private retries: Retry[] = [];
  private readonly inflight = new Map<number, Lease>();
  private readonly counts = new Map<StoredRecord, number>();
  /** Keys held back, mapped to their waiting records (ordered groups only). */
  private readonly busyKeys = new Map<string, StoredRecord[]>();
  private nextToken = 1;
  private rr = 0;
  private waiters = new Set<() => void>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly unsubscribe: () => void;
  settings: GroupSettings;

  constructor(
    readonly topic: Topic,
    readonly name: string,
    from: StartPosition,
    settings: GroupSettings,
    private readonly deadLetterSink: (record: StoredRecord, reason: string, attempts: number, topic: string) => void,
  ) {
    this.settings = settings;
    this.cursors = topic.partitions.map((p) => startOffset(p, from));
    this.unsubscribe = topic.onAppend(() => this.wake());
  }

  /** Takes up to `max` deliverable messages now (possibly none). */
  take(max: number, now = Date.now()): Lease[] {
    this.promoteDue(now);
    const out: Lease[] = [];
    while (out.length < max && this.ready.length > 0) this.push(out, this.ready.shift()!, now);
    const n = this.cursors.length;
    for (let scanned = 0; out.length < max && scanned < n; ) {
      const p = this.topic.partitions[this.rr]!;
      const cursor = Math.max(this.cursors[this.rr]!, p.base);
      if (cursor >= p.end) {
        this.rr = (this.rr + 1) % n;
        scanned++;
        continue;
      }
      this.cursors[this.rr] = cursor + 1;
      const rec = p.at(cursor)!;
      const key = rec.event.key;
      if (this.settings.orderedByKey && key !== undefined) {
        const waiting = this.busyKeys.get(key);
        if (waiting !== undefined) {
          waiting.push(rec);
          continue;
        }
        this.busyKeys.set(key, []);
      }
      this.push(out, rec, now);
      scanned = 0;
    }
    if (this.inflight.size > 0 || this.retries.length > 0) this.startTimer();
    return out;
  }

  /** Waits until something may be deliverable, `ms` passes or `signal` aborts. */
  wait(ms: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        this.waiters.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.waiters.add(done);
    });
  }

  ack(token: number): void {
    const lease = this.inflight.get(token);
    if (lease === undefined) return;
    this.inflight.delete(token);
    this.finish(lease.record);
  }

  nack(token: number, delayMs: number, now = Date.now()): void {
    const lease = this.inflight.get(token);
    if (lease === undefined) return;
    this.inflight.delete(token);
    this.retries.push({ record: lease.record, availableAt: now + delayMs });
    this.startTimer();
    if (delayMs <= 0) this.wake();
  }

  deadLetter(token: number, reason: string): void {
    const lease = this.inflight.get(token);
    const dlq = this.settings.deadLetter;
    if (lease === undefined || dlq === undefined) return;
    this.inflight.delete(token);
    this.deadLetterSink(lease.record, reason, lease.deliveryCount, dlq.topic);
    this.finish(lease.record);
  }

  extend(token: number, ms: number, now = Date.now()): void {
    const lease = this.inflight.get(token);
    if (lease !== undefined) lease.leaseUntil = now + ms;
  }

  /** Returns leases to the group for immediate redelivery (a receiver closed). */
  release(tokens: Iterable<number>): void {
    for (const t of tokens) this.nack(t, 0);
  }

  /** Messages delivered and not settled. */
  get inflightCount(): number {
    return this.inflight.size;
  }

  close(): void {
    this.unsubscribe();
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    for (const w of [...this.waiters]) w();
  }

  leaseMs = 30_000;

  private push(out: Lease[], record: StoredRecord, now: number): void {
    const deliveryCount = (this.counts.get(record) ?? 0) + 1;
    const dlq = this.settings.deadLetter;
    if (dlq !== undefined && deliveryCount > dlq.maxDeliveries) {
      this.deadLetterSink(record, `exceeded ${dlq.maxDeliveries} deliveries`, deliveryCount - 1, dlq.topic);
      this.finish(record);
      return;
    }
    this.counts.set(record, deliveryCount);
    const lease: Lease = { token: this.nextToken++, record, deliveryCount, leaseUntil: now + this.leaseMs };
    this.inflight.set(lease.token, lease);
    out.push(lease);
  }

  /** A record is done (acked or dead-lettered): forget its count, let its key move on. */
  private finish(record: StoredRecord): void {
    this.counts.delete(record);
    const key = record.event.key;
    if (!this.settings.orderedByKey || key === undefined) return;
    const waiting = this.busyKeys.get(key);
    if (waiting === undefined) return;
    const next = waiting.shift();
    if (next === undefined) this.busyKeys.delete(key);
    else {
      this.ready.push(next);
      this.wake();
    }
  }

  private promoteDue(now: number): void {
    if (this.retries.length > 0) {
      const due = this.retries.filter((r) => r.availableAt <= now);
      if (due.length > 0) {
        this.retries = this.retries.filter((r) => r.availableAt > now);
        due.sort((a, b) => a.record.offset - b.record.offset);
        this.ready.unshift(...due.map((r) => r.record));
      }
    }
  }

  private expireLeases(now: number): void {
    for (const [token, lease] of this.inflight) {
      if (lease.leaseUntil <= now) {
        this.inflight.delete(token);
        this.retries.push({ record: lease.record, availableAt: now });
      }
    }
  }

  private startTimer(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.tick(), 5);
    this.timer.unref();
  }

  private tick(): void {
    const now = Date.now();
    this.expireLeases(now);
    if (this.retries.some((r) => r.availableAt <= now)) this.wake();
    if (this.inflight.size === 0 && this.retries.length === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }
}

function startOffset(p: { base: number; end: number; offsetForTime(t: number): number }, from: StartPosition): number {
  if (from === 'earliest') return p.base;
  if (from === 'latest') return p.end;
  if ('offset' in from) return Math.max(p.base, Math.min(from.offset, p.end));
  return p.offsetForTime(from.time.getTime());
}
