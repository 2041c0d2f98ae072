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

  constructor(fields: Omit<Event, 'specversion'>) {
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
    Object.freeze(this);
  }

  /** Computes a derived value once per event (the event is immutable, so it never goes stale). */
  static memo<T>(event: Event, compute: (event: Event) => T): T {
    if (!(event instanceof FrozenEvent)) return compute(event);
    if (event.#memo === undefined) event.#memo = compute(event);
    return event.#memo as T;
  }
}
