import fs from 'node:fs';
import { intOption as int, boolOption as bool } from '@eventport/core/driver';
import type { ConnectionOptions } from 'node:tls';
import { ConfigError } from '@eventport/core/driver';

/** SASL mechanisms passed through to kafkajs (Azure Event Hubs' Kafka endpoint uses PLAIN over TLS). */
export type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';
const MECHANISMS: readonly SaslMechanism[] = ['plain', 'scram-sha-256', 'scram-sha-512'];

export interface SaslOptions {
  readonly mechanism: SaslMechanism;
  readonly username: string;
  readonly password: string;
}

/**
 * Options of `connect({ kind: 'kafka', … })`, or the query of
 * `kafka://[user:password@]host:port[,host:port]?…` (the URL's userinfo holds SASL credentials).
 */
export interface KafkaOptions {
  /** Bootstrap servers, `host:port`. Default: the URL's hosts, else `KAFKA_BROKERS` (comma-separated). */
  brokers?: string | readonly string[];
  /** Client id sent to the brokers (default "eventport"). */
  clientId?: string;
  /** TLS: `true`, or Node TLS options (CA, client certificate, …). Default off. */
  ssl?: boolean | ConnectionOptions;
  /**
   * The CA certificate(s) to trust instead of the system's, as PEM text or the path of a PEM file
   * (in a URL: `sslCa=/path/ca.pem`). Implies TLS; the same as `ssl: { ca }`.
   */
  sslCa?: string;
  /** SASL authentication: PLAIN or SCRAM-SHA-256/512 (use with `ssl`). */
  sasl?: SaslOptions;
  /** Create missing topics on first use (default true). Off: a missing topic is a TopicNotFoundError. */
  autoCreateTopics?: boolean;
  /** Partitions of topics EventPort creates (default 4). */
  partitions?: number;
  /** Replication factor of topics EventPort creates (default -1: the broker's default.replication.factor). */
  replicationFactor?: number;
  /** Largest event accepted, in bytes (default 1 MiB - 1 KiB: the broker's message.max.bytes less framing). */
  maxEventSize?: number;
  /** How often settled offsets (and exactly-once transactions) are committed, in ms (default 200). */
  commitIntervalMs?: number;
  /** Consumer group session timeout, ms (default 30000). */
  sessionTimeoutMs?: number;
  /** Heartbeat interval, ms (default 3000; must be below the session timeout). */
  heartbeatIntervalMs?: number;
  /** How long the group waits for members to rejoin during a rebalance, ms (default 60000). */
  rebalanceTimeoutMs?: number;
  /** Longest a fetch waits on the broker for new records, ms (default 500). */
  maxWaitTimeMs?: number;
  /** Fetched-but-not-handed-out events per consumer above which fetching holds, then pauses (default 5000). */
  maxBufferedEvents?: number;
  /** TCP connect timeout, ms (default 3000). */
  connectionTimeoutMs?: number;
  /** Request timeout, ms (default 30000). */
  requestTimeoutMs?: number;
  /** Transaction timeout of exactly-once consumers, ms (default 60000). */
  transactionTimeoutMs?: number;
  /** Prefix of transactional ids (default "eventport"). */
  transactionalIdPrefix?: string;
  /**
   * A stable name of this process (e.g. the pod name) used in transactional ids, so that a restarted
   * instance fences its predecessor's unfinished transactions at once. Default: random per connection.
   */
  instanceId?: string;
}

export interface KafkaConfig {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly ssl: boolean | ConnectionOptions;
  readonly sasl: SaslOptions | undefined;
  readonly autoCreateTopics: boolean;
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly maxEventSize: number;
  readonly commitIntervalMs: number;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly maxWaitTimeMs: number;
  readonly maxBufferedEvents: number;
  readonly connectionTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly transactionTimeoutMs: number;
  readonly transactionalIdPrefix: string;
  readonly instanceId: string | undefined;
}

/** message.max.bytes of a default broker is 1 MiB + 12 B; 1 KiB is left for record and batch framing. */
export const DEFAULT_MAX_EVENT_SIZE = 1024 * 1024 - 1024;

const KNOWN = [
  'brokers',
  'hosts',
  'clientId',
  'ssl',
  'tls',
  'sslCa',
  'sasl',
  'username',
  'autoCreateTopics',
  'partitions',
  'replicationFactor',
  'maxEventSize',
  'commitIntervalMs',
  'sessionTimeoutMs',
  'heartbeatIntervalMs',
  'rebalanceTimeoutMs',
  'maxWaitTimeMs',
  'maxBufferedEvents',
  'connectionTimeoutMs',
  'requestTimeoutMs',
  'transactionTimeoutMs',
  'transactionalIdPrefix',
  'instanceId',
];

/**
 * Validates a `kafka://` URL and/or options (URL query parameters arrive as strings in `options`;
 * `hosts` is the full host list of a multi-host URL). Never includes a secret in an error.
 * @throws ConfigError naming the bad option.
 */
export function parseKafkaConfig(
  url: URL | undefined,
  options: Readonly<Record<string, unknown>>,
  env: NodeJS.ProcessEnv = process.env,
): KafkaConfig {
  for (const k of Object.keys(options)) {
    if (k === 'password') {
      throw new ConfigError(
        'password',
        'pass SASL credentials in the URL userinfo or in the sasl option, not as a parameter',
      );
    }
    if (!KNOWN.includes(k))
      throw new ConfigError(
        k,
        `unknown kafka:// option; known: ${KNOWN.filter((o) => o !== 'hosts').join(', ')}`,
      );
  }
  const brokers = parseBrokers(url, options, env);
  const sessionTimeoutMs = int(options.sessionTimeoutMs, 30_000, 'sessionTimeoutMs', 1_000, 3_600_000);
  const heartbeatIntervalMs = int(
    options.heartbeatIntervalMs,
    Math.min(3_000, Math.floor(sessionTimeoutMs / 3)),
    'heartbeatIntervalMs',
    100,
    3_600_000,
  );
  if (heartbeatIntervalMs >= sessionTimeoutMs) {
    throw new ConfigError(
      'heartbeatIntervalMs',
      `must be below sessionTimeoutMs (${sessionTimeoutMs}); a third of it is usual`,
    );
  }
  const clientId = str(options.clientId, 'eventport', 'clientId');
  const prefix = str(options.transactionalIdPrefix, 'eventport', 'transactionalIdPrefix');
  const instanceId = options.instanceId === undefined ? undefined : str(options.instanceId, '', 'instanceId');
  return Object.freeze({
    brokers,
    clientId,
    ssl: withCa(
      parseSsl(options.ssl ?? options.tls),
      options.sslCa,
      (options.ssl ?? options.tls) !== undefined,
    ),
    sasl: parseSasl(url, options),
    autoCreateTopics: bool(options.autoCreateTopics, true, 'autoCreateTopics'),
    partitions: int(options.partitions, 4, 'partitions', 1, 100_000),
    replicationFactor: int(options.replicationFactor, -1, 'replicationFactor', -1, 1_000),
    maxEventSize: int(options.maxEventSize, DEFAULT_MAX_EVENT_SIZE, 'maxEventSize', 1, 2 ** 31 - 1),
    commitIntervalMs: int(options.commitIntervalMs, 200, 'commitIntervalMs', 1, 3_600_000),
    sessionTimeoutMs,
    heartbeatIntervalMs,
    rebalanceTimeoutMs: int(options.rebalanceTimeoutMs, 60_000, 'rebalanceTimeoutMs', 1_000, 3_600_000),
    maxWaitTimeMs: int(options.maxWaitTimeMs, 500, 'maxWaitTimeMs', 1, 60_000),
    maxBufferedEvents: int(options.maxBufferedEvents, 5_000, 'maxBufferedEvents', 1, 10_000_000),
    connectionTimeoutMs: int(options.connectionTimeoutMs, 3_000, 'connectionTimeoutMs', 1, 600_000),
    requestTimeoutMs: int(options.requestTimeoutMs, 30_000, 'requestTimeoutMs', 1, 3_600_000),
    transactionTimeoutMs: int(options.transactionTimeoutMs, 60_000, 'transactionTimeoutMs', 1_000, 900_000),
    transactionalIdPrefix: prefix,
    instanceId,
  });
}

/** A one-line, secret-free description: hosts, client id, TLS and the SASL mechanism (never credentials). */
export function describeConfig(config: KafkaConfig): string {
  const extras = [`clientId=${config.clientId}`];
  if (config.ssl !== false) extras.push('tls');
  if (config.sasl !== undefined) extras.push(`sasl=${config.sasl.mechanism}`);
  return `kafka://${config.brokers.join(',')} (${extras.join(', ')})`;
}

function parseBrokers(
  url: URL | undefined,
  options: Readonly<Record<string, unknown>>,
  env: NodeJS.ProcessEnv,
): string[] {
  let raw: unknown = options.brokers ?? options.hosts;
  if (raw === undefined && url !== undefined && url.host !== '') raw = url.host;
  let source = 'brokers';
  if (raw === undefined || raw === '') {
    raw = env.KAFKA_BROKERS;
    source = 'KAFKA_BROKERS';
  }
  if (raw === undefined || raw === '') {
    throw new ConfigError(
      'brokers',
      'no bootstrap servers: use kafka://host:port[,host:port], the brokers option, or set KAFKA_BROKERS',
    );
  }
  const list = typeof raw === 'string' ? raw.split(',') : Array.isArray(raw) ? (raw as unknown[]) : undefined;
  if (list === undefined) throw new ConfigError(source, 'must be a "host:port" string or an array of them');
  const out: string[] = [];
  for (const item of list) {
    if (typeof item !== 'string')
      throw new ConfigError(source, 'must be a "host:port" string or an array of them');
    const hostPort = item.trim();
    if (hostPort === '') continue;
    const m = /^(\[[0-9a-fA-F:.]+\]|[^\s:/@[\]]+):(\d{1,5})$/.exec(hostPort);
    if (m === null || Number(m[2]) < 1 || Number(m[2]) > 65535) {
      throw new ConfigError(source, `"${hostPort}" is not host:port`);
    }
    out.push(hostPort);
  }
  if (out.length === 0) throw new ConfigError(source, 'lists no host:port');
  return out;
}

function parseSsl(v: unknown): boolean | ConnectionOptions {
  if (v === undefined) return false;
  if (v === true || v === 'true' || v === '1') return true;
  if (v === false || v === 'false' || v === '0') return false;
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as ConnectionOptions;
  throw new ConfigError('ssl', 'must be true, false or Node TLS options');
}

/** Adds `sslCa` (PEM text, or a PEM file read now) to the TLS options: TLS on, trusting that CA only. */
function withCa(
  ssl: boolean | ConnectionOptions,
  v: unknown,
  sslGiven: boolean,
): boolean | ConnectionOptions {
  if (v === undefined) return ssl;
  if (ssl === false && sslGiven) throw new ConfigError('sslCa', 'TLS is switched off (ssl=false)');
  if (typeof v !== 'string' || v.trim() === '')
    throw new ConfigError('sslCa', 'must be PEM text or the path of a PEM file');
  let pem = v;
  if (!v.includes('-----BEGIN')) {
    try {
      pem = fs.readFileSync(v, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new ConfigError('sslCa', `cannot read the CA file "${v}" (${code})`);
    }
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----'))
    throw new ConfigError('sslCa', 'holds no PEM certificate (-----BEGIN CERTIFICATE-----)');
  if (typeof ssl === 'object') {
    if (ssl.ca !== undefined)
      throw new ConfigError('sslCa', 'give the CA either in sslCa or in ssl.ca, not both');
    return { ...ssl, ca: pem };
  }
  return { ca: pem };
}

function parseSasl(
  url: URL | undefined,
  options: Readonly<Record<string, unknown>>,
): SaslOptions | undefined {
  const userinfo =
    url !== undefined && url.username !== ''
      ? { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) }
      : undefined;
  const v = options.sasl;
  if (v === undefined) {
    if (userinfo === undefined) {
      if (options.username !== undefined)
        throw new ConfigError(
          'username',
          'SASL credentials go in the URL userinfo (user:password@host) or the sasl option',
        );
      return undefined;
    }
    return { mechanism: 'plain', ...userinfo };
  }
  if (typeof v === 'string') {
    const mechanism = v.toLowerCase() as SaslMechanism;
    if (!MECHANISMS.includes(mechanism))
      throw new ConfigError('sasl', `mechanism must be one of ${MECHANISMS.join(', ')}`);
    if (userinfo === undefined || userinfo.password === '') {
      throw new ConfigError('sasl', 'needs a username and password in the URL userinfo (user:password@host)');
    }
    return { mechanism, ...userinfo };
  }
  if (typeof v !== 'object' || v === null)
    throw new ConfigError('sasl', 'must be { mechanism, username, password }');
  const o = v as Record<string, unknown>;
  const mechanism =
    typeof o.mechanism === 'string' ? (o.mechanism.toLowerCase() as SaslMechanism) : undefined;
  if (mechanism === undefined || !MECHANISMS.includes(mechanism)) {
    throw new ConfigError('sasl.mechanism', `must be one of ${MECHANISMS.join(', ')}`);
  }
  if (typeof o.username !== 'string' || o.username === '')
    throw new ConfigError('sasl.username', 'must be a non-empty string');
  if (typeof o.password !== 'string' || o.password === '')
    throw new ConfigError('sasl.password', 'must be a non-empty string');
  return { mechanism, username: o.username, password: o.password };
}

function str(v: unknown, dflt: string, name: string): string {
  if (v === undefined) return dflt;
  if (typeof v !== 'string' || v.length === 0 || v.length > 200)
    throw new ConfigError(name, 'must be a non-empty string (at most 200 characters)');
  return v;
}
