import type { Event } from '../event/types.js';

/**
 * The push SPI: what a broker that delivers by HTTP push (Event Grid basic topics; later Pub/Sub
 * push subscriptions and SNS HTTP(S) subscriptions) supplies to core's push receiving model.
 *
 * Core owns the HTTP side (reading the body, authentication, routing, backpressure, writing the
 * answer) and feeds every pushed event to the ordinary consumer engine through a
 * {@link PushReceiver} — so retries, the retry budget, dead-letter decisions, exactly-once
 * emulation and `ctx.ack()`/`nack`/`deadLetter` behave exactly as for pull receivers. A driver
 * supplies only a {@link PushCodec}: how its service's requests look and which answer gives the
 * behaviour the handler asked for.
 *
 * How the three services would map onto it:
 * - Event Grid (implemented in @eventport/eventgrid): handshakes = the SubscriptionValidationEvent
 *   POST and the CloudEvents OPTIONS; a batch = a JSON array; ack 200, retry 503, dead-letter 400
 *   (not retried: the service dead-letters it at once).
 * - Pub/Sub push: no handshake; one message per request (`{message:{data, attributes,
 *   messageId}, deliveryAttempt}`); ack 204, retry 503; no dead-letter status, so the driver
 *   declares dead-letter emulated (the Settler publishes to the dead-letter topic, then acks).
 * - SNS HTTP(S): handshake = the SubscriptionConfirmation message (the codec GETs SubscribeURL),
 *   signature check in `authenticate`; one message per request; ack 200, retry 5xx; dead-letter
 *   emulated as for Pub/Sub (SNS has no "do not retry" status).
 */

/** One HTTP request as the push endpoint read it (the body fully read). */
export interface PushRequest {
  readonly method: string;
  /** Path and query, parsed against a dummy origin (only `pathname` and `searchParams` mean anything). */
  readonly url: URL;
  /** Lower-case header names, as node:http gives them. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

/** What the endpoint writes back. */
export interface PushAnswer {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Written as is (JSON is the codec's to serialise). */
  readonly body?: string;
}

/** One event of a pushed request, decoded by the codec. */
export interface PushedEvent {
  readonly event: Event;
  /**
   * The handler attempt this push is (1 on first delivery), from the service's own count
   * (Event Grid `aeg-delivery-count` + 1, Pub/Sub `deliveryAttempt`); 1 when the service sends none.
   */
  readonly deliveryCount: number;
  /** Set when the event could not be decoded: it is dead-lettered without running the handler. */
  readonly undecodable?: string;
}

/** How the portable layer settled one pushed event. */
export type PushOutcome =
  | { readonly kind: 'ack' }
  | { readonly kind: 'nack'; readonly delayMs: number }
  | { readonly kind: 'dead-letter'; readonly reason: string };

/**
 * What one request's answer must make the service do, from its events' outcomes: `retry` when
 * any event asked for redelivery (or was given back at close), else `dead-letter` when any was
 * dead-lettered natively, else `ack`. See {@link verdictOf}.
 */
export type PushVerdict = 'ack' | 'retry' | 'dead-letter';

/**
 * A broker's push protocol. Every method is synchronous and pure except `handshake`, which may
 * do I/O (SNS confirms a subscription by fetching a URL). Called concurrently for concurrent
 * requests.
 */
export interface PushCodec {
  /**
   * Answers a request that is not an event delivery (a validation handshake, a subscription
   * confirmation), or returns undefined for a delivery. Runs after authentication.
   */
  handshake?(request: PushRequest): PushAnswer | undefined | Promise<PushAnswer | undefined>;
  /**
   * Decodes a delivery into its events (at least one). A request that is not a delivery of this
   * service at all throws {@link PushRequestError} (answered with its status, never retried by
   * EventPort); a single bad event is returned with `undecodable` instead.
   */
  decode(request: PushRequest): PushedEvent[];
  /** The answer that makes the service do what `verdict` says; `outcomes` is per event, in order. */
  answer(verdict: PushVerdict, outcomes: readonly PushOutcome[]): PushAnswer;
}

/** Checks that a request comes from the service (a shared secret, a token); false → 401. */
export type PushAuthenticator = (request: PushRequest) => boolean | Promise<boolean>;

/** A request the codec refuses as a whole (not a delivery of its service): answered with `status`. */
export class PushRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'PushRequestError';
  }
}

/** The verdict for a request from its events' outcomes: retry beats dead-letter beats ack. */
export function verdictOf(outcomes: readonly PushOutcome[]): PushVerdict {
  let verdict: PushVerdict = 'ack';
  for (const o of outcomes) {
    if (o.kind === 'nack') return 'retry';
    if (o.kind === 'dead-letter') verdict = 'dead-letter';
  }
  return verdict;
}
