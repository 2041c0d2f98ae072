import { InvalidEventError } from '../errors/errors.js';
import type { Event } from '../event/types.js';
import { eventFromWire, type WireAttributes } from '../event/wire-event.js';
import { decodeData } from './data.js';
import { fromStructured } from './structured.js';

/** A header value as protocol clients hand it over: text, bytes, absent, or repeated (the last one wins). */
export type HeaderValue =
  string | Uint8Array | null | undefined | readonly (string | Uint8Array | null | undefined)[];

const STRUCTURED_CONTENT_TYPE = 'application/cloudevents+json';
const CORE = ['id', 'source', 'type', 'specversion', 'time', 'subject', 'dataschema', 'datacontenttype'];
const IGNORED = -1;
const CONTENT_TYPE = -2;
const EXTENSION = -3;
const MAX_NAMES = 10_000;

/**
 * What a header name means — a core attribute (its index in CORE), the content type, an
 * extension, or nothing — plus a one-entry cache of its last value: names and most values
 * (source, type, specversion, content type) repeat on every message of a stream.
 */
interface HeaderRole {
  readonly code: number;
  readonly attr: string;
  cache: boolean;
  lastBytes: Buffer | undefined;
  lastText: string;
  hits: number;
  misses: number;
}

/**
 * The CloudEvents binary-mode decoder for one header prefix (`ce_` Kafka, `ce-` HTTP and
 * Pub/Sub, `cloudEvents:` AMQP): one pass over the headers, names matched case-insensitively
 * and classified once per distinct name, byte values decoded once per distinct value (ids and
 * times, which change every message, stop being cached after a few dozen misses), then the
 * trusted fast path to the frozen event ({@link eventFromWire}). Not safe to share across
 * threads (there are none); instances are cheap and reused per prefix.
 */
export class BinaryDecoder {
  private readonly roles = new Map<string, HeaderRole>();
  private readonly lowerPrefix: string;
  private readonly contentTypeHeader: string;

  constructor(
    readonly prefix: string,
    contentTypeHeader = 'content-type',
  ) {
    this.lowerPrefix = prefix.toLowerCase();
    this.contentTypeHeader = contentTypeHeader.toLowerCase();
  }

  /**
   * Decodes a binary-mode message; undefined when it carries no `specversion` attribute (a plain
   * message). With `structured`, a message whose content type is `application/cloudevents+json`
   * is decoded as a structured-mode event instead.
   * @throws InvalidEventError when attributes are present but invalid, or a header value is
   *   neither text nor bytes.
   */
  decode(
    headers: Readonly<Record<string, HeaderValue>>,
    body: Uint8Array | undefined,
    key: string | undefined,
    structured = false,
  ): Event | undefined {
    const a: WireAttributes = {
      id: undefined,
      source: undefined,
      type: undefined,
      specversion: undefined,
      time: undefined,
      subject: undefined,
      dataschema: undefined,
      datacontenttype: undefined,
      key,
      extensions: undefined,
    };
    let contentType: string | undefined;
    for (const name in headers) {
      const role = this.role(name);
      if (role.code === IGNORED) continue;
      let v = headers[name];
      if (Array.isArray(v)) v = v[v.length - 1] as HeaderValue;
      if (v === undefined || v === null) continue;
      const text = typeof v === 'string' ? v : v instanceof Uint8Array ? textOf(role, v) : badHeader(name);
      switch (role.code) {
        case 0:
          a.id = text;
          break;
        case 1:
          a.source = text;
          break;
        case 2:
          a.type = text;
          break;
        case 3:
          a.specversion = text;
          break;
        case 4:
          a.time = text;
          break;
        case 5:
          a.subject = text;
          break;
        case 6:
          a.dataschema = text;
          break;
        case 7:
          a.datacontenttype = text;
          break;
        case CONTENT_TYPE:
          contentType = text;
          break;
        default:
          (a.extensions ??= {})[role.attr] = text;
      }
    }
    if (
      structured &&
      contentType !== undefined &&
      contentType.toLowerCase().startsWith(STRUCTURED_CONTENT_TYPE)
    ) {
      if (body === undefined) throw new InvalidEventError('data', 'structured CloudEvent without a body');
      return fromStructured(body, { key });
    }
    if (a.specversion === undefined) return undefined;
    const mediaType = contentType ?? a.datacontenttype;
    a.datacontenttype = mediaType;
    return eventFromWire(a, decodeBody(body, mediaType), this.prefix);
  }

  private role(rawName: string): HeaderRole {
    let role = this.roles.get(rawName);
    if (role === undefined) {
      const name = rawName.toLowerCase();
      let code = IGNORED;
      let attr = '';
      if (name === this.contentTypeHeader) code = CONTENT_TYPE;
      else if (name.startsWith(this.lowerPrefix) && name.length > this.lowerPrefix.length) {
        attr = name.slice(this.lowerPrefix.length);
        const index = CORE.indexOf(attr);
        code = index >= 0 ? index : EXTENSION;
      }
      role = { code, attr, cache: code !== 0, lastBytes: undefined, lastText: '', hits: 0, misses: 0 };
      if (this.roles.size < MAX_NAMES) this.roles.set(rawName, role);
    }
    return role;
  }
}

/** A byte header value as UTF-8 text, served from the role's last value when the bytes repeat. */
function textOf(role: HeaderRole, v: Uint8Array): string {
  const bytes = Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  if (!role.cache) return bytes.toString('utf8');
  const last = role.lastBytes;
  if (last !== undefined && last.length === bytes.length && last.equals(bytes)) {
    role.hits++;
    return role.lastText;
  }
  const text = bytes.toString('utf8');
  if (++role.misses > 32 && role.misses > role.hits) role.cache = false;
  else if (bytes.length <= 256) {
    role.lastBytes = Buffer.from(bytes);
    role.lastText = text;
  }
  return text;
}

function badHeader(name: string): never {
  throw new InvalidEventError(name, 'header value is neither bytes nor text');
}

/** Whether a content type leaves the payload as bytes (asked of decodeData once per type). */
const bytesTypes = new Map<string, boolean>();

/** decodeData, minus the work for content types whose payload stays bytes. */
function decodeBody(body: Uint8Array | undefined, contentType: string | undefined): unknown {
  if (body === undefined || contentType === undefined) return body;
  let asBytes = bytesTypes.get(contentType);
  if (asBytes === undefined) {
    let probe: unknown;
    try {
      probe = decodeData(new Uint8Array(0), contentType);
    } catch {
      probe = undefined; // JSON: parsing nothing fails
    }
    asBytes = probe instanceof Uint8Array;
    if (bytesTypes.size < 1_000) bytesTypes.set(contentType, asBytes);
  }
  return asBytes ? body : decodeData(body, contentType);
}

const decoders = new Map<string, BinaryDecoder>();

/** The shared decoder of a prefix and content-type header (created on first use). */
export function binaryDecoder(prefix: string, contentTypeHeader = 'content-type'): BinaryDecoder {
  const id = `${prefix}\u0000${contentTypeHeader}`;
  let d = decoders.get(id);
  if (d === undefined) {
    d = new BinaryDecoder(prefix, contentTypeHeader);
    decoders.set(id, d);
  }
  return d;
}
