/**
 * Who may read a partition of a consumer group: epoch (owner level) rules and the reader quota.
 *
 * - A reader with epoch `e` is admitted when no reader has a higher epoch; every other reader of
 *   the partition (lower or equal epoch, or none) is then disconnected with `amqp:link:stolen`.
 * - A reader with a lower epoch than an existing one is refused with `amqp:link:stolen`.
 * - A reader without epoch is refused while an epoch reader exists.
 * - At most {@link MAX_READERS} readers without epoch per partition and consumer group; the next
 *   is refused with `amqp:resource-limit-exceeded` (the client's QuotaExceededError).
 */

export const MAX_READERS = 5;

/** A reader as the admission rules see it. */
export interface PartitionReader {
  readonly name: string;
  readonly epoch: number | undefined;
  /** Detaches the reader's link with the given AMQP error. */
  disconnect(condition: string, description: string): void;
}

export interface Refusal {
  readonly condition: string;
  readonly description: string;
}

/** The readers of one partition of one consumer group. */
export class PartitionReaders {
  private readonly readers = new Set<PartitionReader>();

  constructor(private readonly what: string) {}

  /** Admits `reader` or says why not; may disconnect readers it replaces. */
  admit(reader: PartitionReader): Refusal | undefined {
    const epochs = [...this.readers].filter((r) => r.epoch !== undefined);
    const highest = epochs.reduce((max, r) => Math.max(max, r.epoch!), -Infinity);
    if (reader.epoch === undefined) {
      if (epochs.length > 0)
        return {
          condition: 'amqp:link:stolen',
          description: `A receiver with epoch ${highest} exists on ${this.what}; a receiver without epoch cannot be created.`,
        };
      if (this.readers.size >= MAX_READERS)
        return {
          condition: 'amqp:resource-limit-exceeded',
          description: `Exceeded the maximum number of allowed receivers per partition in a consumer group which is ${MAX_READERS} (${this.what}).`,
        };
    } else {
      if (reader.epoch < highest)
        return {
          condition: 'amqp:link:stolen',
          description: `A receiver with a higher epoch ${highest} exists on ${this.what}; a receiver with epoch ${reader.epoch} cannot be created.`,
        };
      for (const other of [...this.readers]) {
        this.readers.delete(other);
        other.disconnect(
          'amqp:link:stolen',
          `New receiver '${reader.name}' with higher or equal epoch ${reader.epoch} was created on ${this.what}; '${other.name}' is disconnected.`,
        );
      }
    }
    this.readers.add(reader);
    return undefined;
  }

  remove(reader: PartitionReader): void {
    this.readers.delete(reader);
  }

  get size(): number {
    return this.readers.size;
  }
}
