/**
 * A client's receiver link on `<hub>/ConsumerGroups/<cg>/Partitions/<p>` (our sending end):
 * delivers the partition's events from the start position of its selector filter, as far as
 * the credit the client granted allows, and follows new events as they arrive. Deliveries are
 * pre-settled (the client never settles Event Hubs deliveries; progress is its checkpoint).
 * A link that desires `com.microsoft:enable-receiver-runtime-metric` gets the partition's
 * last enqueued sequence number, offset and time in each delivery's delivery annotations.
 */
import type { Sender } from 'rhea';
import { withRuntimeMetrics } from './amqp-codec.js';
import type { Partition } from './partition.js';
import type { PartitionReader, PartitionReaders, Refusal } from './readers.js';
import type { StartPosition } from './selector.js';

export class PartitionReaderLink implements PartitionReader {
  private cursor: number;
  private unsubscribe: (() => void) | undefined;
  private closed = false;

  constructor(
    private readonly sender: Sender,
    private readonly partition: Partition,
    private readonly readers: PartitionReaders,
    position: StartPosition,
    readonly epoch: number | undefined,
    /** Add the partition's runtime metrics to every delivery (the client's trackLastEnqueuedEventProperties). */
    private readonly runtimeMetrics = false,
  ) {
    this.cursor = partition.startOf(position);
  }

  get name(): string {
    return this.sender.name;
  }

  /** Registers with the partition's readers; returns the refusal if the rules say no. */
  start(): Refusal | undefined {
    const refusal = this.readers.admit(this);
    if (refusal) return refusal;
    this.unsubscribe = this.partition.onAppend(() => this.pump());
    return undefined;
  }

  /** Sends retained events from the cursor while the link has credit and window. */
  pump(): void {
    if (this.closed) return;
    const sender = this.sender;
    while (this.cursor < this.partition.endSequenceNumber && sender.sendable()) {
      const begin = this.partition.beginSequenceNumber;
      if (this.cursor < begin) this.cursor = begin; // retention dropped what the reader had not read
      const event = this.partition.get(this.cursor);
      if (!event) break;
      const bytes = this.runtimeMetrics
        ? withRuntimeMetrics(event.bytes, {
            lastSequenceNumber: this.partition.lastSequenceNumber,
            lastOffset: this.partition.lastOffset,
            lastEnqueuedMs: this.partition.lastEnqueuedTimeMs,
            retrievedMs: Date.now(),
          })
        : event.bytes;
      sender.send(bytes, undefined, 0);
      this.cursor++;
    }
  }

  /** Detaches the link with an AMQP error (epoch stealing). */
  disconnect(condition: string, description: string): void {
    this.dispose();
    this.sender.close({ condition, description });
  }

  /** Stops following the partition; the link is gone or going. */
  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe?.();
    this.readers.remove(this);
  }
}
