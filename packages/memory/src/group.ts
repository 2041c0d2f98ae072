import type { ReceivedMessage, StartPosition } from '@eventport/core/driver';
import type { StoredRecord, Topic, TopicReader } from './topic.js';

/**
 * A message handed to a receiver. It is also the driver's ReceivedMessage
 * (no second object per delivery): `handle` is the lease itself.
 */
export class Lease implements ReceivedMessage {
  readonly event;
  readonly partition: string;
  readonly offset: number;
  /** The receiver holding it (released when that receiver closes). */
  owner: unknown;
  leaseUntil: number;

  constructor(
    readonly record: StoredRecord,
    readonly deliveryCount: number,
    leaseUntil: number,
  ) {
    this.event = record.event;
    this.partition = PARTITION_LABELS[record.partition] ?? String(record.partition);
    this.offset = record.offset;
    this.leaseUntil = leaseUntil;
  }

  get handle(): Lease {
    return this;
  }
}

const PARTITION_LABELS = Array.from({ length: 1024 }, (_, i) => String(i));

/** A record waiting for (re)delivery with the deliveries it already had. */
interface Pending {
  readonly record: StoredRecord;
  readonly delivered: number;
}

interface Retry extends Pending {
  readonly availableAt: number;
}

export interface GroupSettings {
  readonly orderedByKey: boolean;
  readonly deadLetter?: { readonly topic: string; readonly maxDeliveries: number };
}

export class Group implements TopicReader {
  private readonly cursors: number[];
  private readonly ready: Pending[] = [];
  private retries: Retry[] = [];
  private readonly inflight = new Set<Lease>();
  /** Keys held back, mapped to their waiting records (ordered groups only). */
  private readonly busyKeys = new Map<string, StoredRecord[]>();
  private rr = 0;
  private waiters = new Set<() => void>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private closed = false;
  private readonly unsubscribe: () => void;
  private readonly removeReader: () => void;
  settings: GroupSettings;

  constructor(
    readonly topic: Topic,
    readonly name: string,
    from: StartPosition,
    settings: GroupSettings,
    private readonly deadLetterSink: (
      record: StoredRecord,
      reason: string,
      attempts: number,
      topic: string,
    ) => void,
  ) {
    this.settings = settings;
    this.cursors = topic.partitions.map((p) => startOffset(p, from));
    this.unsubscribe = topic.onAppend(() => this.wake());
    this.removeReader = topic.addReader(this);
  }

  cursorOf(partition: number): number {
    return this.cursors[partition]!;
  }

  /** Takes up to `max` deliverable messages now, leased for `leaseMs` (possibly none; always none once closed). */
  take(max: number, leaseMs: number, now = Date.now()): Lease[] {
    if (this.closed) return [];
    this.promoteDue(now);
    const out: Lease[] = [];
    while (out.length < max && this.ready.length > 0) {
      const p = this.ready.shift()!;
      this.push(out, p.record, p.delivered, now + leaseMs);
    }
    const n = this.cursors.length;
    const dropTaken = this.topic.dropsTaken;
    for (let scanned = 0; out.length < max && scanned < n;) {
      const p = this.topic.partitions[this.rr]!;
      const cursor = Math.max(this.cursors[this.rr]!, p.base);
      if (cursor >= p.end) {
        if (dropTaken) this.topic.dropTaken(this.rr);
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
      this.push(out, rec, 0, now + leaseMs);
      scanned = 0;
    }
    if (dropTaken && out.length > 0) this.topic.dropTaken(this.rr);
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

  /** Settles a lease for good. A lease that expired (and was handed out again) is ignored. */
  ack(lease: Lease): void {
    if (!this.inflight.delete(lease)) return;
    this.finish(lease.record);
  }

  nack(lease: Lease, delayMs: number, now = Date.now()): void {
    if (!this.inflight.delete(lease)) return;
    this.retries.push({ record: lease.record, delivered: lease.deliveryCount, availableAt: now + delayMs });
    this.startTimer();
    if (delayMs <= 0) this.wake();
  }

  deadLetter(lease: Lease, reason: string): void {
    const dlq = this.settings.deadLetter;
    if (dlq === undefined || !this.inflight.delete(lease)) return;
    this.deadLetterSink(lease.record, reason, lease.deliveryCount, dlq.topic);
    this.finish(lease.record);
  }

  extend(lease: Lease, ms: number, now = Date.now()): void {
    if (this.inflight.has(lease)) lease.leaseUntil = now + ms;
  }

  /** Returns every lease held by `owner` for immediate redelivery (its receiver closed). */
  release(owner: unknown): void {
    for (const lease of [...this.inflight]) if (lease.owner === owner) this.nack(lease, 0);
  }

  /** Messages delivered and not settled. */
  get inflightCount(): number {
    return this.inflight.size;
  }

  /** The topic was deleted (or the instance reset): receivers still holding the group get nothing more. */
  close(): void {
    this.closed = true;
    this.unsubscribe();
    this.removeReader();
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    for (const w of [...this.waiters]) w();
  }

  private push(out: Lease[], record: StoredRecord, delivered: number, leaseUntil: number): void {
    const dlq = this.settings.deadLetter;
    if (dlq !== undefined && delivered >= dlq.maxDeliveries) {
      this.deadLetterSink(record, `exceeded ${dlq.maxDeliveries} deliveries`, delivered, dlq.topic);
      this.finish(record);
      return;
    }
    const lease = new Lease(record, delivered + 1, leaseUntil);
    this.inflight.add(lease);
    out.push(lease);
  }

  /** A record is done (acked or dead-lettered): let its key move on. */
  private finish(record: StoredRecord): void {
    const key = record.event.key;
    if (!this.settings.orderedByKey || key === undefined) return;
    const waiting = this.busyKeys.get(key);
    if (waiting === undefined) return;
    const next = waiting.shift();
    if (next === undefined) this.busyKeys.delete(key);
    else {
      this.ready.push({ record: next, delivered: 0 });
      this.wake();
    }
  }

  private promoteDue(now: number): void {
    if (this.retries.length > 0) {
      const due = this.retries.filter((r) => r.availableAt <= now);
      if (due.length > 0) {
        this.retries = this.retries.filter((r) => r.availableAt > now);
        due.sort((a, b) => a.record.offset - b.record.offset);
        this.ready.unshift(...due);
      }
    }
  }

  private expireLeases(now: number): void {
    for (const lease of this.inflight) {
      if (lease.leaseUntil <= now) {
        this.inflight.delete(lease);
        this.retries.push({ record: lease.record, delivered: lease.deliveryCount, availableAt: now });
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

function startOffset(
  p: { base: number; end: number; offsetForTime(t: number): number },
  from: StartPosition,
): number {
  if (from === 'earliest') return p.base;
  if (from === 'latest') return p.end;
  if ('offset' in from) return Math.max(p.base, Math.min(from.offset, p.end));
  return p.offsetForTime(from.time.getTime());
}
