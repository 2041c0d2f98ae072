/**
 * The fixed vocabulary of guarantees. Extend it deliberately: every word has a
 * one-line meaning here, and the conformance suite has a check for it.
 */
export const GUARANTEES = {
  'publish.at-most-once': 'a send is attempted once; a failure is reported, never retried',
  'publish.at-least-once': 'a send is retried until the broker acknowledges it (duplicates possible)',
  'publish.idempotent': 'resending the same event (same id) does not create a second copy',
  'consume.at-most-once': 'an event is settled before it is handled; a failed handler is not redelivered',
  'consume.at-least-once': 'an event is settled only after its handler succeeds; failures are redelivered',
  'consume.exactly-once': "each event's effect happens once, despite producer resends and consumer crashes",
  'order.per-key': 'events with the same key are handled one at a time, in send order',
  'order.global': 'all events of a topic are handled in send order',
  'fan-out': 'independent subscriptions (groups) each receive every event',
  'competing-consumers': 'consumers in one group share the work; each event goes to one of them',
  nack: 'a consumer can reject an event so that it is redelivered',
  'redelivery-delay': 'a rejected event is redelivered no earlier than a requested delay',
  'dead-letter': 'an event that keeps failing moves to a dead-letter destination with the reason',
  replay: 'a reader can start from the earliest retained event, an offset or a time',
  retention: 'events stay readable for a configured time after they were consumed',
  'delayed-delivery': 'an event sent with a delay becomes visible no earlier than that delay',
  'batch.publish': 'many events are sent in one broker request',
  'batch.consume': 'many events are received in one broker request',
  'lease-extension': "a slow handler's lease (visibility, lock) is extended while it runs",
  'max-event-size': 'events larger than the broker accepts are rejected before anything is sent',
  pull: 'consumers fetch events from the broker',
  push: 'the broker delivers events to an endpoint',
} as const;

/** One word of the guarantee vocabulary. */
export type Guarantee = keyof typeof GUARANTEES;

export const GUARANTEE_NAMES = Object.keys(GUARANTEES) as Guarantee[];

export function isGuarantee(name: string): name is Guarantee {
  return Object.prototype.hasOwnProperty.call(GUARANTEES, name);
}

/** How a broker honours a guarantee in a given configuration. */
export type SupportLevel = 'native' | 'emulated' | 'unsupported';

/** A single entry of a capability report. */
export interface Capability {
  readonly level: SupportLevel;
  /** native: how the broker does it; emulated: how EventPort does it; unsupported: why not. */
  readonly detail: string;
  /**
   * A numeric bound where one applies: bytes for max-event-size, ms for delays, and for
   * lease-extension the shortest lease (ms) the broker enforces whatever is asked (the
   * conformance suite scales its lease checks to it).
   */
  readonly limit?: number;
}
