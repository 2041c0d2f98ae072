import type { Event, ExtensionValue } from './types.js';

/**
 * The concrete, frozen event class behind {@link Event}. Being a class gives a
 * cheap brand check (`instanceof`) and a private per-event cache for the wire
 * encoding, which stays writable after `Object.freeze` because private fields
 * are not properties. Construct only through `createEvent`.
 */
export class FrozenEvent implements Event {
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly specversion = '1.0' as const;
  readonly time: string | undefined;
  readonly subject: string | undefined;
  readonly datacontenttype: string | undefined;
  readonly dataschema: string | undefined;
  readonly data: unknown;
  readonly key: string | undefined;
  readonly extensions: Readonly<Record<string, ExtensionValue>>;
  #memo: unknown;
  /** The id is a UUID createEvent generated (36 ASCII characters). */
  readonly #generatedId: boolean;

  /** `generatedId`: createEvent made the id itself with randomUUID (see {@link hasGeneratedId}). */
  constructor(fields: Omit<Event, 'specversion'>, generatedId = false) {
    this.id = fields.id;
    this.source = fields.source;
    this.type = fields.type;
    this.time = fields.time;
    this.subject = fields.subject;
    this.datacontenttype = fields.datacontenttype;
    this.dataschema = fields.dataschema;
    this.data = fields.data;
    this.key = fields.key;
    this.extensions = fields.extensions;
    this.#generatedId = generatedId;
    Object.freeze(this);
  }

  /**
   * Whether the event's id is a UUID that createEvent generated, so its UTF-8 length (36) is
   * known without reading it: a fresh UUID string is a concatenation that its first reader
   * flattens (a copy, ~0.3 µs), which a broker that never serialises the id (memory://)
   * would otherwise pay only to measure it.
   */
  static hasGeneratedId(event: Event): boolean {
    return event instanceof FrozenEvent && event.#generatedId;
  }

  /** Computes a derived value once per event (the event is immutable, so it never goes stale). */
  static memo<T>(event: Event, compute: (event: Event) => T): T {
    if (!(event instanceof FrozenEvent)) return compute(event);
    if (event.#memo === undefined) event.#memo = compute(event);
    return event.#memo as T;
  }
}
