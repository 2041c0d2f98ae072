/**
 * One push event subscription: delivers each matching event to its webhook, one event per
 * request, up to `concurrency` requests in flight, retrying and dead-lettering as the service
 * does (see retry.ts). Delivery bodies: Event Grid and custom schema `[event]` as
 * `application/json`; CloudEvents one event as `application/cloudevents+json; charset=utf-8`.
 * Headers: `aeg-event-type: Notification`, `aeg-subscription-name`, `aeg-delivery-count` (0 on
 * the first attempt), `aeg-metadata-version`, `aeg-data-version` (Event Grid schema).
 */
import type { InputSchema, PushSubscriptionConfig } from '../config.js';
import { serviceTime, type DeadLetterSink } from '../dead-letter.js';
import { Queue } from '../queue.js';
import { matchesFilter } from './filter.js';
import { classify, retryDelay } from './retry.js';
import { WebhookTimeout, type WebhookClient } from './webhook-client.js';

export interface PushSettings {
  readonly retrySchedule: readonly number[];
  readonly deliveryTimeoutMs: number;
  readonly concurrency: number;
  readonly timeScale: number;
}

interface Delivery {
  readonly event: Record<string, unknown>;
  readonly publishedAt: number;
  attempts: number;
  lastOutcome?: string;
  lastStatus?: number;
  lastAttemptAt?: number;
}

/** Delivery counters for the admin API and tests. */
export interface PushStats {
  delivered: number;
  attempts: number;
  deadLettered: number;
  dropped: number;
}

export class PushSubscription {
  readonly stats: PushStats = { delivered: 0, attempts: 0, deadLettered: 0, dropped: 0 };
  private readonly pending = new Queue<Delivery>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private inFlight = 0;
  private closed = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    readonly topic: string,
    readonly config: PushSubscriptionConfig,
    readonly schema: InputSchema,
    private readonly settings: PushSettings,
    private readonly client: WebhookClient,
    private readonly deadLetters: DeadLetterSink,
  ) {}

  get maxDeliveryAttempts(): number {
    return this.config.retryPolicy?.maxDeliveryAttempts ?? 30;
  }

  get ttlMs(): number {
    return (this.config.retryPolicy?.eventTimeToLiveInMinutes ?? 1440) * 60_000 * this.settings.timeScale;
  }

  /** Queues `event` for delivery when it passes the subscription's filter. */
  offer(event: Record<string, unknown>, publishedAt: number): void {
    if (this.closed || !matchesFilter(this.config.filter, event)) return;
    this.pending.push({ event, publishedAt, attempts: 0 });
    this.pump();
  }

  /** Nothing queued, in flight or waiting for a retry. */
  get idle(): boolean {
    return this.pending.length === 0 && this.inFlight === 0 && this.timers.size === 0;
  }

  /** Stops delivering: pending events and scheduled retries are dropped. */
  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.pending.clear();
    this.notifyIdle();
  }

  private pump(): void {
    while (!this.closed && this.inFlight < this.settings.concurrency && this.pending.length > 0) {
      const delivery = this.pending.shift() as Delivery;
      this.inFlight += 1;
      void this.attempt(delivery).finally(() => {
        this.inFlight -= 1;
        this.pump();
        this.notifyIdle();
      });
    }
  }

  private async attempt(delivery: Delivery): Promise<void> {
    if (Date.now() - delivery.publishedAt > this.ttlMs) {
      this.deadLetter(delivery, 'TimeToLiveExceeded');
      return;
    }
    delivery.attempts += 1;
    delivery.lastAttemptAt = Date.now();
    this.stats.attempts += 1;
    let outcome;
    try {
      const answer = await this.client.request(this.config.endpointUrl, this.requestFor(delivery));
      outcome = classify(answer.status);
    } catch (error) {
      outcome = {
        kind: 'retry' as const,
        outcome: error instanceof WebhookTimeout ? 'TimedOut' : 'GenericError',
      };
    }
    if (this.closed) return;
    if (outcome.kind === 'delivered') {
      this.stats.delivered += 1;
      return;
    }
    delivery.lastOutcome = outcome.outcome;
    delivery.lastStatus = outcome.status;
    if (outcome.kind === 'no-retry') {
      this.deadLetter(delivery, `UndeliverableDueToHttp${outcome.outcome}`);
    } else if (delivery.attempts >= this.maxDeliveryAttempts) {
      this.deadLetter(delivery, 'MaxDeliveryAttemptsExceeded');
    } else {
      const timer = setTimeout(
        () => {
          this.timers.delete(timer);
          this.pending.push(delivery);
          this.pump();
        },
        retryDelay(this.settings.retrySchedule, delivery.attempts),
      );
      this.timers.add(timer);
    }
  }

  private requestFor(delivery: Delivery) {
    const headers: Record<string, string> = {
      'aeg-event-type': 'Notification',
      'aeg-subscription-name': this.config.name.toUpperCase(),
      'aeg-delivery-count': String(delivery.attempts - 1),
      'aeg-metadata-version': '1',
    };
    if (this.schema === 'CloudEventSchemaV1_0') {
      headers['content-type'] = 'application/cloudevents+json; charset=utf-8';
      return {
        method: 'POST',
        headers,
        body: JSON.stringify(delivery.event),
        timeoutMs: this.settings.deliveryTimeoutMs,
      };
    }
    headers['content-type'] = 'application/json';
    if (typeof delivery.event.dataVersion === 'string')
      headers['aeg-data-version'] = delivery.event.dataVersion;
    return {
      method: 'POST',
      headers,
      body: JSON.stringify([delivery.event]),
      timeoutMs: this.settings.deliveryTimeoutMs,
    };
  }

  private deadLetter(delivery: Delivery, reason: string): void {
    if (this.config.deadLetter === false) {
      this.stats.dropped += 1;
      return;
    }
    this.stats.deadLettered += 1;
    this.deadLetters.write(this.topic, this.config.name, {
      ...delivery.event,
      deadLetterReason: reason,
      deliveryAttempts: delivery.attempts,
      lastDeliveryOutcome: delivery.lastOutcome ?? 'NotAttempted',
      ...(delivery.lastStatus !== undefined ? { lastHttpStatusCode: delivery.lastStatus } : {}),
      publishTime: serviceTime(new Date(delivery.publishedAt)),
      lastDeliveryAttemptTime: serviceTime(new Date(delivery.lastAttemptAt ?? delivery.publishedAt)),
    });
  }

  /** Resolves once nothing is queued, in flight or scheduled (used by `BasicTopics.close` and tests). */
  whenIdle(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private notifyIdle(): void {
    if (!this.idle) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
