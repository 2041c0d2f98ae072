/**
 * Property-based tests of the Kafka binding: random valid events round-trip exactly through a
 * record as kafkajs delivers it (headers as bytes); random headers and bytes never throw and
 * never lose the record (decodeRecord returns a plain or an undecodable event, always).
 */
import fc from 'fast-check';
import type { KafkaMessage } from 'kafkajs';
import { encodeData } from '@eventport/core/driver';
import { decodeRecord, encodeRecord } from '../src/wire.js';
import { hostileHeaders, stringifiedExtensions, validEvent } from '../../core/test/helpers/arbitraries.js';

const RUNS = { numRuns: 300 };

function asFetched(m: ReturnType<typeof encodeRecord>, offset: string): KafkaMessage {
  const headers = Object.fromEntries(
    Object.entries(m.headers ?? {}).map(([k, v]) => [k, Buffer.from(v as string)]),
  );
  const bytes = (v: unknown): Buffer | null =>
    v === null || v === undefined ? null : Buffer.isBuffer(v) ? v : Buffer.from(v as string);
  return {
    key: bytes(m.key),
    value: bytes(m.value),
    headers,
    offset,
    timestamp: '1700000000000',
    attributes: 0,
  } as KafkaMessage;
}

describe('Kafka binding properties', () => {
  it('every valid event round-trips exactly (extensions as strings)', () => {
    fc.assert(
      fc.property(validEvent, (event) => {
        const decoded = decodeRecord('t', 0, asFetched(encodeRecord(event), '1'));
        expect(decoded.undecodable).toBeUndefined();
        expect({ ...decoded.event }).toEqual({
          ...event,
          datacontenttype: encodeData(event).contentType,
          extensions: stringifiedExtensions(event),
        });
      }),
      RUNS,
    );
  });

  it('random headers, keys and values never throw and always yield an event with the record id', () => {
    fc.assert(
      fc.property(
        hostileHeaders,
        fc.option(fc.uint8Array({ maxLength: 64 }), { nil: null }),
        fc.option(fc.uint8Array({ maxLength: 8 }), { nil: null }),
        (headers, value, key) => {
          const record = {
            key: key === null ? null : Buffer.from(key),
            value: value === null ? null : Buffer.from(value),
            headers,
            offset: '42',
            timestamp: '1700000000000',
            attributes: 0,
          } as unknown as KafkaMessage;
          const decoded = decodeRecord('t', 3, record);
          if (decoded.undecodable !== undefined) expect(decoded.event.id).toBe('t/3/42');
          expect(decoded.event.id.length).toBeGreaterThan(0);
        },
      ),
      RUNS,
    );
  });
});
