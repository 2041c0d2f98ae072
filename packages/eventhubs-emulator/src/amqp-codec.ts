/**
 * Byte-level handling of AMQP 1.0 messages for the data path.
 *
 * Events are never decoded into JavaScript values and re-encoded: the emulator keeps the
 * sections the client wrote (header, properties, application properties, body, footer) as the
 * exact bytes it received, and only rewrites the message-annotations section to add the broker
 * annotations (`x-opt-sequence-number`, `x-opt-offset`, `x-opt-enqueued-time`,
 * `x-opt-partition-key`). Every AMQP type the client used therefore round-trips unchanged.
 */
import rhea from 'rhea';
import type { Reader as ReaderType } from 'rhea/typings/types.js';

/** rhea's AMQP type reader (present at runtime, missing from its `types` typing). */
const Reader = (rhea.types as unknown as { Reader: new (buffer: Buffer) => ReaderType }).Reader;

/** Section descriptor codes (AMQP 1.0 part 3.2). */
const HEADER = 0x70;
const DELIVERY_ANNOTATIONS = 0x71;
const MESSAGE_ANNOTATIONS = 0x72;
const DATA = 0x75;

/** Annotation keys the broker owns; a client's copies are replaced. */
export const SEQUENCE_NUMBER = 'x-opt-sequence-number';
export const OFFSET = 'x-opt-offset';
export const ENQUEUED_TIME = 'x-opt-enqueued-time';
export const PARTITION_KEY = 'x-opt-partition-key';
const BROKER_KEYS = new Set([SEQUENCE_NUMBER, OFFSET, ENQUEUED_TIME, PARTITION_KEY]);
/** Annotations of idempotent publishing (see idempotence.ts). */
const PRODUCER_ID = 'com.microsoft:producer-id';
const PRODUCER_EPOCH = 'com.microsoft:producer-epoch';
const PRODUCER_SEQUENCE = 'com.microsoft:producer-sequence-number';
const PRODUCER_KEYS = new Set([PRODUCER_ID, PRODUCER_EPOCH, PRODUCER_SEQUENCE]);

/** The idempotent-publishing annotations of a transfer (its first event's numbers). */
export interface ProducerAnnotations {
  readonly producerId: number;
  readonly epoch: number;
  readonly sequence: number;
}

/** One event as the client encoded it, split where the broker inserts its annotations. */
export interface ParsedEvent {
  /** The header section's bytes, or an empty buffer. */
  readonly header: Buffer;
  /** Raw key/value bytes of the client's own message annotations (broker keys removed). */
  readonly annotationEntries: readonly Buffer[];
  /** Number of AMQP map elements in `annotationEntries` (2 per entry). */
  readonly annotationCount: number;
  /** Everything after the annotations: properties, application properties, body, footer. */
  readonly rest: Buffer;
  /** `x-opt-partition-key` of the message annotations, if the client set one. */
  readonly partitionKey: string | undefined;
  /** Encoded size as received (what the client's size checks counted). */
  readonly size: number;
  /** Idempotent-publishing annotations, if the client set them. */
  readonly producer: ProducerAnnotations | undefined;
}

interface SectionSpan {
  code: number;
  start: number;
  end: number;
  /** For message annotations: where the map's entries start and how many elements it holds. */
  entriesStart?: number;
  count?: number;
  /** For data sections: the binary payload. */
  data?: Buffer;
}

function descriptorCode(descriptor: unknown): number {
  const value = (descriptor as { value?: unknown } | undefined)?.value;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    // symbolic descriptors, e.g. amqp:message-annotations:map
    const symbolic: Record<string, number> = {
      'amqp:header:list': HEADER,
      'amqp:delivery-annotations:map': DELIVERY_ANNOTATIONS,
      'amqp:message-annotations:map': MESSAGE_ANNOTATIONS,
      'amqp:data:binary': DATA,
    };
    return symbolic[value] ?? -1;
  }
  if (Buffer.isBuffer(value)) return Number(value.readBigUInt64BE(0));
  return -1;
}

/** Splits an encoded message into its sections, without decoding the content of most of them. */
function sections(bytes: Buffer): SectionSpan[] {
  const reader = new Reader(bytes);
  const out: SectionSpan[] = [];
  while (reader.remaining() > 0) {
    const start = reader.position;
    const ctor = reader.read_constructor() as { typecode: number; descriptor?: unknown };
    const code = descriptorCode(ctor.descriptor);
    if (code === MESSAGE_ANNOTATIONS && (ctor.typecode === 0xc1 || ctor.typecode === 0xd1)) {
      const width = ctor.typecode === 0xc1 ? 1 : 4;
      const size = reader.read_uint(width);
      const afterSize = reader.position;
      const count = reader.read_uint(width);
      const entriesStart = reader.position;
      reader.position = afterSize + size;
      out.push({ code, start, end: reader.position, entriesStart, count });
      continue;
    }
    if (code === DATA && (ctor.typecode === 0xa0 || ctor.typecode === 0xb0)) {
      const size = reader.read_uint(ctor.typecode === 0xa0 ? 1 : 4);
      const data = bytes.subarray(reader.position, reader.position + size);
      reader.position += size;
      out.push({ code, start, end: reader.position, data });
      continue;
    }
    // Any other section: re-read it generically to find its end.
    reader.position = start;
    reader.read();
    out.push({ code, start, end: reader.position });
  }
  return out;
}

/** Reads the entries of a message-annotations map: raw entry bytes and the string value of a key. */
function annotationEntries(
  bytes: Buffer,
  span: SectionSpan,
): { entries: Buffer[]; count: number; partitionKey?: string; producer?: ProducerAnnotations } {
  const reader = new Reader(bytes);
  reader.position = span.entriesStart ?? span.end;
  const entries: Buffer[] = [];
  let partitionKey: string | undefined;
  const producer: Record<string, number> = {};
  const pairs = (span.count ?? 0) / 2;
  for (let i = 0; i < pairs; i++) {
    const entryStart = reader.position;
    const key = String((reader.read() as { value: unknown }).value);
    const value = (reader.read() as { value: unknown }).value;
    if (key === PARTITION_KEY && typeof value === 'string') partitionKey = value;
    if (PRODUCER_KEYS.has(key) && value !== null && value !== undefined) producer[key] = Number(value);
    if (!BROKER_KEYS.has(key)) entries.push(bytes.subarray(entryStart, reader.position));
  }
  const producerId = producer[PRODUCER_ID];
  const sequence = producer[PRODUCER_SEQUENCE];
  return {
    entries,
    count: entries.length * 2,
    partitionKey,
    producer:
      producerId !== undefined && sequence !== undefined
        ? { producerId, epoch: producer[PRODUCER_EPOCH] ?? 0, sequence }
        : undefined,
  };
}

/** Parses one event (an inner message of a batch, or a plain format-0 message). */
export function parseEvent(bytes: Buffer): ParsedEvent {
  let header: Buffer = Buffer.alloc(0);
  let entries: Buffer[] = [];
  let count = 0;
  let partitionKey: string | undefined;
  let producer: ProducerAnnotations | undefined;
  let restStart = 0;
  for (const span of sections(bytes)) {
    if (span.code === HEADER) {
      header = bytes.subarray(span.start, span.end);
      restStart = span.end;
    } else if (span.code === DELIVERY_ANNOTATIONS) {
      restStart = span.end; // delivery annotations are for one hop only: dropped
    } else if (span.code === MESSAGE_ANNOTATIONS) {
      ({ entries, count, partitionKey, producer } = annotationEntries(bytes, span));
      restStart = span.end;
    } else break;
  }
  return {
    header,
    annotationEntries: entries,
    annotationCount: count,
    rest: bytes.subarray(restStart),
    partitionKey,
    size: bytes.length,
    producer,
  };
}

/** A client send: the events it carries and the batch-level partition key, if any. */
export interface ParsedSend {
  readonly events: ParsedEvent[];
  readonly partitionKey: string | undefined;
  /** Set when an idempotent producer sent the transfer. */
  readonly producer: ProducerAnnotations | undefined;
}

/**
 * Parses one transfer. Format 0x80013700 (what the Event Hubs client always sends) is an
 * envelope whose data sections each hold one encoded event; its message annotations carry the
 * batch's partition key. Any other format is one event.
 */
export function parseSend(bytes: Buffer, format: number): ParsedSend {
  if (format !== 0x80013700) {
    const event = parseEvent(bytes);
    return { events: [event], partitionKey: event.partitionKey, producer: event.producer };
  }
  const spans = sections(bytes);
  let partitionKey: string | undefined;
  let producer: ProducerAnnotations | undefined;
  const events: ParsedEvent[] = [];
  for (const span of spans) {
    if (span.code === MESSAGE_ANNOTATIONS) ({ partitionKey, producer } = annotationEntries(bytes, span));
    else if (span.code === DATA && span.data) events.push(parseEvent(span.data));
  }
  return {
    events,
    partitionKey: partitionKey ?? events[0]?.partitionKey,
    producer: producer ?? events[0]?.producer,
  };
}

/** The broker annotations written on every stored event. */
export interface BrokerAnnotations {
  readonly sequenceNumber: number;
  readonly offset: number;
  readonly enqueuedMs: number;
  readonly partitionKey: string | undefined;
}

function symbol(key: string): Buffer {
  const b = Buffer.from(key, 'ascii');
  return Buffer.concat([Buffer.from([0xa3, b.length]), b]);
}
const SYM_SEQ = symbol(SEQUENCE_NUMBER);
const SYM_OFFSET = symbol(OFFSET);
const SYM_TIME = symbol(ENQUEUED_TIME);
const SYM_PK = symbol(PARTITION_KEY);

function str(value: string): Buffer {
  const b = Buffer.from(value, 'utf8');
  if (b.length < 256) return Buffer.concat([Buffer.from([0xa1, b.length]), b]);
  const head = Buffer.alloc(5);
  head[0] = 0xb1;
  head.writeUInt32BE(b.length, 1);
  return Buffer.concat([head, b]);
}

function long(code: number, value: number): Buffer {
  const b = Buffer.alloc(9);
  b[0] = code;
  b.writeBigInt64BE(BigInt(value), 1);
  return b;
}

/**
 * Encodes the message as delivered to receivers: the client's header, a message-annotations
 * section holding the client's own annotations plus the broker's, then the client's remaining
 * sections byte for byte.
 */
export function encodeDelivered(event: ParsedEvent, broker: BrokerAnnotations): Buffer {
  const parts: Buffer[] = [
    SYM_SEQ,
    long(0x81, broker.sequenceNumber),
    SYM_OFFSET,
    str(String(broker.offset)),
    SYM_TIME,
    long(0x83, broker.enqueuedMs),
  ];
  let count = 6;
  if (broker.partitionKey !== undefined) {
    parts.push(SYM_PK, str(broker.partitionKey));
    count += 2;
  }
  parts.push(...event.annotationEntries);
  count += event.annotationCount;
  const entries = Buffer.concat(parts);
  const head = Buffer.alloc(12);
  head[0] = 0x00;
  head[1] = 0x53;
  head[2] = MESSAGE_ANNOTATIONS;
  head[3] = 0xd1;
  head.writeUInt32BE(entries.length + 4, 4);
  head.writeUInt32BE(count, 8);
  return Buffer.concat([event.header, head, entries, event.rest]);
}

/** The partition's newest event, as sent to receivers that asked for runtime metrics. */
export interface RuntimeMetrics {
  readonly lastSequenceNumber: number;
  readonly lastOffset: number;
  readonly lastEnqueuedMs: number;
  readonly retrievedMs: number;
}

const SYM_LAST_SEQ = symbol('last_enqueued_sequence_number');
const SYM_LAST_OFFSET = symbol('last_enqueued_offset');
const SYM_LAST_TIME = symbol('last_enqueued_time_utc');
const SYM_RETRIEVED = symbol('runtime_info_retrieval_time_utc');

/**
 * A stored event with a delivery-annotations section (after its header, before its message
 * annotations) carrying the partition's runtime metrics, for receivers that desire
 * `com.microsoft:enable-receiver-runtime-metric`.
 */
export function withRuntimeMetrics(stored: Buffer, metrics: RuntimeMetrics): Buffer {
  let headerEnd = 0;
  if (stored[0] === 0x00 && stored[1] === 0x53 && stored[2] === HEADER) {
    const reader = new Reader(stored);
    reader.read();
    headerEnd = reader.position;
  }
  const entries = Buffer.concat([
    SYM_LAST_SEQ,
    long(0x81, metrics.lastSequenceNumber),
    SYM_LAST_OFFSET,
    str(String(metrics.lastOffset)),
    SYM_LAST_TIME,
    long(0x83, metrics.lastEnqueuedMs),
    SYM_RETRIEVED,
    long(0x83, metrics.retrievedMs),
  ]);
  const head = Buffer.alloc(12);
  head[1] = 0x53;
  head[2] = DELIVERY_ANNOTATIONS;
  head[3] = 0xd1;
  head.writeUInt32BE(entries.length + 4, 4);
  head.writeUInt32BE(8, 8);
  return Buffer.concat([stored.subarray(0, headerEnd), head, entries, stored.subarray(headerEnd)]);
}
