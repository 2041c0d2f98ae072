import { randomBytes } from 'node:crypto';
import kafkajs from 'kafkajs';
import type { PartitionMetadata } from 'kafkajs';
import { eventPortPartitioner, murmur2, murmur2String, partitionForKey } from '../src/partitioner.js';

/**
 * Placements computed by the Java client itself (kafka-clients 4.1.1, the jar the integration
 * broker runs): `Utils.murmur2(key.getBytes(UTF_8))` and
 * `BuiltInPartitioner.partitionForKey(keyBytes, n)` for n = 1, 3, 4, 6, 12, 100.
 * The first six hashes are also the vectors of Kafka's own UtilsTest.testMurmur2.
 */
const JAVA: readonly [string, number, readonly number[]][] = [
  ['cust-42', 1534714832, [0, 2, 0, 2, 8, 32]],
  ['order-1', 1221710326, [0, 1, 2, 4, 10, 26]],
  ['a', -1563381124, [0, 1, 0, 4, 4, 24]],
  ['21', -973932308, [0, 0, 0, 0, 0, 40]],
  ['foobar', -790332482, [0, 0, 2, 0, 6, 66]],
  ['a-little-bit-long-string', -985981536, [0, 2, 0, 2, 8, 12]],
  ['', 275646681, [0, 0, 1, 3, 9, 81]],
  ['key-0', 29210041, [0, 1, 1, 1, 1, 41]],
  ['key-1', 193331640, [0, 0, 0, 0, 0, 40]],
  ['key-2', 852269702, [0, 2, 2, 2, 2, 2]],
  ['key-3', -1839136101, [0, 2, 3, 5, 11, 47]],
  ['key-99', -876232990, [0, 1, 2, 4, 10, 58]],
  ['émoji-🙂', 721488709, [0, 1, 1, 1, 1, 9]],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971, [0, 2, 1, 5, 5, 77]],
];
const COUNTS = [1, 3, 4, 6, 12, 100];

function metadata(n: number): PartitionMetadata[] {
  return Array.from({ length: n }, (_, i) => ({
    partitionErrorCode: 0,
    partitionId: i,
    leader: 1,
    replicas: [1],
    isr: [1],
  }));
}

describe('murmur2 partitioner', () => {
  it.each(JAVA)('hashes %j like the Java client', (key, hash) => {
    expect(murmur2(Buffer.from(key, 'utf8'))).toBe(hash);
  });

  it.each(JAVA)('places %j where the Java client does', (key, _hash, placements) => {
    COUNTS.forEach((n, i) => expect(partitionForKey(key, n)).toBe(placements[i]));
  });

  it("kafkajs' DefaultPartitioner is the Java-compatible one (same placements)", () => {
    const kafkajsDefault = kafkajs.Partitioners.DefaultPartitioner();
    for (const [key, , placements] of JAVA) {
      COUNTS.forEach((n, i) =>
        expect(
          kafkajsDefault({ topic: 't', partitionMetadata: metadata(n), message: { key, value: null } }),
        ).toBe(placements[i]),
      );
    }
  });

  it('agrees with kafkajs on 5,000 random keys of every length up to 64 bytes', () => {
    const kafkajsDefault = kafkajs.Partitioners.DefaultPartitioner();
    const meta = metadata(97);
    for (let i = 0; i < 5_000; i++) {
      const key = randomBytes(i % 65);
      const ours = partitionForKey(key, 97);
      expect(ours).toBe(
        kafkajsDefault({ topic: 't', partitionMetadata: meta, message: { key, value: null } }),
      );
    }
  });

  it('places keyed records by key and unkeyed ones by their CloudEvents id (stable across resends)', () => {
    const partitioner = eventPortPartitioner();
    const meta = metadata(12);
    expect(
      partitioner({ topic: 't', partitionMetadata: meta, message: { key: 'cust-42', value: null } }),
    ).toBe(8);
    const byId = { value: null, headers: { ce_id: 'key-3' } };
    expect(partitioner({ topic: 't', partitionMetadata: meta, message: byId })).toBe(11);
    expect(partitioner({ topic: 't', partitionMetadata: meta, message: { ...byId } })).toBe(11);
    expect(partitioner({ topic: 't', partitionMetadata: meta, message: { value: null, partition: 5 } })).toBe(
      5,
    );
    const noId = [0, 1, 2].map(() =>
      partitioner({ topic: 't', partitionMetadata: meta, message: { value: null } }),
    );
    expect(new Set(noId).size).toBe(3);
  });
});

describe('murmur2 over strings', () => {
  it('hashes ASCII and non-ASCII strings like their UTF-8 bytes', () => {
    for (const s of [
      '',
      'a',
      'ab',
      'abc',
      'abcd',
      'abcde',
      'cust-42',
      'émoji-🙂',
      'naïve',
      'x'.repeat(1000),
    ]) {
      expect(murmur2String(s)).toBe(murmur2(Buffer.from(s, 'utf8')));
    }
  });
});
