import type { StartPosition } from '../driver/types.js';
import { ConfigError } from '../errors/errors.js';
import type { IdempotencyStore } from '../idempotency/store.js';
import type { Logger } from '../logging/logger.js';
import { resolveRetry, type RetryOptions, type RetryPolicy } from '../portable/backoff.js';
import {
  checkKnownKeys,
  checkMethods,
  checkOptionsObject,
  checkSignal,
  checkStringList,
} from './option-checks.js';

const PRODUCER_KEYS = ['delivery', 'require', 'batch', 'retry'] as const;
const BATCH_KEYS = ['maxEvents', 'maxBytes', 'lingerMs'] as const;
const RETRY_KEYS = ['attempts', 'backoff', 'initialDelayMs', 'maxDelayMs', 'jitter'] as const;
const CONSUMER_KEYS = [
  'group',
  'delivery',
  'require',
  'concurrency',
  'ordering',
  'maxInFlight',
  'retry',
  'deadLetter',
  'from',
  'leaseMs',
  'idempotencyStore',
  'idempotencyTtlMs',
  'signal',
  'logger',
] as const;
/** The methods a Logger must have. */
export const LOGGER_METHODS = ['debug', 'info', 'warn', 'error'] as const;
/** The methods an IdempotencyStore must have. */
export const STORE_METHODS = ['has', 'add'] as const;

/** Refuses a retry object of the wrong shape (unknown keys included). */
function checkRetryShape(retry: unknown, name: string): RetryOptions | undefined {
  if (retry === undefined) return undefined;
  const r = checkOptionsObject(retry, name);
  checkKnownKeys(r, RETRY_KEYS, name);
  return r as RetryOptions;
}

/** Delivery semantics asked of a producer or consumer. */
export type DeliveryMode = 'at-most-once' | 'at-least-once' | 'exactly-once';
const MODES: readonly DeliveryMode[] = ['at-most-once', 'at-least-once', 'exactly-once'];

export interface ProducerOptions {
  /** Default "at-least-once" (retry until acknowledged). "exactly-once" = idempotent publish. */
  delivery?: DeliveryMode;
  /** Guarantees that must hold; checked when the producer is created. */
  require?: readonly string[];
  /** Batching limits: a batch is sent when any is reached. */
  batch?: { maxEvents?: number; maxBytes?: number; lingerMs?: number };
  /** Retries of retryable send failures (at-least-once and exactly-once only). */
  retry?: RetryOptions;
}

export interface ResolvedProducerOptions {
  readonly delivery: DeliveryMode;
  readonly required: readonly string[];
  readonly maxEvents: number;
  readonly maxBytes: number;
  readonly lingerMs: number;
  readonly retry: RetryPolicy;
}

export function resolveProducerOptions(topic: string, given?: ProducerOptions): ResolvedProducerOptions {
  checkTopic(topic);
  const o = checkOptionsObject(given, 'producer') as ProducerOptions;
  checkKnownKeys(o, PRODUCER_KEYS, 'producer');
  if (o.batch !== undefined) checkKnownKeys(checkOptionsObject(o.batch, 'batch'), BATCH_KEYS, 'batch');
  checkRetryShape(o.retry, 'retry');
  const delivery = mode(o.delivery, 'delivery');
  const required = [
    ...checkStringList(o.require, 'require'),
    delivery === 'exactly-once' ? 'publish.idempotent' : `publish.${delivery}`,
  ];
  return Object.freeze({
    delivery,
    required,
    maxEvents: positiveInt(o.batch?.maxEvents ?? 500, 'batch.maxEvents'),
    maxBytes: positiveInt(o.batch?.maxBytes ?? 1024 * 1024, 'batch.maxBytes'),
    lingerMs: nonNegative(o.batch?.lingerMs ?? 0, 'batch.lingerMs'),
    retry:
      delivery === 'at-most-once'
        ? resolveRetry({ ...o.retry, attempts: 1 })
        : resolveRetry(o.retry, {
            attempts: 8,
            backoff: 'exponential',
            initialDelayMs: 100,
            maxDelayMs: 5_000,
            jitter: 0.2,
          }),
  });
}

/** Handler attempts, backoff, dead-letter destination. */
export interface ConsumerOptions {
  /** Consumer group (subscription). Same group = competing consumers; another group = fan-out. Default "default". */
  group?: string;
  /** Default "at-least-once". */
  delivery?: DeliveryMode;
  /** Guarantees that must hold; checked when the consumer is created. */
  require?: readonly string[];
  /** Handlers running at once (default 16). Same-key events still run one at a time when ordering is per-key. */
  concurrency?: number;
  /** "per-key" (default): same-key events handled in order, one at a time. "none": no ordering. */
  ordering?: 'per-key' | 'none';
  /** Events received and not yet settled, at most (backpressure; default 4 x concurrency, at least 64). */
  maxInFlight?: number;
  /** Handler retries: attempts counts the first one too (default 5, exponential from 100 ms). */
  retry?: RetryOptions;
  /** Dead-letter destination after the last attempt (default `<topic>.dlq`); false drops and logs. */
  deadLetter?: string | false;
  /** Where a group with no committed position starts (default "latest"). */
  from?: StartPosition;
  /** Lease (visibility timeout) per delivery in ms; extended automatically while the handler runs. Default 30 s. */
  leaseMs?: number;
  /** Store for the idempotent consumer (exactly-once emulation). Default: in-memory. */
  idempotencyStore?: IdempotencyStore;
  /** How long processed event ids are remembered (default 24 h). */
  idempotencyTtlMs?: number;
  /** Aborting closes the subscription (with drain). */
  signal?: AbortSignal;
  logger?: Logger;
}

export interface ResolvedConsumerOptions {
  readonly group: string;
  readonly delivery: DeliveryMode;
  readonly required: readonly string[];
  readonly concurrency: number;
  readonly ordering: 'per-key' | 'none';
  readonly maxInFlight: number;
  readonly retry: RetryPolicy;
  readonly deadLetter: string | false;
  readonly from: StartPosition;
  readonly leaseMs: number;
  readonly idempotencyTtlMs: number;
}

export function resolveConsumerOptions(topic: string, given?: ConsumerOptions): ResolvedConsumerOptions {
  checkTopic(topic);
  const o = checkOptionsObject(given, 'consumer') as ConsumerOptions;
  checkKnownKeys(o, CONSUMER_KEYS, 'consumer');
  checkRetryShape(o.retry, 'retry');
  checkSignal(o.signal, 'signal');
  checkMethods(o.logger, 'logger', LOGGER_METHODS);
  checkMethods(o.idempotencyStore, 'idempotencyStore', STORE_METHODS);
  const delivery = mode(o.delivery, 'delivery');
  const ordering = o.ordering ?? 'per-key';
  if (ordering !== 'per-key' && ordering !== 'none') {
    throw new ConfigError('ordering', `must be "per-key" or "none", got ${String(ordering)}`);
  }
  const concurrency = positiveInt(o.concurrency ?? 16, 'concurrency');
  const group = o.group ?? 'default';
  if (typeof group !== 'string' || group.length === 0)
    throw new ConfigError('group', 'must be a non-empty string');
  const deadLetter = o.deadLetter === undefined ? `${topic}.dlq` : o.deadLetter;
  if (deadLetter !== false) checkTopic(deadLetter, 'deadLetter');
  const required = [...checkStringList(o.require, 'require'), `consume.${delivery}`];
  return Object.freeze({
    group,
    delivery,
    required,
    concurrency,
    ordering,
    maxInFlight: positiveInt(o.maxInFlight ?? Math.max(64, concurrency * 4), 'maxInFlight'),
    retry: resolveRetry(o.retry),
    deadLetter,
    from: checkFrom(o.from ?? 'latest'),
    leaseMs: positiveInt(o.leaseMs ?? 30_000, 'leaseMs'),
    idempotencyTtlMs: positiveInt(o.idempotencyTtlMs ?? 24 * 3600_000, 'idempotencyTtlMs'),
  });
}

function mode(v: unknown, name: string): DeliveryMode {
  if (v === undefined) return 'at-least-once';
  if (!MODES.includes(v as DeliveryMode))
    throw new ConfigError(name, `must be one of ${MODES.join(', ')}, got ${String(v)}`);
  return v as DeliveryMode;
}

function checkTopic(topic: unknown, name = 'topic'): void {
  if (typeof topic !== 'string' || topic.length === 0)
    throw new ConfigError(name, 'must be a non-empty string');
  if (topic.length > 249) throw new ConfigError(name, 'must be at most 249 characters');
  if (!/^[A-Za-z0-9._~-]+$/.test(topic))
    throw new ConfigError(name, `"${topic}" may only contain letters, digits and . _ ~ -`);
}

function checkFrom(from: StartPosition): StartPosition {
  if (from === 'earliest' || from === 'latest') return from;
  if (typeof from === 'object' && from !== null) {
    if ('offset' in from && Number.isInteger(from.offset) && from.offset >= 0) return from;
    if ('time' in from && from.time instanceof Date && !Number.isNaN(from.time.getTime())) return from;
  }
  throw new ConfigError('from', 'must be "earliest", "latest", { offset } or { time: Date }');
}

function positiveInt(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw new ConfigError(name, `must be an integer >= 1, got ${String(v)}`);
  return v;
}

function nonNegative(v: unknown, name: string): number {
  if (typeof v !== 'number' || !(v >= 0))
    throw new ConfigError(name, `must be a number >= 0, got ${String(v)}`);
  return v;
}
