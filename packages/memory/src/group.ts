import type { ReceivedMessage, StartPosition } from '@eventport/core/driver';
import { InflightLeases } from './inflight-leases.js';
import { partitionLabel, type StoredRecord, type Topic, type TopicReader } from './topic.js';

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
  /** Handed out and not settled (kept by the group's in-flight list). */
  live = false;

  constructor(
    readonly record: StoredRecord,
    readonly deliveryCount: number,
    leaseUntil: number,
  ) {
    this.event = record.event;
    this.partition = partitionLabel(record.partition);
    this.offset = record.offset;
    this.leaseUntil = leaseUntil;
  }

  get handle(): Lease {
    return this;
  }
}

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
  private readonly inflight = new InflightLeases<Lease>();
  /** Keys held back, mapped to their waiting records (ordered groups only). */
  private readonly busyKeys = new Map<string, StoredRecord[]>();
  private rr = 0;
  /** Receivers waiting for something deliverable (see {@link wait}). */
  private waiters: Waiter[] = [];
  /** One timer for every waiter's deadline, armed for the earliest (ref'd only while someone waits). */
  private waitTimer: ReturnType<typeof setTimeout> | undefined;
  private waitTimerAt = Infinity;
  /** Abort signals whose abort already wakes this group's waiters (one listener per signal). */
  private readonly abortWatched = new WeakSet<AbortSignal>();
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

  /**
   * Waits until something may be deliverable, `ms` passes or `signal` aborts. It may also
   * resolve early (another waiter's signal aborted): callers check again and wait again.
   * No timer or listener per call: waits share one timer per group and one abort listener
   * per signal, since a busy receiver waits once per batch.
   */
  wait(ms: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    if (!this.abortWatched.has(signal)) {
      this.abortWatched.add(signal);
      signal.addEventListener('abort', () => this.wake(), { once: true });
    }
    const until = Date.now() + ms;
    return new Promise((resolve) => {
      this.waiters.push({ until, resolve });
      this.armWaitTimer(until);
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
    for (const lease of this.inflight.snapshot()) if (lease.owner === owner) this.nack(lease, 0);
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
    this.wake();
    if (this.waitTimer !== undefined) clearTimeout(this.waitTimer);
    this.waitTimer = undefined;
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
    for (const lease of this.inflight.snapshot()) {
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
    if (this.waiters.length === 0) return;
    const woken = this.waiters;
    this.waiters = [];
    this.waitTimer?.unref(); // nobody waits: the armed timer must not hold the process open
    for (const w of woken) w.resolve();
  }

  private armWaitTimer(until: number): void {
    if (this.waitTimer !== undefined && this.waitTimerAt <= until) {
      this.waitTimer.ref();
      return;
    }
    if (this.waitTimer !== undefined) clearTimeout(this.waitTimer);
    this.waitTimerAt = until;
    this.waitTimer = setTimeout(() => this.expireWaits(), Math.max(0, until - Date.now()));
  }

  /** The wait timer fired: resolves the waits that are due, re-arms for the next deadline. */
  private expireWaits(): void {
    this.waitTimer = undefined;
    this.waitTimerAt = Infinity;
    const now = Date.now();
    const due: Waiter[] = [];
    const left: Waiter[] = [];
    for (const w of this.waiters) (w.until <= now ? due : left).push(w);
    this.waiters = left;
    let next = Infinity;
    for (const w of left) next = Math.min(next, w.until);
    if (next !== Infinity) this.armWaitTimer(next);
    for (const w of due) w.resolve();
  }
}

interface Waiter {
  readonly until: number;
  readonly resolve: () => void;
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
