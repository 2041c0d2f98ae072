import { boolOption, ConfigError, intOption, redactSecrets } from '@eventport/core/driver';

/**
 * Options of `connect({ kind: 'pubsub', … })`, or the query of a `pubsub://PROJECT` URL.
 *
 * - `pubsub://my-project` — the project (else `GOOGLE_CLOUD_PROJECT`, `PUBSUB_PROJECT_ID`).
 * - `?emulatorHost=127.0.0.1:8085` — Google's emulator (else `PUBSUB_EMULATOR_HOST`).
 * - credentials: `keyFilename` or `credentials` (a service-account JSON object), else the client's
 *   default credentials. They are kept out of the parsed config (see {@link PubSubConfig.secret}).
 */
export interface PubSubOptions {
  projectId?: string;
  emulatorHost?: string;
  /** Another API endpoint (host[:port]); TLS is used unless it is an emulator. */
  apiEndpoint?: string;
  /** Create missing topics and subscriptions on first use (default true). */
  autoCreateTopics?: boolean | string;
  /** Publish with ordering keys and create ordered subscriptions when per-key order is asked (default true). */
  ordering?: boolean | string;
  /** Create exactly-once delivery subscriptions for exactly-once consumers (default true). */
  exactlyOnce?: boolean | string;
  /** Subscription name for a topic and group: `{topic}` and `{group}` are replaced (default `{topic}.{group}`). */
  subscriptionName?: string;
  /** Deadline of one publish request in ms (default 60000). The client's own retries are off. */
  publishTimeoutMs?: number | string;
  /** Pull requests a receiver runs at once (default 2). */
  pullConcurrency?: number | string;
  /** Longest wait of one Pull request in ms (default 10000). */
  pullTimeoutMs?: number | string;
  /**
   * Seconds that topics EventPort creates keep their messages (topic message retention) and that its
   * subscriptions keep acknowledged ones (retainAckedMessages): what replay can reach. 600 to
   * 604800 (default, 7 days); 0 turns retention off (then replay is unsupported). The service bills
   * retained messages as storage.
   */
  retentionSeconds?: number | string;
  keyFilename?: string;
  credentials?: { client_email?: string; private_key?: string; [k: string]: unknown };
}

/** Parsed options: plain data without secrets (safe to print). */
export interface PubSubConfig {
  readonly projectId: string;
  /** Set when talking to an emulator (plain TCP, no credentials). */
  readonly emulatorHost: string | undefined;
  readonly apiEndpoint: string | undefined;
  readonly autoCreate: boolean;
  readonly ordering: boolean;
  readonly exactlyOnce: boolean;
  readonly subscriptionName: string;
  readonly publishTimeoutMs: number;
  readonly pullConcurrency: number;
  readonly pullTimeoutMs: number;
  /** Topic message retention and acked-message retention in seconds; 0: off. */
  readonly retentionSeconds: number;
  /** Returns the credentials options for the client; a closure, so that printing the config shows none. */
  readonly secret: () => { keyFilename?: string; credentials?: Record<string, unknown> };
}

const KNOWN = [
  'projectId',
  'emulatorHost',
  'apiEndpoint',
  'autoCreateTopics',
  'ordering',
  'exactlyOnce',
  'subscriptionName',
  'publishTimeoutMs',
  'pullConcurrency',
  'pullTimeoutMs',
  'retentionSeconds',
  'keyFilename',
  'credentials',
];

/** Pub/Sub resource ids: 3-255 chars, start with a letter, letters digits - _ . ~ + %. */
const RESOURCE_ID = /^[A-Za-z][A-Za-z0-9._~+%-]{2,254}$/;
const PROJECT_ID = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$|^[a-z][a-z0-9.:-]{0,99}$/;
const HOST_PORT = /^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/;

/** Validates a URL and/or options. No I/O. @throws ConfigError naming the bad option. */
export function parsePubSubConfig(
  url: URL | undefined,
  options: Readonly<Record<string, unknown>>,
  env: NodeJS.ProcessEnv = process.env,
): PubSubConfig {
  for (const k of Object.keys(options)) {
    if (!KNOWN.includes(k)) throw new ConfigError(k, `unknown pubsub:// option; known: ${KNOWN.join(', ')}`);
  }
  if (url !== undefined && (url.username !== '' || url.password !== '')) {
    throw new ConfigError(
      'url',
      'pubsub:// URLs take no credentials; use keyFilename or the default credentials',
    );
  }
  if (url !== undefined && url.pathname !== '' && url.pathname !== '/') {
    throw new ConfigError('url', `pubsub://PROJECT takes no path (got ${redactSecrets(url.pathname)})`);
  }
  const projectId =
    str(options.projectId, 'projectId') ??
    (url?.hostname ? decodeURIComponent(url.hostname) : undefined) ??
    str(env.GOOGLE_CLOUD_PROJECT, 'GOOGLE_CLOUD_PROJECT') ??
    str(env.PUBSUB_PROJECT_ID, 'PUBSUB_PROJECT_ID');
  if (projectId === undefined) {
    throw new ConfigError('projectId', 'no project: use pubsub://PROJECT or set GOOGLE_CLOUD_PROJECT');
  }
  if (!PROJECT_ID.test(projectId)) throw new ConfigError('projectId', `"${projectId}" is not a project id`);
  const emulatorHost = hostPort(
    str(options.emulatorHost, 'emulatorHost') ?? str(env.PUBSUB_EMULATOR_HOST, 'PUBSUB_EMULATOR_HOST'),
    'emulatorHost',
  );
  const apiEndpoint = hostPort(str(options.apiEndpoint, 'apiEndpoint'), 'apiEndpoint');
  if (emulatorHost !== undefined && apiEndpoint !== undefined) {
    throw new ConfigError('apiEndpoint', 'give either emulatorHost or apiEndpoint, not both');
  }
  const subscriptionName = str(options.subscriptionName, 'subscriptionName') ?? '{topic}.{group}';
  if (!subscriptionName.includes('{group}')) {
    throw new ConfigError('subscriptionName', 'must contain {group} (groups need their own subscriptions)');
  }
  const keyFilename = str(options.keyFilename, 'keyFilename');
  const credentials = options.credentials;
  if (credentials !== undefined && (typeof credentials !== 'object' || credentials === null)) {
    throw new ConfigError('credentials', 'must be a service-account JSON object');
  }
  const secretValue = Object.freeze({
    ...(keyFilename !== undefined ? { keyFilename } : {}),
    ...(credentials !== undefined ? { credentials: { ...(credentials as Record<string, unknown>) } } : {}),
  });
  return Object.freeze({
    projectId,
    emulatorHost,
    apiEndpoint,
    autoCreate: boolOption(options.autoCreateTopics, true, 'autoCreateTopics'),
    ordering: boolOption(options.ordering, true, 'ordering'),
    exactlyOnce: boolOption(options.exactlyOnce, true, 'exactlyOnce'),
    subscriptionName,
    publishTimeoutMs: intOption(options.publishTimeoutMs, 60_000, 'publishTimeoutMs', 100, 600_000),
    pullConcurrency: intOption(options.pullConcurrency, 2, 'pullConcurrency', 1, 32),
    pullTimeoutMs: intOption(options.pullTimeoutMs, 2_000, 'pullTimeoutMs', 100, 600_000),
    retentionSeconds: retentionOption(options.retentionSeconds),
    secret: () => secretValue,
  });
}

/** The subscription name of a topic's group. */
export function subscriptionNameOf(
  config: Pick<PubSubConfig, 'subscriptionName'>,
  topic: string,
  group: string,
): string {
  return config.subscriptionName.replaceAll('{topic}', topic).replaceAll('{group}', group);
}

/** @throws ConfigError when `name` is not a valid Pub/Sub topic or subscription id. */
export function checkResourceId(name: string, what: string): string {
  if (!RESOURCE_ID.test(name) || name.startsWith('goog')) {
    throw new ConfigError(
      what,
      `"${name}" is not a valid Pub/Sub id (3-255 of letters, digits, - _ . ~ + %, starting with a letter, not "goog")`,
    );
  }
  return name;
}

/** Pub/Sub takes message retention of 10 minutes to 7 days (acked-message retention's maximum). */
export const MIN_RETENTION_S = 600;
export const MAX_RETENTION_S = 604_800;

function retentionOption(v: unknown): number {
  const seconds = intOption(v, MAX_RETENTION_S, 'retentionSeconds', 0, MAX_RETENTION_S);
  if (seconds !== 0 && seconds < MIN_RETENTION_S) {
    throw new ConfigError(
      'retentionSeconds',
      `must be 0 (off) or ${MIN_RETENTION_S} to ${MAX_RETENTION_S} seconds, got ${seconds}`,
    );
  }
  return seconds;
}

function str(v: unknown, name: string): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new ConfigError(name, `must be a string, got ${typeof v}`);
  return v;
}

function hostPort(v: string | undefined, name: string): string | undefined {
  if (v === undefined) return undefined;
  const s = v.replace(/^https?:\/\//, '').replace(/\/+$/, '');
  if (!HOST_PORT.test(s)) throw new ConfigError(name, `"${redactSecrets(v)}" is not host:port`);
  return s;
}
