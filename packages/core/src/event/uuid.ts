import { randomFillSync } from 'node:crypto';

/** UUIDs made per refill of the random pool. */
const PER_REFILL = 256;
const pool = Buffer.alloc(16 * PER_REFILL);
let used = pool.length;
/** The 36 characters of one UUID, written in place (dashes fixed). */
const text = Buffer.alloc(36, 0x2d);
/** Where each of the 16 bytes' two hex digits go in the 8-4-4-4-12 form. */
const DIGIT_AT = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
const HEX = Buffer.from('0123456789abcdef', 'latin1');

/**
 * A random (version 4) UUID, lower-case, as one flat string. Same randomness as
 * `crypto.randomUUID` (a batch of CSPRNG bytes, 16 per UUID, each byte used once),
 * but its string is built in one piece: `randomUUID` returns a concatenation of
 * some twenty short strings (~600 bytes on the heap while the id lives, and a
 * copy the first time anything reads it), which every event that is kept or
 * serialised paid for.
 */
export function randomUuid(): string {
  if (used === pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const at = used;
  used += 16;
  pool[at + 6] = (pool[at + 6]! & 0x0f) | 0x40; // version 4
  pool[at + 8] = (pool[at + 8]! & 0x3f) | 0x80; // variant 10
  for (let i = 0; i < 16; i++) {
    const byte = pool[at + i]!;
    const p = DIGIT_AT[i]!;
    text[p] = HEX[byte >> 4]!;
    text[p + 1] = HEX[byte & 15]!;
  }
  return text.toString('latin1', 0, 36);
}
