/**
 * Request-response over events, built only on the public API (core has no helper for it yet).
 *
 * A Requester owns one reply topic and one consumer on it (its own group, from the earliest
 * event, so no reply is missed while the group is joining). `request` sends an event carrying two
 * CloudEvents extensions — `replyto` (the reply topic) and `correlationid` (a fresh UUID) — and
 * returns a promise settled by the reply with the same correlation id, or rejected with a
 * RequestTimeoutError after `timeoutMs`. A reply that comes after its timeout, or that matches
 * nothing, is counted and dropped. A responder replies with `reply(ctx, request, data)`, which
 * publishes through ctx.send: the reply goes out only if the handler succeeds.
 */
import { randomUUID } from 'node:crypto';
import type { Broker, DeliveryContext, Event, EventInput, Producer, Subscription } from '@eventport/core';

export const REPLY_TO = 'replyto';
export const CORRELATION_ID = 'correlationid';

export class RequestTimeoutError extends Error {
  constructor(
    readonly correlationId: string,
    readonly timeoutMs: number,
  ) {
    super(`no reply within ${timeoutMs} ms (correlation id ${correlationId})`);
    this.name = 'RequestTimeoutError';
  }
}

interface Pending {
  resolve(event: Event): void;
  reject(err: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

export class Requester {
  /** Replies that matched no pending request (late, after their timeout, or repeated). */
  unmatchedReplies = 0;
  private readonly pending = new Map<string, Pending>();
  private readonly producers = new Map<string, Producer>();

  private constructor(
    private readonly broker: Broker,
    readonly replyTopic: string,
    private readonly subscription: { sub?: Subscription },
  ) {}

  /** Opens the reply consumer on `replyTopic` (a topic only this requester reads). */
  static async open(broker: Broker, replyTopic: string): Promise<Requester> {
    const holder: { sub?: Subscription } = {};
    const requester = new Requester(broker, replyTopic, holder);
    holder.sub = await broker
      .consumer(replyTopic, { group: `requester-${replyTopic}`, from: 'earliest', ordering: 'none' })
      .subscribe((event: Event) => requester.onReply(event));
    return requester;
  }

  /** Sends `input` to `topic` as a request and waits for its reply, at most `timeoutMs`. */
  async request(topic: string, input: EventInput, timeoutMs: number): Promise<Event> {
    const correlationId = randomUUID();
    const reply = new Promise<Event>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(correlationId);
        reject(new RequestTimeoutError(correlationId, timeoutMs));
      }, timeoutMs);
      this.pending.set(correlationId, { resolve, reject, timer });
    });
    let producer = this.producers.get(topic);
    if (producer === undefined) this.producers.set(topic, (producer = this.broker.producer(topic)));
    try {
      await producer.send({
        ...input,
        extensions: { ...input.extensions, [REPLY_TO]: this.replyTopic, [CORRELATION_ID]: correlationId },
      });
    } catch (err) {
      const p = this.pending.get(correlationId);
      if (p !== undefined) {
        clearTimeout(p.timer);
        this.pending.delete(correlationId);
      }
      throw err;
    }
    return reply;
  }

  /** Stops waiting: pending requests are rejected, the reply consumer closed. */
  async close(): Promise<void> {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new Error(`requester closed before the reply to ${id}`));
    }
    this.pending.clear();
    await this.subscription.sub?.close({ drainTimeoutMs: 2_000 });
    await Promise.all([...this.producers.values()].map((p) => p.close()));
  }

  private onReply(event: Event): void {
    const id = event.extensions[CORRELATION_ID];
    const p = typeof id === 'string' ? this.pending.get(id) : undefined;
    if (p === undefined) {
      this.unmatchedReplies++;
      return;
    }
    clearTimeout(p.timer);
    this.pending.delete(id as string);
    p.resolve(event);
  }
}

/**
 * Replies to `request` with `data`, through ctx.send (sent only if the handler succeeds). A
 * request without `replyto` is a caller's mistake: it throws, so the request is retried and then
 * dead-lettered with the reason.
 */
export async function reply(
  ctx: DeliveryContext,
  request: Event,
  type: string,
  data: unknown,
): Promise<void> {
  const replyTo = request.extensions[REPLY_TO];
  const correlationId = request.extensions[CORRELATION_ID];
  if (typeof replyTo !== 'string' || typeof correlationId !== 'string')
    throw new Error(`request ${request.id} has no ${REPLY_TO} / ${CORRELATION_ID} extension`);
  await ctx.send(replyTo, {
    type,
    source: '/responder',
    subject: request.id,
    extensions: { [CORRELATION_ID]: correlationId },
    data,
  });
}
