import { randomUUID } from 'node:crypto';
import type { Broker } from '../api/broker.js';
import type { Delivery } from '../api/delivery.js';
import type { ProducerOptions } from '../api/options.js';
import type { Producer, Receipt } from '../api/producer.js';
import type { Subscription } from '../api/subscription.js';
import type { StartPosition } from '../driver/types.js';
import { ClosedError, ConfigError, EventPortError, InvalidEventError } from '../errors/errors.js';
import type { Event, EventInput } from '../event/types.js';

/** CloudEvents extension naming the topic a reply goes to. */
export const REPLY_TO = 'replyto';
/** CloudEvents extension a reply copies from its request, so the requester can match the two. */
export const CORRELATION_ID = 'correlationid';

/** No reply came within the request's timeout. Retryable: the responder may only be slow. */
export class RequestTimeoutError extends EventPortError {
  constructor(
    readonly correlationId: string,
    readonly timeoutMs: number,
  ) {
    super('TIMEOUT', `no reply within ${timeoutMs} ms (correlation id ${correlationId})`, {
      retryable: true,
    });
  }
}

export interface RequesterOptions {
  /** Where requests go (the responders' topic). */
  readonly requestTopic: string;
  /** Where replies come back: a topic only this requester reads (replies it cannot match are dropped). */
  readonly replyTopic: string;
  /** How long a request waits for its reply, unless `request` says otherwise. Default 30 s. */
  readonly timeoutMs?: number;
  /** The reply consumer's group. Default `requester-<replyTopic>`. */
  readonly group?: string;
  /** Where the reply consumer starts when its group is new. Default `earliest`: no reply is missed while it joins. */
  readonly from?: StartPosition;
  /** Options of the request producer (delivery, retry, …). */
  readonly producer?: ProducerOptions;
}

export interface Requester {
  /** The reply topic (what requests carry as `replyto`). */
  readonly replyTopic: string;
  /** Requests waiting for their reply. */
  readonly pending: number;
  /** Replies that matched no waiting request (late after their timeout, repeated, or foreign): acknowledged and dropped. */
  readonly unmatchedReplies: number;
  /**
   * Sends `event` to the request topic with `replyto` and a fresh `correlationid`, and resolves
   * with the first reply carrying that correlation id. Rejects with RequestTimeoutError when none
   * came within the timeout (counted from the call, the send included), with the send's error when the request could not be published, and
   * with ClosedError when the requester closes first. Any number of requests may be in flight at
   * once; replies are matched by id, in whatever order they come.
   */
  request(event: EventInput, options?: { readonly timeoutMs?: number }): Promise<Event>;
  /** Rejects the waiting requests with ClosedError, then closes the reply consumer and the producer. Idempotent. */
  close(): Promise<void>;
}

interface Waiting {
  resolve(reply: Event): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * Request-response over events: opens a consumer on `replyTopic` (resolved once subscribed) and a
 * producer on `requestTopic`. A responder answers with {@link reply}. Delivery is at least once
 * both ways, so a responder may handle a request twice and a requester may see a reply twice: the
 * second reply matches nothing and is dropped, the responder's effects should be idempotent.
 */
export async function requester(broker: Broker, options: RequesterOptions): Promise<Requester> {
  const requestTopic = topicOption(options.requestTopic, 'requestTopic');
  const replyTopic = topicOption(options.replyTopic, 'replyTopic');
  const defaultTimeoutMs = timeoutOption(options.timeoutMs ?? 30_000, 'timeoutMs');
  const waiting = new Map<string, Waiting>();
  let unmatched = 0;
  let closed = false;

  const subscription: Subscription = await broker
    .consumer(replyTopic, {
      group: options.group ?? `requester-${replyTopic}`,
      from: options.from ?? 'earliest',
      ordering: 'none',
    })
    .subscribe((event: Event) => {
      const id = event.extensions[CORRELATION_ID];
      const w = typeof id === 'string' ? waiting.get(id) : undefined;
      if (w === undefined) {
        unmatched++;
        return;
      }
      waiting.delete(id as string);
      clearTimeout(w.timer);
      w.resolve(event);
    });
  let producer: Producer;
  try {
    producer = broker.producer(requestTopic, options.producer);
  } catch (err) {
    await subscription.close();
    throw err;
  }

  return {
    replyTopic,
    get pending() {
      return waiting.size;
    },
    get unmatchedReplies() {
      return unmatched;
    },

    async request(event, requestOptions = {}) {
      if (closed) throw new ClosedError('requester');
      const timeoutMs = timeoutOption(requestOptions.timeoutMs ?? defaultTimeoutMs, 'timeoutMs');
      for (const name of [REPLY_TO, CORRELATION_ID]) {
        if (event.extensions?.[name] !== undefined)
          throw new InvalidEventError(`extensions.${name}`, 'is set by the requester; leave it out');
      }
      const correlationId = randomUUID();
      const replied = new Promise<Event>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(correlationId);
          reject(new RequestTimeoutError(correlationId, timeoutMs));
        }, timeoutMs);
        waiting.set(correlationId, { resolve, reject, timer });
      });
      // The caller sees the send's error instead, or the reply; never an unhandled rejection.
      replied.catch(() => undefined);
      let receipt: Receipt | undefined;
      try {
        receipt = await producer.send({
          ...event,
          extensions: { ...event.extensions, [REPLY_TO]: replyTopic, [CORRELATION_ID]: correlationId },
        });
      } finally {
        if (receipt === undefined) {
          const w = waiting.get(correlationId);
          if (w !== undefined) clearTimeout(w.timer);
          waiting.delete(correlationId);
        }
      }
      return replied;
    },

    async close() {
      if (closed) return;
      closed = true;
      for (const w of waiting.values()) {
        clearTimeout(w.timer);
        w.reject(new ClosedError('requester'));
      }
      waiting.clear();
      await Promise.allSettled([subscription.close(), producer.close()]);
    },
  };
}

/**
 * Answers the request being handled: sends `answer` to the request's `replyto` topic with its
 * `correlationid`, through `delivery.send` — so the reply is published only if the handler
 * succeeds, before the request is acknowledged (and, where the broker commits both atomically,
 * together with it). A request without `replyto` or `correlationid` is an InvalidEventError: the
 * handler fails, and the request is retried, then dead-lettered with that reason.
 */
export async function reply(delivery: Delivery, answer: EventInput): Promise<void> {
  const request = delivery.event;
  const replyTo = request.extensions[REPLY_TO];
  const correlationId = request.extensions[CORRELATION_ID];
  if (typeof replyTo !== 'string' || replyTo.length === 0)
    throw new InvalidEventError(`extensions.${REPLY_TO}`, `request ${request.id} says no reply topic`);
  if (typeof correlationId !== 'string' || correlationId.length === 0)
    throw new InvalidEventError(
      `extensions.${CORRELATION_ID}`,
      `request ${request.id} has no correlation id`,
    );
  await delivery.send(replyTo, {
    ...answer,
    extensions: { ...answer.extensions, [CORRELATION_ID]: correlationId },
  });
}

function topicOption(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0)
    throw new ConfigError(name, 'must be a non-empty topic name');
  return value;
}

function timeoutOption(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1)
    throw new ConfigError(name, `must be an integer >= 1 (milliseconds), got ${String(value)}`);
  return value;
}
