import type { Event } from '../event/types.js';
import type { CapabilityReport } from '../guarantees/capability-report.js';
import type { Logger } from '../logging/logger.js';

/**
 * The driver SPI: what an adapter implements. Drivers stay thin — they move
 * batches and settle them; retries, ordering, dead-letter emulation, idempotency,
 * lease extension and drain live in the portable layer of @eventport/core.
 *
 * Concurrency contract: the portable layer calls `send` on one DriverSender one
 * batch at a time (never concurrently), and calls `receive` on one DriverReceiver
 * one call at a time; settlement methods (`ack`, `nack`, `deadLetter`,
 * `extendLease`, `commit`) may be called concurrently with `receive` and with
 * each other, and must be safe to call for a message more than once (idempotent).
 */

/** Where a new reader starts. */
export type StartPosition =
  'earliest' | 'latest' | { readonly offset: number; readonly partition?: string } | { readonly time: Date };

/** Creates drivers for one URL scheme. Registered through `registerDriver`. */
export interface DriverFactory {
  /** URL scheme without "://", e.g. "kafka". Also the `kind` of an options object. */
  readonly scheme: string;
  /** The npm package that provides the factory (named in errors). */
  readonly packageName: string;
  /**
   * Creates a driver. `url` is set when connecting by URL; `options` holds the
   * options object (or the URL's query parameters merged with explicit options).
   * Must validate everything and throw ConfigError before any network I/O it can avoid.
   */
  create(
    url: URL | undefined,
    options: Readonly<Record<string, unknown>>,
    context?: DriverContext,
  ): Promise<Driver> | Driver;
}

/**
 * What every adapter package exports as `capabilityVariants`: one capability report per
 * configuration variant (e.g. SQS standard and FIFO), computed from declarations only (no
 * connection). The CLI's `capabilities` command and the README matrix read it; the conformance
 * suite verifies it against a broker. An array, or a function returning one.
 */
export type CapabilityVariants =
  readonly CapabilityReport[] | (() => readonly CapabilityReport[] | Promise<readonly CapabilityReport[]>);

/** What `connect` hands every driver besides its options. */
export interface DriverContext {
  /**
   * The logger the user gave `connect` (else EventPort's console logger): drivers send their
   * own and their client library's log lines here, never to the console directly.
   */
  readonly logger: Logger;
}

export interface Driver {
  /** Broker name, e.g. "memory", "kafka". */
  readonly name: string;
  /** Capabilities for this configuration. Constant for the driver's life. */
  readonly capabilities: CapabilityReport;
  /** A description of the connection with every secret removed (used by toString and errors). */
  describe(): string;
  /** Opens a sender. Fails with TopicNotFoundError when the topic is missing and will not be created. */
  openSender(topic: string, options: SenderOptions): Promise<DriverSender>;
  /** Opens a receiver for a group (subscription). Creates the group/subscription when needed. */
  openReceiver(topic: string, options: ReceiverOptions): Promise<DriverReceiver>;
  /** Creates a topic (administration; used by tests and the CLI). Idempotent. */
  createTopic?(topic: string, options?: TopicOptions): Promise<void>;
  /** Deletes a topic and its groups (administration). Idempotent. */
  deleteTopic?(topic: string): Promise<void>;
  /** The native client, for what EventPort does not cover. */
  raw(): unknown;
  /** Releases every connection. Idempotent. */
  close(): Promise<void>;
}

export interface TopicOptions {
  readonly partitions?: number;
}

export interface SenderOptions {
  /** Deduplicate resends of the same event id (only when the broker declares publish.idempotent). */
  readonly idempotent: boolean;
}

/** One event to send. */
export interface OutgoingEvent {
  readonly event: Event;
  /** Delayed delivery: the event becomes visible after this many ms (delayed-delivery capability). */
  readonly delayMs?: number;
}

/** Where a sent event landed. */
export interface DriverReceipt {
  readonly partition?: string;
  readonly offset?: number;
  /** The broker recognised a resend of an event it already had. */
  readonly duplicate?: boolean;
}

/** Per-entry outcome of a batch: partial failures are allowed. */
export type SendOutcome =
  { readonly ok: true; readonly receipt: DriverReceipt } | { readonly ok: false; readonly error: Error };

/**
 * The shape of a sender's broker requests, declared as data (e.g. SQS: 10 entries and 256 KiB per
 * SendMessageBatch). A sender that declares it never splits a batch itself: the portable layer
 * cuts each batch into requests that fit, calls `send` once per request, runs up to
 * `concurrency` of them at once, and fails an entry too large for any request alone with
 * EventTooLargeError before the network.
 */
export interface RequestLimits {
  /** Entries one request carries at most. */
  readonly maxEntries: number;
  /** Bytes one request carries at most, summed over its entries' `entrySize`. */
  readonly maxBytes: number;
  /**
   * Requests of one batch in flight at once. With 1 they go one after another and the first
   * request with a failed entry stops the batch: the entries after it are not sent and fail as
   * retryable, so they are retried behind the failed ones (per-key order is kept). Above 1,
   * requests overlap (for brokers that do not order).
   */
  readonly concurrency: number;
  /**
   * The bytes one entry adds to a request, as the broker counts them. Called once per entry
   * per attempt, before `send`; a sender that encodes to measure should cache the encoding for
   * `send`. May throw: that entry then fails with the error and is not sent.
   */
  entrySize(event: Event): number;
  /**
   * What an entry larger than `maxBytes` on its own does. `'reject'` (the default): it fails
   * alone with EventTooLargeError before the network (the limit is the broker's). `'alone'`:
   * it is sent in a request of its own (`entrySize` is an estimate and `maxBytes` a packing
   * target; the event's own size was checked against `maxEventSize` already, and the broker
   * has the last word).
   */
  readonly oversize?: 'reject' | 'alone';
}

export interface DriverSender {
  /**
   * Sends one batch and returns one outcome per entry, in order. Must not retry
   * on its own (the portable layer does); may throw for a failure of the whole
   * batch (mapped to an EventPortError with the right `retryable` flag).
   *
   * With `requestLimits`, each call carries exactly one request's entries, already within the
   * limits: send them as one broker request, do not split them.
   *
   * Per-key order (brokers that declare `order.per-key`): an entry that failed
   * must never be overtaken by a later entry with the same key. A driver that
   * sends a batch as several requests declares `requestLimits` with concurrency 1
   * (the portable layer then stops at the first failed request and retries the
   * rest behind it) rather than splitting the batch itself.
   */
  send(batch: readonly OutgoingEvent[]): Promise<SendOutcome[]>;
  /** How this sender's requests are cut (absent: each batch is one `send`, split by the driver if it must). */
  readonly requestLimits?: RequestLimits;
  /** Releases the sender. Idempotent. */
  close(): Promise<void>;
}

export interface ReceiverOptions {
  /** Consumer group / subscription name. Consumers sharing it compete; other groups fan out. */
  readonly group: string;
  /** Where a group with no committed position starts. */
  readonly from: StartPosition;
  /** Requested lease (visibility timeout, lock) for a delivered message, in ms. */
  readonly leaseMs: number;
  /** Deliver same-key messages one at a time (when the broker does order natively). */
  readonly orderedByKey: boolean;
  /** Native dead-lettering, when the broker declares dead-letter as native. */
  readonly deadLetter?: { readonly topic: string; readonly maxDeliveries: number };
  /**
   * The consumer's delivery mode (absent: at-least-once). Drivers may settle differently by it,
   * e.g. commit a batch before handing it out (at-most-once) or in transactions (exactly-once).
   */
  readonly delivery?: 'at-most-once' | 'at-least-once' | 'exactly-once';
}

/** Events a handler sent with `ctx.send` while handling one message, for one topic. */
export interface StagedOutput {
  readonly topic: string;
  readonly events: readonly Event[];
}

/** A message as received; the portable layer turns it into a delivery context. */
export interface ReceivedMessage {
  readonly event: Event;
  /**
   * The handler attempt this delivery is: 1 on first delivery, then 2, 3, … The
   * retry budget and the dead-letter decision count it, so it counts handler
   * attempts, not receives: a driver whose broker counts receives (SQS
   * ApproximateReceiveCount) leaves out the receives it gave back unhandled.
   */
  readonly deliveryCount: number;
  /** Partition / shard, when the broker has them. */
  readonly partition?: string;
  /** Offset within the partition (offset-settled receivers must set it). */
  readonly offset?: number;
  /** The driver's own handle (receipt handle, ack id, lock token, …). */
  readonly handle: unknown;
  /**
   * Set when the message could not be decoded (see `undecodable()` in the SPI): `event` wraps
   * the raw bytes, and the portable layer dead-letters the message with this reason instead of
   * running the handler. A decoder never throws and never skips a message.
   */
  readonly undecodable?: string;
  /**
   * When the message's lease really ends (ms since epoch), for drivers that held it
   * before handing it over (its lease already running). Absent: a full `leaseMs`
   * from hand-off. The lease keeper starts from it and renews at once when less
   * than half a lease is left.
   */
  readonly leaseUntil?: number;
}

export interface DriverReceiver {
  /**
   * "per-message": the portable layer calls ack/nack per message (queues).
   * "offset": the portable layer tracks offsets per partition and calls `commit`
   * with the next offset after the contiguous settled prefix (logs).
   */
  readonly settlement: 'per-message' | 'offset';
  /**
   * Waits for at most `max` messages and returns at least one, or an empty array
   * when `signal` aborts or the driver's poll wait elapses. Never throws on abort.
   */
  receive(max: number, signal: AbortSignal): Promise<ReceivedMessage[]>;
  /** Acknowledges messages (per-message settlement). Idempotent. */
  ack(messages: readonly ReceivedMessage[]): Promise<void>;
  /** Makes a message available again after `delayMs` (native nack). Absent when the broker cannot. */
  nack?(message: ReceivedMessage, delayMs: number): Promise<void>;
  /**
   * Gives back a message no handler ran on (a closing consumer's queued events): available again
   * at once and, where the broker counts deliveries, not counted as a handler attempt (the driver
   * corrects the count the broker will report). Idempotent. Absent: the portable layer uses
   * `nack(message, 0)`, and the broker's count then runs one ahead.
   */
  release?(message: ReceivedMessage): Promise<void>;
  /** Moves a message to the native dead-letter destination with the reason. Absent when not native. */
  deadLetter?(message: ReceivedMessage, reason: string): Promise<void>;
  /** Extends a message's lease by `ms` from now. Absent when the broker has no leases. */
  extendLease?(message: ReceivedMessage, ms: number): Promise<void>;
  /** Commits the next offset to read for a partition (offset settlement). Never moves backwards. */
  commit?(partition: string, nextOffset: number): Promise<void>;
  /**
   * Takes the events a handler sent with `ctx.send` while handling `message`, to be written
   * atomically with the commit that passes `message` (Kafka: one transaction with the consumed
   * offsets). Returns at once; the promise resolves true once they are committed, false when they
   * were dropped (the partition was revoked, the receiver closed); it never rejects. Present only
   * on receivers that commit outputs with their input; elsewhere the portable layer sends them
   * with a producer before the ack.
   */
  stage?(message: ReceivedMessage, outputs: readonly StagedOutput[]): Promise<boolean>;
  /** Stops fetching and releases the receiver; unsettled messages become available again. Idempotent. */
  close(): Promise<void>;
}
