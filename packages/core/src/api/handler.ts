import type { Event } from '../event/types.js';
import type { Delivery } from './delivery.js';

/**
 * Handles one event. Resolve (or return) = ack; throw (or reject) = retry per the retry policy,
 * then dead-letter. `delivery` settles explicitly (`ack`, `nack`, `deadLetter`) and carries the
 * attempt, lease extension and consume-transform-produce `send`.
 */
export type Handler = (event: Event, delivery: Delivery) => unknown;

/** Counters of one subscription. */
export interface ConsumerStats {
  received: number;
  handled: number;
  failed: number;
  retried: number;
  deadLettered: number;
  duplicatesSkipped: number;
}
