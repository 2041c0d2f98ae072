/**
 * Partition-key placement.
 *
 * Contract: an event sent to a hub with a partition key `k` lands on partition
 * `abs(int16(h1 XOR h2)) mod partitionCount`, where `(h1, h2)` are the two 32-bit results of Bob
 * Jenkins' lookup3 `hashlittle2` over the UTF-8 bytes of `k` with both seeds 0. This is the
 * scheme Azure Event Hubs documents for its SDKs' client-side partition resolution, so a key
 * maps to the same partition id here as with the buffered producer client. The mapping depends
 * only on the key and the partition count: it is stable across restarts and processes.
 */

function rot(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** lookup3 `hashlittle2` over `data` with seeds (0, 0); returns `[c, b]` as unsigned 32-bit. */
export function lookup3(data: Uint8Array): [number, number] {
  let length = data.length;
  let a = (0xdeadbeef + length) >>> 0;
  let b = a;
  let c = a;
  let i = 0;
  const word = (at: number): number =>
    ((data[at] ?? 0) |
      ((data[at + 1] ?? 0) << 8) |
      ((data[at + 2] ?? 0) << 16) |
      ((data[at + 3] ?? 0) << 24)) >>>
    0;
  while (length > 12) {
    a = (a + word(i)) >>> 0;
    b = (b + word(i + 4)) >>> 0;
    c = (c + word(i + 8)) >>> 0;
    // mix(a, b, c)
    a = (a - c) >>> 0;
    a = (a ^ rot(c, 4)) >>> 0;
    c = (c + b) >>> 0;
    b = (b - a) >>> 0;
    b = (b ^ rot(a, 6)) >>> 0;
    a = (a + c) >>> 0;
    c = (c - b) >>> 0;
    c = (c ^ rot(b, 8)) >>> 0;
    b = (b + a) >>> 0;
    a = (a - c) >>> 0;
    a = (a ^ rot(c, 16)) >>> 0;
    c = (c + b) >>> 0;
    b = (b - a) >>> 0;
    b = (b ^ rot(a, 19)) >>> 0;
    a = (a + c) >>> 0;
    c = (c - b) >>> 0;
    c = (c ^ rot(b, 4)) >>> 0;
    b = (b + a) >>> 0;
    length -= 12;
    i += 12;
  }
  if (length === 0) return [c, b];
  // The last 1..12 bytes, little-endian into a, b, c (missing bytes are zero).
  const tail = new Uint8Array(12);
  tail.set(data.subarray(i, i + length));
  const t = (at: number): number =>
    (tail[at]! | (tail[at + 1]! << 8) | (tail[at + 2]! << 16) | (tail[at + 3]! << 24)) >>> 0;
  a = (a + t(0)) >>> 0;
  b = (b + t(4)) >>> 0;
  c = (c + t(8)) >>> 0;
  // final(a, b, c)
  c = (c ^ b) >>> 0;
  c = (c - rot(b, 14)) >>> 0;
  a = (a ^ c) >>> 0;
  a = (a - rot(c, 11)) >>> 0;
  b = (b ^ a) >>> 0;
  b = (b - rot(a, 25)) >>> 0;
  c = (c ^ b) >>> 0;
  c = (c - rot(b, 16)) >>> 0;
  a = (a ^ c) >>> 0;
  a = (a - rot(c, 4)) >>> 0;
  b = (b ^ a) >>> 0;
  b = (b - rot(a, 14)) >>> 0;
  c = (c ^ b) >>> 0;
  c = (c - rot(b, 24)) >>> 0;
  return [c, b];
}

/** The partition index (0-based) a partition key maps to. */
export function partitionForKey(key: string, partitionCount: number): number {
  const [h1, h2] = lookup3(Buffer.from(key, 'utf8'));
  const folded = ((h1 ^ h2) << 16) >> 16; // to a signed 16-bit value
  return Math.abs(folded % partitionCount);
}
