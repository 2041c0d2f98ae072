import type { ICustomPartitioner, Message, PartitionerArgs } from 'kafkajs';
import { HEADER_PREFIX } from './wire.js';

/**
 * Where each record goes.
 *
 * - A keyed event goes to `toPositive(murmur2(utf8(key))) % partitions`, the Java client's
 *   placement (`BuiltInPartitioner.partitionForKey`), so Java, kafkajs' DefaultPartitioner and
 *   librdkafka's `murmur2_random` producers agree on where a key lives. kafkajs' DefaultPartitioner
 *   is that same algorithm (verified: test/partitioner.test.ts checks both against placements
 *   computed by kafka-clients 4.1.1 itself); this module uses a 32-bit-integer implementation of it
 *   because kafkajs' Long-based one costs ~1.5 µs per short key.
 * - An unkeyed event goes by the same hash of its CloudEvents id instead of round-robin: a resend
 *   of a batch lands on the same partitions, so the idempotent producer's per-partition sequence
 *   numbers line up and the broker recognises the resend.
 *
 * The partition chosen for a record is written into it (`message.partition`), so that a retry of
 * the same messages goes to the same partitions and the sender can compute per-event offsets from
 * the per-partition base offsets of the produce response.
 */

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** Kafka's murmur2 (MurmurHash2, seed 0x9747b28c) of `data`, as a signed 32-bit integer like Java's. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = SEED ^ length;
  const end = length & ~3;
  for (let i = 0; i < end; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const rest = length & 3;
  if (rest === 3) h ^= data[end + 2]! << 16;
  if (rest >= 2) h ^= data[end + 1]! << 8;
  if (rest >= 1) h = Math.imul(h ^ data[end]!, M);
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's murmur2 of a string's UTF-8 bytes; ASCII strings are hashed without encoding them first. */
export function murmur2String(s: string): number {
  const length = s.length;
  for (let i = 0; i < length; i++) if (s.charCodeAt(i) > 0x7f) return murmur2(Buffer.from(s, 'utf8'));
  let h = SEED ^ length;
  const end = length & ~3;
  for (let i = 0; i < end; i += 4) {
    let k =
      s.charCodeAt(i) |
      (s.charCodeAt(i + 1) << 8) |
      (s.charCodeAt(i + 2) << 16) |
      (s.charCodeAt(i + 3) << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const rest = length & 3;
  if (rest === 3) h ^= s.charCodeAt(end + 2) << 16;
  if (rest >= 2) h ^= s.charCodeAt(end + 1) << 8;
  if (rest >= 1) h = Math.imul(h ^ s.charCodeAt(end), M);
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** The Java client's partition for a key: `(murmur2(utf8(key)) & 0x7fffffff) % partitions`. */
export function partitionForKey(key: string | Uint8Array, partitions: number): number {
  const hash = typeof key === 'string' ? murmur2String(key) : murmur2(key);
  return (hash & 0x7fffffff) % partitions;
}

export const eventPortPartitioner: ICustomPartitioner = () => {
  let roundRobin = 0;
  return ({ partitionMetadata, message }: PartitionerArgs): number => {
    const n = partitionMetadata.length;
    let partition: number;
    if (message.partition !== undefined && message.partition !== null) partition = message.partition;
    else if (message.key !== undefined && message.key !== null) partition = partitionForKey(message.key, n);
    else {
      const id = message.headers?.[`${HEADER_PREFIX}id`];
      if (typeof id === 'string' || Buffer.isBuffer(id)) partition = partitionForKey(id, n);
      else partition = roundRobin++ % n;
    }
    message.partition = partition;
    return partition;
  };
};

/** The partition the partitioner picked for `message` (after it was sent). */
export function partitionOf(message: Message): number | undefined {
  return message.partition ?? undefined;
}
