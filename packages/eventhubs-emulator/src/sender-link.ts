/**
 * A client's sender link to `<hub>` or `<hub>/Partitions/<p>` (our receiving end): takes each
 * transfer, places its events and accepts it once they are stored (and persisted).
 *
 * Placement contract: a link to a partition writes there; otherwise a partition key (on the
 * batch envelope or its first event) picks the partition by {@link partitionForKey}; events
 * without key go round-robin, one whole transfer per partition so a batch stays together.
 * A transfer larger than `maxMessageSize` is rejected with `amqp:link:message-size-exceeded`
 * (the client's MessageTooLargeError) and nothing of it is stored. On an idempotent producer's
 * link a retried transfer is accepted without being stored again (see idempotence.ts).
 */
import rhea from 'rhea';
import type { Delivery, Message } from 'rhea';
import { parseSend } from './amqp-codec.js';
import type { Hub } from './namespace.js';
import type { Partition } from './partition.js';
import { partitionForKey } from './partition-key.js';

export class HubSenderLink {
  constructor(
    private readonly hub: Hub,
    private readonly partition: Partition | undefined,
    private readonly maxMessageSize: number,
    /** Set for an idempotent producer's link (always a partition link). */
    private readonly idempotent = false,
  ) {}

  /** Stores the events of one transfer and settles it. */
  onTransfer(message: Message | Buffer, delivery: Delivery & { format?: number }): void {
    const format = delivery.format ?? 0;
    const bytes = Buffer.isBuffer(message) ? message : rhea.message.encode(message);
    if (bytes.length > this.maxMessageSize) {
      delivery.reject({
        condition: 'amqp:link:message-size-exceeded',
        description: `The received message (delivery-id:${delivery.id}, size:${bytes.length} bytes) exceeds the limit (${this.maxMessageSize} bytes) currently allowed on the link.`,
      });
      return;
    }
    let parsed;
    try {
      parsed = parseSend(bytes, Buffer.isBuffer(message) ? format : 0);
    } catch (err) {
      delivery.reject({
        condition: 'amqp:decode-error',
        description: `cannot decode the message: ${(err as Error).message}`,
      });
      return;
    }
    const target = this.place(parsed.partitionKey);
    const producer = parsed.producer;
    if (this.idempotent) {
      if (!producer) {
        delivery.reject({
          condition: 'amqp:invalid-field',
          description: 'an idempotent producer must annotate its transfers',
        });
        return;
      }
      const verdict = target.producers.admit(
        producer.producerId,
        producer.epoch,
        producer.sequence,
        parsed.events.length,
      );
      if (verdict === 'duplicate') return void delivery.accept(); // a retry of a stored transfer
      if (verdict !== 'store') return void delivery.reject(verdict);
    }
    try {
      target.append(parsed.events, parsed.partitionKey);
    } catch (err) {
      delivery.reject({
        condition: 'amqp:internal-error',
        description: `cannot store the events: ${(err as Error).message}`,
      });
      return;
    }
    if (this.idempotent && producer)
      target.producers.commit(
        producer.producerId,
        producer.epoch,
        producer.sequence + parsed.events.length - 1,
      );
    delivery.accept();
  }

  private place(partitionKey: string | undefined): Partition {
    if (this.partition) return this.partition;
    if (partitionKey !== undefined)
      return this.hub.partitions[partitionForKey(partitionKey, this.hub.partitions.length)]!;
    return this.hub.nextRoundRobin();
  }
}
