import type { v1 } from '@google-cloud/pubsub';
import type { Event } from '@eventport/core/driver';
import {
  BrokerUnavailableError,
  TopicNotFoundError,
  withDeadLetterInfo,
  type EventPortError,
  type DriverReceiver,
  type ReceivedMessage,
} from '@eventport/core/driver';
import { MAX_ACK_DEADLINE_S, MAX_BATCH_MESSAGES } from './capabilities.js';
import { mapPubSubError } from './errors.js';
import { processGiveBacks, type GiveBackLedger } from './give-backs.js';
import { outcome, Settlements } from './settlement.js';
import { decodeMessage, UNDECODABLE_ATTRIBUTE, type OutgoingMessage } from './wire.js';

/** The driver's handle of a received message. */
export interface PubSubHandle {
  readonly ackId: string;
  readonly messageId: string;
  /** The ordering key, when the message is held back by key. */
  readonly key: string | undefined;
}

export interface ReceiverSettings {
  readonly subscription: string;
  /** Full resource name of the subscription. */
  readonly subscriptionPath: string;
  /** CloudEvents source of plain messages. */
  readonly source: string;
  readonly pullConcurrency: number;
  readonly pullTimeoutMs: number;
  /**
   * Ordered subscription: while an ordering key has a message out with the portable layer, later
   * messages of that key wait here (their deadlines kept alive); a nack gives them all back, so
   * Pub/Sub redelivers the key in order.
   */
  readonly holdBackKeys: boolean;
  /** The subscription's ack deadline, for keeping held messages alive. */
  readonly ackDeadlineSeconds: number;
  /** Re-creates the subscription when it vanished (auto-creation on); absent: a missing one is final. */
  readonly heal?: () => Promise<void>;
  /** Publishes to the dead-letter topic (events that exhausted their attempts, undecodable messages). */
  readonly deadLetter: DeadLetterPublish;
  /**
   * Messages published before this time are acknowledged without being delivered: the start
   * position of a subscription an emulator could not seek (see Resources.startFilter).
   */
  readonly skipPublishedBefore?: Date;
  /** Deliveries given back unhandled (default: the process-wide ledger). */
  readonly giveBacks?: GiveBackLedger;
}

/** Publishes one message to the dead-letter topic. */
export interface DeadLetterPublish {
  readonly topic: string;
  publishEvent(event: Event): Promise<void>;
  publishRaw(message: Omit<OutgoingMessage, 'size' | 'orderingKey'>): Promise<void>;
}

/** Remembered delivery counts (for subscriptions without a dead-letter policy, deliveryAttempt is 0). */
const MAX_REMEMBERED = 100_000;

function handleOf(m: ReceivedMessage): PubSubHandle {
  return m.handle as PubSubHandle;
}

function clampSeconds(ms: number, min: number): number {
  return Math.max(min, Math.min(MAX_ACK_DEADLINE_S, Math.ceil(ms / 1000)));
}

/**
 * Receives from one subscription with Pull requests (up to `pullConcurrency` at once, each waiting
 * at most `pullTimeoutMs`, which bounds close; never asking
 * for more than the room the portable layer gave, so maxInFlight is the flow control). Acks become
 * Acknowledge requests, nacks, redelivery delays and lease extensions ModifyAckDeadline requests,
 * gathered per turn of the event loop. EventPort's lease keeper is the only one extending leases:
 * the high-level client's StreamingPull lease manager would extend deadlines on its own and cannot
 * nack with a delay.
 */
export class PubSubReceiver implements DriverReceiver {
  readonly settlement = 'per-message' as const;
  private readonly settle: Settlements;
  private readonly abort = new AbortController();
  private readonly out = new Map<string, PubSubHandle>();
  private readonly seen = new Map<string, number>();
  private readonly running = new Set<Promise<unknown>>();
  private buffer: ReceivedMessage[] = [];
  private polls = 0;
  private requested = 0;
  private failure: EventPortError | undefined;
  private wake: (() => void) | undefined;
  private healing: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  /** Hold-back: key → messages waiting for the key's current one. */
  private readonly held = new Map<string, ReceivedMessage[]>();
  /** Hold-back: keys with a message out (or buffered). */
  private readonly active = new Set<string>();
  private heldCount = 0;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private readonly giveBacks: GiveBackLedger;

  constructor(
    private readonly client: v1.SubscriberClient,
    private readonly settings: ReceiverSettings,
  ) {
    this.nack = settings.holdBackKeys ? undefined : (m, delayMs) => this.nackNow(m, delayMs);
    this.settle = new Settlements(client, settings.subscriptionPath, settings.subscription);
    this.giveBacks = settings.giveBacks ?? processGiveBacks;
  }

  async receive(max: number, signal: AbortSignal): Promise<ReceivedMessage[]> {
    if (this.closing !== undefined || signal.aborted) return [];
    this.topUp(max);
    if (this.buffer.length === 0) {
      const onAbort = (): void => this.wake?.();
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        while (
          this.buffer.length === 0 &&
          (this.polls > 0 || this.heldCount > 0) &&
          this.failure === undefined &&
          !signal.aborted &&
          this.closing === undefined
        ) {
          await new Promise<void>((resolve) => (this.wake = resolve));
          this.wake = undefined;
        }
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
      if (signal.aborted || this.closing !== undefined) return [];
      if (this.buffer.length === 0 && this.failure !== undefined) {
        const failure = this.failure;
        this.failure = undefined;
        throw failure;
      }
    }
    const taken = this.buffer.length <= max ? this.buffer : this.buffer.slice(0, max);
    this.buffer = this.buffer.length <= max ? [] : this.buffer.slice(max);
    return taken.map((m) => {
      const h = handleOf(m);
      this.out.set(h.ackId, h);
      // Handler attempts: deliveries this receiver handed out, or Pub/Sub's deliveryAttempt (set
      // with a dead-letter policy) less the deliveries given back unhandled, when that is higher.
      const count = (this.seen.get(h.messageId) ?? 0) + 1;
      this.remember(h.messageId, count);
      const server = m.deliveryCount - this.giveBacks.givenBack(this.settings.subscriptionPath, h.messageId);
      return { ...m, deliveryCount: Math.max(1, server, count) };
    });
  }

  /** Starts Pull requests for the room not covered by buffered or already requested messages. */
  private topUp(max: number): void {
    let want = max - this.buffer.length - this.heldCount - this.requested;
    const { pullConcurrency } = this.settings;
    while (want > 0 && this.polls < pullConcurrency) {
      const n = Math.min(MAX_BATCH_MESSAGES, Math.ceil(want / (pullConcurrency - this.polls)));
      this.pull(n);
      want -= n;
    }
  }

  private pull(n: number): void {
    this.polls++;
    this.requested += n;
    const { subscription, subscriptionPath, pullTimeoutMs } = this.settings;
    // Not cancelled at close: Google's emulator keeps a cancelled Pull alive and hands it later
    // messages (after a few hundred cancels it stops delivering for tens of seconds). Close waits
    // for the Pulls in flight, at most their deadline (pullTimeoutMs), and gives back what they bring.
    const op = this.client
      .pull({ subscription: subscriptionPath, maxMessages: n }, { retry: null, timeout: pullTimeoutMs })
      .then(
        ([response]) => this.accept(response.receivedMessages ?? []),
        (err: unknown) => {
          if (this.abort.signal.aborted) return;
          const mapped = mapPubSubError(err, `pull from ${subscription}`, subscription);
          // A Pull that waited its whole deadline without messages is not a failure.
          if (mapped.code === 'TIMEOUT') return;
          const heal = this.settings.heal;
          if (mapped instanceof TopicNotFoundError && heal !== undefined) {
            // The subscription vanished (deleted, an emulator restart): re-create it; retryable meanwhile.
            this.healing ??= heal()
              .catch(() => undefined)
              .finally(() => (this.healing = undefined));
            this.failure = new BrokerUnavailableError(
              `subscription ${subscription} was missing; re-creating it`,
              {
                cause: mapped,
              },
            );
          } else this.failure = mapped;
        },
      )
      .finally(() => {
        this.polls--;
        this.requested -= n;
        this.running.delete(op);
        this.wake?.();
      });
    this.running.add(op);
  }

  private accept(received: readonly v1SubscriberMessage[]): void {
    for (const r of received) {
      const m = r.message;
      if (r.ackId == null || m == null || m.messageId == null) continue;
      if (this.closing !== undefined) {
        this.giveBack({ ackId: r.ackId, messageId: m.messageId, key: undefined });
        continue;
      }
      const data =
        m.data == null ? undefined : typeof m.data === 'string' ? Buffer.from(m.data, 'base64') : m.data;
      const publishTime = timeOf(m.publishTime);
      const skipBefore = this.settings.skipPublishedBefore;
      if (skipBefore !== undefined && publishTime !== undefined && publishTime < skipBefore) {
        void this.settle.ack(r.ackId).catch(() => undefined);
        continue;
      }
      const attributes = (m.attributes ?? {}) as Record<string, string>;
      const decoded = decodeMessage(
        {
          messageId: m.messageId,
          data,
          attributes,
          orderingKey: m.orderingKey ?? undefined,
          publishTime,
        },
        this.settings.source,
      );
      const key = this.settings.holdBackKeys && m.orderingKey ? m.orderingKey : undefined;
      const handle: PubSubHandle = { ackId: r.ackId, messageId: m.messageId, key };
      if ('undecodable' in decoded) {
        this.moveUndecodable(handle, data, attributes, decoded.undecodable);
        continue;
      }
      // The attempt count is finished when the message is handed out (see receive).
      const message: ReceivedMessage = {
        event: decoded.event,
        deliveryCount: r.deliveryAttempt ?? 0,
        handle,
      };
      if (key !== undefined) {
        if (this.active.has(key)) {
          const list = this.held.get(key);
          if (list === undefined) this.held.set(key, [message]);
          else list.push(message);
          this.heldCount++;
          this.startHeartbeat();
          continue;
        }
        this.active.add(key);
      }
      this.buffer.push(message);
    }
  }

  /**
   * A key's current message was settled: `released` (nack) gives its held messages back so that
   * Pub/Sub redelivers the key in order; otherwise the next held one goes out.
   */
  private releaseKey(h: PubSubHandle, released: boolean): void {
    if (h.key === undefined || !this.active.has(h.key)) return;
    const waiting = this.held.get(h.key);
    if (released || waiting === undefined || waiting.length === 0) {
      this.active.delete(h.key);
      if (waiting !== undefined) {
        this.held.delete(h.key);
        this.heldCount -= waiting.length;
        for (const w of waiting) this.giveBack(handleOf(w));
      }
    } else {
      this.buffer.push(waiting.shift()!);
      this.heldCount--;
      if (waiting.length === 0) this.held.delete(h.key);
    }
    this.wake?.();
  }

  /** Keeps held-back messages' ack deadlines alive (one ModifyAckDeadline per third of a deadline). */
  private startHeartbeat(): void {
    if (this.heartbeat !== undefined) return;
    const seconds = this.settings.ackDeadlineSeconds;
    this.heartbeat = setInterval(
      () => {
        const ids = [...this.held.values()].flat().map((m) => handleOf(m).ackId);
        if (ids.length === 0) {
          clearInterval(this.heartbeat);
          this.heartbeat = undefined;
          return;
        }
        for (const id of ids) void this.settle.modify(seconds, id).catch(() => undefined);
      },
      Math.floor((seconds * 1000) / 3),
    );
    this.heartbeat.unref();
  }

  /** A message EventPort cannot decode goes to the dead-letter topic with the reason, then is acknowledged. */
  private moveUndecodable(
    h: PubSubHandle,
    data: Uint8Array | undefined,
    attributes: Record<string, string>,
    reason: string,
  ): void {
    const op = this.settings.deadLetter
      .publishRaw({
        data: data === undefined ? Buffer.alloc(0) : Buffer.from(data),
        attributes: { ...attributes, [UNDECODABLE_ATTRIBUTE]: reason.slice(0, 1000) },
      })
      .then(
        () => this.settle.ack(h.ackId),
        // Could not move it now: it comes back after a while (never a tight redelivery loop).
        () => this.settle.modify(60, h.ackId),
      )
      .catch(() => undefined);
    this.running.add(op);
    void op.finally(() => this.running.delete(op));
  }

  /** Gives a message back that no handler saw (ModifyAckDeadline 0); Pub/Sub counts it as a delivery. */
  private giveBack(h: PubSubHandle): Promise<void> {
    this.giveBacks.add(this.settings.subscriptionPath, h.messageId);
    return this.settle.modify(0, h.ackId).catch(() => undefined);
  }

  private remember(id: string, count: number): void {
    this.seen.delete(id);
    this.seen.set(id, count);
    if (this.seen.size > MAX_REMEMBERED) this.seen.delete(this.seen.keys().next().value!);
  }

  ack(messages: readonly ReceivedMessage[]): Promise<void> {
    const ops: Promise<void>[] = [];
    const acked: ReceivedMessage[] = [];
    for (const m of messages) {
      const h = handleOf(m);
      if (!this.out.delete(h.ackId)) continue;
      this.seen.delete(h.messageId);
      this.giveBacks.forget(this.settings.subscriptionPath, h.messageId);
      this.releaseKey(h, false);
      ops.push(this.settle.ack(h.ackId));
      acked.push(m);
    }
    return outcome(`acknowledge on ${this.settings.subscription}`, acked, ops);
  }

  /**
   * Native nack, on subscriptions without message ordering only. On an ordered subscription a nack
   * makes Pub/Sub redeliver every later message of the key, acknowledged ones included, so there
   * the method is absent and the portable layer retries in place (holding the key).
   */
  readonly nack: ((message: ReceivedMessage, delayMs: number) => Promise<void>) | undefined;

  private nackNow(message: ReceivedMessage, delayMs: number): Promise<void> {
    const h = handleOf(message);
    if (!this.out.delete(h.ackId)) return Promise.resolve();
    const op = this.settle.modify(clampSeconds(delayMs, 0), h.ackId);
    this.releaseKey(h, true);
    return outcome(`nack on ${this.settings.subscription}`, [message], [op]);
  }

  /** Gives back a message no handler ran on (ModifyAckDeadline 0, its key's held ones too): not counted as an attempt. */
  release(message: ReceivedMessage): Promise<void> {
    const h = handleOf(message);
    if (!this.out.delete(h.ackId)) return Promise.resolve();
    this.releaseKey(h, true);
    return this.giveBack(h);
  }

  async deadLetter(message: ReceivedMessage, reason: string): Promise<void> {
    const h = handleOf(message);
    if (!this.out.has(h.ackId)) return;
    await this.settings.deadLetter.publishEvent(
      withDeadLetterInfo(message.event, reason, message.deliveryCount),
    );
    if (!this.out.delete(h.ackId)) return;
    this.seen.delete(h.messageId);
    this.giveBacks.forget(this.settings.subscriptionPath, h.messageId);
    this.releaseKey(h, false);
    await outcome(`acknowledge on ${this.settings.subscription}`, [message], [this.settle.ack(h.ackId)]);
  }

  extendLease(message: ReceivedMessage, ms: number): Promise<void> {
    const h = handleOf(message);
    if (!this.out.has(h.ackId)) return Promise.resolve();
    return outcome(
      `extend lease on ${this.settings.subscription}`,
      [message],
      [this.settle.modify(clampSeconds(ms, 10), h.ackId)],
    );
  }

  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    this.abort.abort();
    this.wake?.();
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat);
    await Promise.allSettled([...this.running]);
    // Give back what the portable layer never saw (not counted as attempts), and what it left
    // unsettled (counted: a handler may have run).
    const unseen = [...this.buffer, ...[...this.held.values()].flat()].map(handleOf);
    const unsettled = [...this.out.keys()];
    this.buffer = [];
    this.held.clear();
    this.heldCount = 0;
    this.out.clear();
    await Promise.allSettled([
      ...unseen.map((h) => this.giveBack(h)),
      ...unsettled.map((id) => this.settle.modify(0, id)),
    ]);
    await this.settle.drain();
  }
}

type v1SubscriberMessage = {
  ackId?: string | null;
  deliveryAttempt?: number | null;
  message?: {
    messageId?: string | null;
    data?: Uint8Array | string | null;
    attributes?: Record<string, string> | null;
    orderingKey?: string | null;
    publishTime?: { seconds?: number | string | Long | null; nanos?: number | null } | null;
  } | null;
};

interface Long {
  toNumber(): number;
}

function timeOf(
  t: { seconds?: number | string | Long | null; nanos?: number | null } | null | undefined,
): Date | undefined {
  if (t == null || t.seconds == null) return undefined;
  const s = typeof t.seconds === 'object' ? t.seconds.toNumber() : Number(t.seconds);
  return new Date(s * 1000 + Math.floor((t.nanos ?? 0) / 1e6));
}
