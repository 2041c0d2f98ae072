import type { KafkaMessage } from 'kafkajs';
import type { ReceivedMessage } from '@eventport/core/driver';
import { decodeRecord } from './wire.js';

/** A fetched batch waiting in the buffer; `next` is the first record not handed out yet. */
interface Chunk {
  readonly partition: number;
  readonly partitionName: string;
  readonly epoch: number;
  readonly records: KafkaMessage[];
  next: number;
}

/**
 * The records kafkajs fetched and no handler has taken yet, in fetch order, tagged with the
 * assignment epoch they were fetched in: records of an older epoch (the group rebalanced since)
 * are skipped when taken, never handed out. Single-threaded; not shared between receivers.
 */
export class FetchBuffer {
  private chunks: Chunk[] = [];
  private head = 0;
  private count = 0;

  constructor(private readonly topic: string) {}

  /** Records waiting. */
  get size(): number {
    return this.count;
  }

  /** Appends a fetched batch of one partition. */
  push(partition: number, epoch: number, records: KafkaMessage[]): void {
    this.chunks.push({ partition, partitionName: String(partition), epoch, records, next: 0 });
    this.count += records.length;
  }

  /** Forgets everything waiting (a rebalance: the next owner reads it from the committed offset). */
  clear(): void {
    this.chunks = [];
    this.head = 0;
    this.count = 0;
  }

  /**
   * Takes up to `max` records of the current `epoch`, decoded (a record that cannot be decoded
   * comes back `undecodable`, never thrown). The message handle is the epoch.
   */
  take(max: number, epoch: number): ReceivedMessage[] {
    const out: ReceivedMessage[] = [];
    while (out.length < max && this.head < this.chunks.length) {
      const c = this.chunks[this.head]!;
      const records = c.records;
      if (c.epoch !== epoch) {
        this.count -= records.length - c.next;
        c.next = records.length;
      }
      while (c.next < records.length && out.length < max) {
        const record = records[c.next++]!;
        this.count--;
        const decoded = decodeRecord(this.topic, c.partition, record);
        out.push({
          event: decoded.event,
          undecodable: decoded.undecodable,
          deliveryCount: 1,
          partition: c.partitionName,
          offset: Number(record.offset),
          handle: epoch,
        });
      }
      if (c.next >= records.length) this.head++;
    }
    if (this.head >= this.chunks.length) {
      this.chunks = [];
      this.head = 0;
    } else if (this.head > 64) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
    return out;
  }
}
