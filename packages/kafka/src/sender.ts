import type { Message, Producer, RecordMetadata } from 'kafkajs';
import {
  ClosedError,
  encodeData,
  type DriverReceipt,
  type DriverSender,
  type OutgoingEvent,
  type RequestLimits,
  type SendOutcome,
} from '@eventport/core/driver';
import type { Event } from '@eventport/core/driver';
import { encodeRecord } from './wire.js';
import { mapKafkaError } from './errors.js';
import { partitionOf } from './partitioner.js';

/**
 * An upper bound of an event's record size, cheap to compute: payload bytes plus every attribute at
 * up to 3 UTF-8 bytes per UTF-16 unit, plus record framing. Used to keep each partition's record
 * batch under the broker's message.max.bytes.
 */
function sizeEstimate(e: Event): number {
  let chars = e.id.length + e.source.length + e.type.length + 64;
  if (e.time !== undefined) chars += e.time.length;
  if (e.subject !== undefined) chars += e.subject.length;
  if (e.datacontenttype !== undefined) chars += e.datacontenttype.length;
  if (e.dataschema !== undefined) chars += e.dataschema.length;
  if (e.key !== undefined) chars += e.key.length;
  for (const name in e.extensions) chars += name.length + 8 + String(e.extensions[name]).length;
  return (encodeData(e).bytes?.byteLength ?? 0) + 3 * chars + 64;
}

/** How long, and how many, ids an idempotent sender remembers per process. */
export const DEDUPE_TTL_MS = 5 * 60_000;
export const DEDUPE_MAX_ENTRIES = 100_000;

/**
 * Ids written by idempotent senders of this process, per cluster and topic: a resend of an id
 * written in the last 5 minutes is answered with the first receipt instead of being written again.
 * In-flight writes are shared, so two producers racing on one id write it once.
 */
export class SentIds {
  private readonly done = new Map<string, { receipt: DriverReceipt; expires: number }>();
  private readonly inflight = new Map<string, Promise<DriverReceipt | undefined>>();

  constructor(
    private readonly ttlMs = DEDUPE_TTL_MS,
    private readonly maxEntries = DEDUPE_MAX_ENTRIES,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string): DriverReceipt | Promise<DriverReceipt | undefined> | undefined {
    const hit = this.done.get(key);
    if (hit !== undefined) {
      if (hit.expires > this.now()) return hit.receipt;
      this.done.delete(key);
    }
    return this.inflight.get(key);
  }

  begin(key: string, result: Promise<DriverReceipt | undefined>): void {
    this.inflight.set(key, result);
  }

  end(key: string, receipt: DriverReceipt | undefined): void {
    this.inflight.delete(key);
    if (receipt === undefined) return;
    this.done.delete(key);
    this.done.set(key, { receipt, expires: this.now() + this.ttlMs });
    if (this.done.size > this.maxEntries) {
      const oldest = this.done.keys().next().value;
      if (oldest !== undefined) this.done.delete(oldest);
    }
  }
}

const processIds = new SentIds();
/** The process-wide memory of idempotent sends. */
export function sentIds(): SentIds {
  return processIds;
}

/**
 * Sends batches to one topic through a shared kafkajs producer. The portable layer cuts a batch
 * into size-bounded requests (`requestLimits`); each `send` is one produce request, and its
 * receipts carry the partition and offset of every event. The sender never retries by itself
 * (kafkajs retries are 0 for at-least-once producers; the idempotent producer's own retries reuse
 * its sequence numbers); the portable layer does.
 */
export class KafkaSender implements DriverSender {
  /**
   * One produce request per `maxRequestBytes` (estimated): a partition's record batch must stay
   * under the broker's message.max.bytes. One request at a time, so a failed one stops the batch
   * and a retry keeps per-key order; an event whose estimate alone is larger goes by itself (its
   * real size was checked against maxEventSize, and the broker has the last word).
   */
  readonly requestLimits: RequestLimits;
  private closed = false;

  constructor(
    private readonly producer: () => Promise<Producer>,
    private readonly topic: string,
    /** Set for idempotent senders: the key prefix (cluster + topic) under which ids are remembered. */
    private readonly dedupeScope: string | undefined,
    maxRequestBytes: number,
  ) {
    this.requestLimits = {
      maxEntries: Number.MAX_SAFE_INTEGER,
      maxBytes: maxRequestBytes,
      concurrency: 1,
      entrySize: sizeEstimate,
      oversize: 'alone',
    };
  }

  async send(batch: readonly OutgoingEvent[]): Promise<SendOutcome[]> {
    if (this.closed) throw new ClosedError(`kafka sender for "${this.topic}"`);
    const outcomes = new Array<SendOutcome | undefined>(batch.length);
    const toSend: number[] = [];
    const waits: { index: number; pending: Promise<DriverReceipt | undefined> }[] = [];
    const settle = new Map<number, (r: DriverReceipt | undefined) => void>();
    const ids = this.dedupeScope === undefined ? undefined : sentIds();
    const firstInBatch = new Map<string, number>();
    for (let i = 0; i < batch.length; i++) {
      if (ids === undefined) {
        toSend.push(i);
        continue;
      }
      const e = batch[i]!.event;
      const key = `${this.dedupeScope}\u0000${e.source}\u0000${e.id}`;
      const seen = ids.get(key);
      const earlier = firstInBatch.get(key);
      if (seen instanceof Promise) waits.push({ index: i, pending: seen });
      else if (seen !== undefined) outcomes[i] = { ok: true, receipt: { ...seen, duplicate: true } };
      else if (earlier !== undefined)
        waits.push({ index: i, pending: ids.get(key) as Promise<DriverReceipt | undefined> });
      else {
        firstInBatch.set(key, i);
        let resolve!: (r: DriverReceipt | undefined) => void;
        const p = new Promise<DriverReceipt | undefined>((r) => (resolve = r));
        ids.begin(key, p);
        settle.set(i, (r) => {
          ids.end(key, r);
          resolve(r);
        });
        toSend.push(i);
      }
    }
    try {
      await this.write(batch, toSend, outcomes);
    } finally {
      for (const [i, done] of settle) {
        const o = outcomes[i];
        done(o !== undefined && o.ok ? o.receipt : undefined);
      }
    }
    for (const { index, pending } of waits) {
      const receipt = await pending;
      outcomes[index] =
        receipt !== undefined
          ? { ok: true, receipt: { ...receipt, duplicate: true } }
          : {
              ok: false,
              error: mapKafkaError(
                new Error('a concurrent send of the same event failed'),
                `sending to "${this.topic}"`,
              ),
            };
    }
    for (let i = 0; i < outcomes.length; i++) {
      if (outcomes[i] === undefined)
        outcomes[i] = { ok: false, error: new ClosedError(`kafka sender for "${this.topic}"`) };
    }
    return outcomes as SendOutcome[];
  }

  /** Writes the selected entries in one produce call; fills their `outcomes` (throws, mapped, when it fails). */
  private async write(
    batch: readonly OutgoingEvent[],
    indexes: readonly number[],
    outcomes: (SendOutcome | undefined)[],
  ): Promise<void> {
    if (indexes.length === 0) return;
    const producer = await this.producer().catch((err: unknown) => {
      throw mapKafkaError(err, `connecting the producer for "${this.topic}"`, this.topic);
    });
    const messages: Message[] = indexes.map((i) => encodeRecord(batch[i]!.event));
    let metadata: RecordMetadata[];
    try {
      metadata = await producer.send({ topic: this.topic, messages, acks: -1 });
    } catch (err) {
      throw mapKafkaError(err, `sending to "${this.topic}"`, this.topic);
    }
    const base = new Map<number, number>();
    for (const m of metadata)
      if (m.topicName === this.topic) base.set(m.partition, Number(m.baseOffset ?? m.offset ?? -1));
    const next = new Map<number, number>();
    for (let k = 0; k < messages.length; k++) {
      const partition = partitionOf(messages[k]!);
      let receipt: DriverReceipt = {};
      if (partition !== undefined) {
        const first = base.get(partition);
        const n = next.get(partition) ?? 0;
        next.set(partition, n + 1);
        receipt =
          first !== undefined && first >= 0
            ? { partition: String(partition), offset: first + n }
            : { partition: String(partition) };
      }
      outcomes[indexes[k]!] = { ok: true, receipt };
    }
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}
