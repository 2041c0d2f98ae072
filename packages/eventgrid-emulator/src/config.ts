/**
 * Emulator options, their defaults, and the JSON config file that declares topics and
 * subscriptions up front.
 */
import fs from 'node:fs';

/** Input schema of a basic topic, named as the service names them. */
export type InputSchema = 'EventGridSchema' | 'CloudEventSchemaV1_0' | 'CustomEventSchema';

/** A push event subscription on a basic topic (a webhook). */
export interface PushSubscriptionConfig {
  readonly name: string;
  /** The webhook URL events are POSTed to. */
  readonly endpointUrl: string;
  readonly filter?: {
    readonly subjectBeginsWith?: string;
    readonly subjectEndsWith?: string;
    readonly includedEventTypes?: readonly string[];
    /** Default false, as in the service. */
    readonly isSubjectCaseSensitive?: boolean;
  };
  readonly retryPolicy?: {
    /** 1–30, default 30. */
    readonly maxDeliveryAttempts?: number;
    /** 1–1440, default 1440. */
    readonly eventTimeToLiveInMinutes?: number;
  };
  /**
   * Dead-letter undeliverable events (kept in memory for the admin API, and written to the
   * emulator's dead-letter directory when one is set). Default true; false drops them.
   */
  readonly deadLetter?: boolean;
}

export interface BasicTopicConfig {
  readonly name: string;
  /** Default: inferred per request (CloudEvents batch content type, Event Grid shape, else custom). */
  readonly inputSchema?: InputSchema;
  readonly eventSubscriptions?: readonly PushSubscriptionConfig[];
}

/** A pull event subscription on a namespace topic. */
export interface PullSubscriptionConfig {
  readonly name: string;
  /** 60–300, default 60. */
  readonly lockDurationInSeconds?: number;
  /** 1–10, default 10. */
  readonly maxDeliveryCount?: number;
}

export interface NamespaceTopicConfig {
  readonly name: string;
  /** 1–7, default 1. */
  readonly eventRetentionInDays?: number;
  readonly subscriptions?: readonly PullSubscriptionConfig[];
}

export interface EmulatorOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 6500; 0 picks a free port. */
  readonly port?: number;
  /** The access key of every topic and namespace. Default `eventport-dev-key`. */
  readonly key?: string;
  /** Create unknown topics and subscriptions on first use (publish, receive). Default true. */
  readonly autoCreate?: boolean;
  /**
   * Multiplies every service-defined duration the emulator waits for real (lock duration,
   * release delay, receive long-poll wait, retention). Default 1. Tests use e.g. 0.02 so that a
   * 60 s lock lasts 1.2 s; the values on the wire stay the service's.
   */
  readonly timeScale?: number;
  /**
   * Push retry delays in ms: attempt n+1 waits `retrySchedule[n-1]` (the last entry repeats).
   * Default {@link SHORT_RETRY_SCHEDULE_MS}; {@link SERVICE_RETRY_SCHEDULE_MS} is the service's.
   */
  readonly retrySchedule?: readonly number[];
  /** How long a webhook may take to answer a delivery. Default 30,000 ms (the service's 30 s). */
  readonly deliveryTimeoutMs?: number;
  /** How long a webhook may take to answer a validation handshake. Default 30,000 ms. */
  readonly handshakeTimeoutMs?: number;
  /** Deliveries in flight per push subscription. Default 16. */
  readonly pushConcurrency?: number;
  /** Serve HTTPS with this PEM certificate and key instead of HTTP (see `ensureCertificate`). */
  readonly tls?: { readonly cert: string; readonly key: string };
  /** Dead-letter directory; without it dead-lettered events are only kept in memory (admin API). */
  readonly deadLetterDir?: string;
  readonly topics?: readonly BasicTopicConfig[];
  readonly namespaceTopics?: readonly NamespaceTopicConfig[];
  /** Log sink; default none (the CLI logs to stdout). */
  readonly log?: (line: string) => void;
}

export const DEFAULT_PORT = 6500;
export const DEFAULT_KEY = 'eventport-dev-key';
/** The service's schedule: 10 s, 30 s, 1 min, 5 min, 10 min, 30 min, 1 h, then hourly. */
export const SERVICE_RETRY_SCHEDULE_MS: readonly number[] = [
  10_000, 30_000, 60_000, 300_000, 600_000, 1_800_000, 3_600_000,
];
/** The service's schedule divided by 100: 100 ms, 300 ms, 600 ms, 3 s, 6 s, 18 s, 36 s, … */
export const SHORT_RETRY_SCHEDULE_MS: readonly number[] = SERVICE_RETRY_SCHEDULE_MS.map((ms) => ms / 100);

/** Options with every default applied. */
export type ResolvedOptions = Required<Omit<EmulatorOptions, 'deadLetterDir' | 'tls'>> &
  Pick<EmulatorOptions, 'deadLetterDir' | 'tls'>;

export function resolveOptions(options: EmulatorOptions = {}): ResolvedOptions {
  const timeScale = options.timeScale ?? 1;
  if (!(timeScale > 0)) throw new Error(`timeScale must be > 0, got ${timeScale}`);
  const schedule = options.retrySchedule ?? SHORT_RETRY_SCHEDULE_MS;
  if (schedule.length === 0 || schedule.some((ms) => !(ms >= 0))) {
    throw new Error('retrySchedule must be a non-empty list of delays in ms');
  }
  return {
    host: options.host ?? '127.0.0.1',
    port: options.port ?? DEFAULT_PORT,
    key: options.key ?? DEFAULT_KEY,
    autoCreate: options.autoCreate ?? true,
    timeScale,
    retrySchedule: schedule,
    deliveryTimeoutMs: options.deliveryTimeoutMs ?? 30_000,
    handshakeTimeoutMs: options.handshakeTimeoutMs ?? 30_000,
    pushConcurrency: options.pushConcurrency ?? 16,
    deadLetterDir: options.deadLetterDir,
    tls: options.tls,
    topics: options.topics ?? [],
    namespaceTopics: options.namespaceTopics ?? [],
    log: options.log ?? (() => undefined),
  };
}

/**
 * Reads a JSON config file: any {@link EmulatorOptions} field except `log`. Throws an Error
 * naming the file when it cannot be read or parsed.
 */
export function loadConfigFile(file: string): EmulatorOptions {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read config file ${file}: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`config file ${file} must hold a JSON object`);
  }
  return parsed as EmulatorOptions;
}
