/** Values an extension attribute may hold (CloudEvents: string, integer, boolean). */
export type ExtensionValue = string | number | boolean;

/**
 * What an application passes to `send`. Only `type` and `source` are required;
 * `id` defaults to a fresh UUID, `time` to now, `specversion` to "1.0".
 *
 * `data` may be any JSON-serialisable value, a string, or a `Uint8Array`
 * (binary payload, carried byte for byte).
 */
export interface EventInput {
  id?: string;
  source: string;
  type: string;
  specversion?: '1.0';
  time?: Date | string;
  subject?: string;
  datacontenttype?: string;
  dataschema?: string;
  data?: unknown;
  /** Ordering / partition key (Kafka record key, SQS MessageGroupId, Pub/Sub orderingKey, …). */
  key?: string;
  /** CloudEvents extension attributes, e.g. `traceparent`. Names: lower-case letters and digits. */
  extensions?: Readonly<Record<string, ExtensionValue>>;
}

/**
 * An event: an immutable fact. Created by {@link createEvent}; the object, its
 * extensions and JSON data are frozen. CloudEvents 1.0 attributes plus `key`.
 */
export interface Event {
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly specversion: '1.0';
  /** RFC 3339 timestamp. */
  readonly time: string | undefined;
  readonly subject: string | undefined;
  readonly datacontenttype: string | undefined;
  readonly dataschema: string | undefined;
  readonly data: unknown;
  readonly key: string | undefined;
  readonly extensions: Readonly<Record<string, ExtensionValue>>;
}

/** The CloudEvents context attribute names EventPort understands (besides extensions). */
export const CORE_ATTRIBUTES = [
  'id',
  'source',
  'type',
  'specversion',
  'time',
  'subject',
  'datacontenttype',
  'dataschema',
] as const;
