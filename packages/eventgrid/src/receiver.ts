import {
  EventPortError,
  type DriverReceiver,
  type Logger,
  type ReceivedMessage,
} from '@eventport/core/driver';
import { RELEASE_DELAYS_S } from './capabilities.js';
import type { NamespaceClient, SettleAction } from './client.js';
import { mapHttpFailure } from './errors.js';
import { processGiveBacks } from './give-backs.js';
import { decodeEvent } from './wire.js';

/** Lock tokens per settle request (the service's limit). */
const TOKENS_PER_SETTLE = 100;
/** How long a stopped receiver lets its open receive finish before aborting it (see receive). */
export const RECEIVE_GRACE_MS = 250;
/** Events per receive request (the service's limit). */
const MAX_EVENTS_PER_RECEIVE = 100;

/** The smallest release delay the service allows that is at least `delayMs` (at most 1 h). */
export function releaseDelaySeconds(delayMs: number): number {
  const seconds = Math.max(0, delayMs) / 1000;
  return RELEASE_DELAYS_S.find((d) => d >= seconds) ?? RELEASE_DELAYS_S[RELEASE_DELAYS_S.length - 1]!;
}

/** Longest EventPort holds a nacked event's lock before releasing it (half the shortest lock, 60 s). */
export const MAX_HOLD_MS = 30_000;

/**
 * How a nack with `delayMs` is carried out: hold the lock for `holdMs`, then release with
 * `releaseSeconds` (an allowed value), so that the event comes back after exactly the delay
 * whenever the remainder above an allowed value is at most 30 s (5 s: hold 5 s, release 0;
 * 25 s: hold 15 s, release 10 s; 90 s: hold 30 s, release 60 s). Otherwise the delay is rounded
 * up to the next allowed value (45 s: release 60 s), capped at 1 h.
 */
export function releasePlan(delayMs: number): { holdMs: number; releaseSeconds: number } {
  const ms = Math.max(0, Math.ceil(delayMs));
  for (let i = RELEASE_DELAYS_S.length - 1; i >= 0; i--) {
    const d = RELEASE_DELAYS_S[i]! * 1000;
    if (d <= ms && ms - d <= MAX_HOLD_MS) return { holdMs: ms - d, releaseSeconds: d / 1000 };
  }
  return { holdMs: 0, releaseSeconds: releaseDelaySeconds(ms) };
}

export interface ReceiverSettings {
  /** Namespace topic and event subscription, as the service names them. */
  readonly topic: string;
  readonly subscription: string;
  /** Longest a receive waits for events, in seconds (10-120). */
  readonly maxWaitTime: number;
  readonly logger: Logger;
}

/**
 * Pull receiver of one event subscription: receive (maxEvents from the requested max,
 * maxWaitTime from the config), acknowledge, release (nack, delay rounded up to the allowed
 * values) and renewLock (lease extension). Settle calls carry at most 100 lock tokens; a token
 * the service reports as failed (lock lost: the event is delivered again) is logged and, for a
 * renewal, raised so that the lease keeper knows.
 */
export class EventGridReceiver implements DriverReceiver {
  readonly settlement = 'per-message';
  #closed = false;
  readonly #stop = new AbortController();
  #inFlight: Promise<unknown> | undefined;
  /** Lock tokens handed out and not settled yet: released when the receiver closes. */
  readonly #outstanding = new Set<string>();
  /** Nacked events whose lock EventPort holds until their release: token -> timer and deadline. */
  readonly #held = new Map<string, { timer: NodeJS.Timeout; releaseAt: number }>();

  constructor(
    private readonly client: NamespaceClient,
    private readonly settings: ReceiverSettings,
  ) {}

  async receive(max: number, signal: AbortSignal): Promise<ReceivedMessage[]> {
    if (this.#closed || signal.aborted) return [];
    const { topic, subscription, maxWaitTime } = this.settings;
    // Stopping does not cut a receive at once: an answer in transit would leave its events locked
    // (until their locks expire) with nobody to release them. A receive still open RECEIVE_GRACE_MS
    // after the stop is waiting for events that are not there, and is aborted.
    const request = new AbortController();
    let grace: NodeJS.Timeout | undefined;
    const onStop = () => {
      grace ??= setTimeout(() => request.abort(), RECEIVE_GRACE_MS);
    };
    const stopped = () => signal.aborted || this.#stop.signal.aborted;
    signal.addEventListener('abort', onStop, { once: true });
    this.#stop.signal.addEventListener('abort', onStop, { once: true });
    const maxEvents = Math.max(1, Math.min(MAX_EVENTS_PER_RECEIVE, Math.floor(max)));
    const pending = this.client.receive(topic, subscription, maxEvents, maxWaitTime, request.signal);
    this.#inFlight = pending;
    const answer = await pending;
    this.#inFlight = undefined;
    clearTimeout(grace);
    signal.removeEventListener('abort', onStop);
    this.#stop.signal.removeEventListener('abort', onStop);
    if (!answer.ok) {
      if (stopped()) return [];
      throw mapHttpFailure(answer.failure, 'receive', `from ${this.label()}`, topic);
    }
    const details = Array.isArray(answer.value.value) ? answer.value.value : [];
    const messages = details.map((detail): ReceivedMessage => {
      const lockToken = String(detail.brokerProperties?.lockToken ?? '');
      const decoded = decodeEvent(detail.event, { topic, subscription, lockToken });
      const count = Number(detail.brokerProperties?.deliveryCount);
      // Handler attempts: the service's count less the deliveries given back unhandled.
      const received = Number.isInteger(count) && count > 0 ? count : 1;
      const unseen = processGiveBacks.givenBack(this.ledgerKey(), decoded.event.id);
      return {
        event: decoded.event,
        deliveryCount: Math.max(1, received - unseen),
        handle: lockToken,
        ...(decoded.undecodable !== undefined ? { undecodable: decoded.undecodable } : {}),
      };
    });
    if (stopped() && messages.length > 0) {
      // Answered as the consumer stopped: give the locked events back at once (no handler saw them).
      for (const m of messages) processGiveBacks.add(this.ledgerKey(), m.event.id);
      await this.settle('release', messages.map(tokenOf), 0).catch(() => undefined);
      return [];
    }
    for (const m of messages) this.#outstanding.add(tokenOf(m));
    return messages;
  }

  async ack(messages: readonly ReceivedMessage[]): Promise<void> {
    const tokens = messages.map(tokenOf);
    for (const t of tokens) this.#outstanding.delete(t);
    for (const m of messages) processGiveBacks.forget(this.ledgerKey(), m.event.id);
    for (let i = 0; i < tokens.length; i += TOKENS_PER_SETTLE) {
      await this.settle('acknowledge', tokens.slice(i, i + TOKENS_PER_SETTLE));
    }
  }

  /**
   * Releases the event (see {@link releasePlan}). A held event is released when its hold ends,
   * or at once (with the rest of its delay rounded up) when the receiver closes.
   */
  nack(message: ReceivedMessage, delayMs: number): Promise<void> {
    const token = tokenOf(message);
    this.#outstanding.delete(token);
    const { holdMs, releaseSeconds } = releasePlan(delayMs);
    if (holdMs === 0 || this.#closed) return this.settle('release', [token], releaseDelaySeconds(delayMs));
    const releaseAt = Date.now() + delayMs;
    const timer = setTimeout(() => {
      this.#held.delete(token);
      this.settle('release', [token], releaseSeconds).catch((err: unknown) =>
        this.settings.logger.warn('release failed; the event is delivered again when its lock expires', {
          topic: this.settings.topic,
          error: err,
        }),
      );
    }, holdMs);
    this.#held.set(token, { timer, releaseAt });
    return Promise.resolve();
  }

  /** Gives back an event no handler ran on (release, no delay): not counted as an attempt. */
  async release(message: ReceivedMessage): Promise<void> {
    const token = tokenOf(message);
    if (!this.#outstanding.delete(token)) return;
    processGiveBacks.add(this.ledgerKey(), message.event.id);
    await this.settle('release', [token], 0);
  }

  extendLease(message: ReceivedMessage, _ms: number): Promise<void> {
    return this.settle('renewLock', [tokenOf(message)]);
  }

  /**
   * Stops receiving and gives back every event handed out and not settled (release with no
   * delay), and releases held nacks at once with the rest of their delay rounded up.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stop.abort();
    await this.#inFlight?.catch(() => undefined);
    const held = [...this.#held];
    this.#held.clear();
    const unsettled = [...this.#outstanding];
    this.#outstanding.clear();
    const releases: Promise<void>[] = held.map(([token, { timer, releaseAt }]) => {
      clearTimeout(timer);
      return this.settle('release', [token], releaseDelaySeconds(releaseAt - Date.now()));
    });
    for (let i = 0; i < unsettled.length; i += TOKENS_PER_SETTLE)
      releases.push(this.settle('release', unsettled.slice(i, i + TOKENS_PER_SETTLE), 0));
    await Promise.allSettled(releases);
  }

  private async settle(action: SettleAction, tokens: string[], delay?: number): Promise<void> {
    const { topic, subscription } = this.settings;
    const answer = await this.client.settle(topic, subscription, action, tokens, delay);
    if (!answer.ok) throw mapHttpFailure(answer.failure, 'settle', `${action} on ${this.label()}`, topic);
    const failed = Array.isArray(answer.value.failedLockTokens) ? answer.value.failedLockTokens : [];
    if (failed.length === 0) return;
    const codes = [...new Set(failed.map((f) => f.error?.code ?? 'unknown'))].join(', ');
    throw new EventPortError(
      'SEND_FAILED',
      `Event Grid ${action} on ${this.label()}: ${failed.length} of ${tokens.length} lock tokens failed (${codes}); their events will be delivered again`,
      { retryable: false },
    );
  }

  /** The subscription's key in the give-back ledger. */
  private ledgerKey(): string {
    return `${this.settings.topic}/${this.settings.subscription}`;
  }

  private label(): string {
    return `event subscription "${this.settings.subscription}" of topic "${this.settings.topic}"`;
  }
}

function tokenOf(message: ReceivedMessage): string {
  return message.handle as string;
}
