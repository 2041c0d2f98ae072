import { ConfigError, intOption as int } from '@eventport/core/driver';
import type { TokenCredential } from '@azure/event-hubs';

/**
 * Options of `connect({ kind: 'eventhubs', … })`, or the query of
 * `eventhubs://NAMESPACE_HOST[:port]/HUB?…`. A loopback host (127.0.0.1, localhost, ::1) means the
 * emulator: plain AMQP over TCP (`UseDevelopmentEmulator=true`) and, when no connection string is
 * given, the emulator's published development key.
 */
export interface EventHubsOptions {
  /** `Endpoint=sb://…;SharedAccessKeyName=…;SharedAccessKey=…[;EntityPath=…]`. Default: `EVENTHUB_CONNECTION_STRING`. */
  connectionString?: string;
  /** A token credential (e.g. `new DefaultAzureCredential()` from `@azure/identity`) for the URL's namespace host. */
  credential?: TokenCredential;
  /** The hub `connect` describes (default: the URL path, the connection string's EntityPath, `EVENTHUB_NAME`). Topics name hubs. */
  hub?: string;
  /** Azure Storage connection string of the checkpoint store (default `AZURE_STORAGE_CONNECTION_STRING`); consumers need one. */
  storageConnectionString?: string;
  /** Blob container of checkpoints and ownership (default "eventport-checkpoints", created when missing). */
  checkpointContainer?: string;
  /** Largest event accepted, in bytes (default 1 MiB - 4 KiB). */
  maxEventSize?: number;
  /** Events handed to the receiver per partition batch (default 100). */
  maxBatchSize?: number;
  /** Events the client prefetches per partition (default 300). */
  prefetchCount?: number;
  /** Received events per consumer not handed out yet above which partitions wait (default 2000). */
  maxBufferedEvents?: number;
  /** How often settled positions are checkpointed, ms (default 1000; and on close). */
  commitIntervalMs?: number;
  /** How long a receive waits for events, ms (default 1000). */
  maxWaitTimeMs?: number;
  /** Load-balancing loop interval, ms (default 10000). */
  loadBalancingIntervalMs?: number;
  /** After how long without renewal another consumer may take a partition over, ms (default 60000). */
  ownershipExpirationMs?: number;
  /** Timeout of one client operation (a send, a management request), ms (default 30000). A send in flight when the connection drops fails after it (then EventPort retries). */
  operationTimeoutMs?: number;
  /** Load-balancing strategy (default "greedy": a consumer claims its fair share at once, not one partition per interval). */
  loadBalancingStrategy?: 'balanced' | 'greedy';
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);
/** Microsoft's published development key of its emulator (not a secret; the emulator's default). */
const EMULATOR_KEY = 'SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE';
export const DEFAULT_MAX_EVENT_SIZE = 1024 * 1024 - 4096;
const DEFAULT_CONTAINER = 'eventport-checkpoints';

const KNOWN = [
  'connectionString',
  'credential',
  'hub',
  'storageConnectionString',
  'checkpointContainer',
  'maxEventSize',
  'maxBatchSize',
  'prefetchCount',
  'maxBufferedEvents',
  'commitIntervalMs',
  'maxWaitTimeMs',
  'loadBalancingIntervalMs',
  'ownershipExpirationMs',
  'loadBalancingStrategy',
  'operationTimeoutMs',
];

/**
 * A validated configuration. Secrets (connection strings, the credential) live in private fields:
 * util.inspect, JSON.stringify and errors never reach them.
 */
export class EventHubsConfig {
  readonly #connectionString: string | undefined;
  readonly #credential: TokenCredential | undefined;
  readonly #storageConnectionString: string | undefined;

  constructor(
    /** Namespace host (and port), e.g. `ns.servicebus.windows.net` or `127.0.0.1:5672`. */
    readonly host: string,
    /** The hub named by the URL / EntityPath / EVENTHUB_NAME, if any. */
    readonly hub: string | undefined,
    readonly emulator: boolean,
    readonly checkpointContainer: string,
    readonly maxEventSize: number,
    readonly maxBatchSize: number,
    readonly prefetchCount: number,
    readonly maxBufferedEvents: number,
    readonly commitIntervalMs: number,
    readonly maxWaitTimeMs: number,
    readonly loadBalancingIntervalMs: number,
    readonly ownershipExpirationMs: number,
    readonly loadBalancingStrategy: 'balanced' | 'greedy',
    readonly operationTimeoutMs: number,
    secrets: { connectionString?: string; credential?: TokenCredential; storageConnectionString?: string },
  ) {
    this.#connectionString = secrets.connectionString;
    this.#credential = secrets.credential;
    this.#storageConnectionString = secrets.storageConnectionString;
    Object.freeze(this);
  }

  /** The namespace-level connection string (no EntityPath), when one is used. */
  connectionString(): string | undefined {
    return this.#connectionString;
  }

  credential(): TokenCredential | undefined {
    return this.#credential;
  }

  storageConnectionString(): string | undefined {
    return this.#storageConnectionString;
  }

  get hasCheckpointStore(): boolean {
    return this.#storageConnectionString !== undefined;
  }

  /** A secret-free one-line description. */
  describe(): string {
    const extras: string[] = [this.#credential !== undefined ? 'token credential' : 'shared access key'];
    if (this.emulator) extras.push('emulator (plain TCP)');
    extras.push(
      this.hasCheckpointStore
        ? `checkpoints in blob container ${this.checkpointContainer}`
        : 'no checkpoint store',
    );
    return `eventhubs://${this.host}/${this.hub ?? ''} (${extras.join(', ')})`;
  }

  toJSON(): string {
    return this.describe();
  }
}

/**
 * Validates an `eventhubs://` URL and/or options. Never puts a secret in an error.
 * @throws ConfigError naming the bad option.
 */
export function parseEventHubsConfig(
  url: URL | undefined,
  options: Readonly<Record<string, unknown>>,
  env: NodeJS.ProcessEnv = process.env,
): EventHubsConfig {
  for (const k of Object.keys(options)) {
    if (k === 'autoCreateTopics') {
      throw new ConfigError(
        k,
        'EventPort never creates hubs, and a missing hub is already a TopicNotFoundError when the namespace does not create it (Azure never does; an emulator may on first use)',
      );
    }
    if (!KNOWN.includes(k))
      throw new ConfigError(k, `unknown eventhubs:// option; known: ${KNOWN.join(', ')}`);
  }
  if (url !== undefined && (url.username !== '' || url.password !== '')) {
    throw new ConfigError(
      'url',
      'put credentials in the connectionString option or EVENTHUB_CONNECTION_STRING, not in the URL',
    );
  }
  const credential = parseCredential(options.credential);
  const given = optString(options.connectionString, 'connectionString');
  let raw = given ?? (credential === undefined ? nonEmpty(env.EVENTHUB_CONNECTION_STRING) : undefined);
  const rawSource = given !== undefined ? 'connectionString' : 'EVENTHUB_CONNECTION_STRING';
  const parts = raw === undefined ? undefined : parseConnectionString(raw, rawSource);

  const urlHost = url !== undefined && url.host !== '' ? url.host : undefined;
  const csHost = parts?.endpointHost;
  const host = urlHost ?? csHost;
  if (host === undefined) {
    throw new ConfigError(
      'url',
      'no namespace: use eventhubs://NAMESPACE_HOST/HUB, the connectionString option, or set EVENTHUB_CONNECTION_STRING',
    );
  }
  const emulator = LOOPBACK.has(hostname(host)) || parts?.values.get('usedevelopmentemulator') === 'true';
  if (raw === undefined && credential === undefined) {
    if (!emulator) {
      throw new ConfigError(
        'connectionString',
        `no credentials for ${host}: pass connectionString (or set EVENTHUB_CONNECTION_STRING) or a credential`,
      );
    }
    raw = `Endpoint=sb://${host};${EMULATOR_KEY}`;
  }
  let connectionString: string | undefined;
  if (raw !== undefined) {
    const p = parts ?? parseConnectionString(raw, rawSource);
    connectionString = namespaceConnectionString(p, host, emulator);
  }

  const urlHub = url !== undefined ? decodeURIComponent(url.pathname.replace(/^\/+|\/+$/g, '')) : '';
  const hub =
    optString(options.hub, 'hub') ??
    (urlHub !== '' ? urlHub : undefined) ??
    parts?.entityPath ??
    nonEmpty(env.EVENTHUB_NAME);
  if (hub !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,255}$/.test(hub)) {
    throw new ConfigError('hub', `"${hub}" is not a valid hub name (letters, digits, ".", "-", "_")`);
  }
  const storage =
    optString(options.storageConnectionString, 'storageConnectionString') ??
    nonEmpty(env.AZURE_STORAGE_CONNECTION_STRING);
  if (storage !== undefined && !/(AccountName=|BlobEndpoint=|UseDevelopmentStorage=true)/i.test(storage)) {
    throw new ConfigError(
      'storageConnectionString',
      'is not an Azure Storage connection string (AccountName=…;AccountKey=…;BlobEndpoint=…)',
    );
  }
  const container = optString(options.checkpointContainer, 'checkpointContainer') ?? DEFAULT_CONTAINER;
  if (!/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/.test(container)) {
    throw new ConfigError(
      'checkpointContainer',
      'must be a blob container name (3-63 lowercase letters, digits and single dashes)',
    );
  }
  const strategy = options.loadBalancingStrategy ?? 'greedy';
  if (strategy !== 'balanced' && strategy !== 'greedy') {
    throw new ConfigError('loadBalancingStrategy', 'must be "balanced" or "greedy"');
  }
  return new EventHubsConfig(
    host,
    hub,
    emulator,
    container,
    int(options.maxEventSize, DEFAULT_MAX_EVENT_SIZE, 'maxEventSize', 1, 100 * 1024 * 1024),
    int(options.maxBatchSize, 100, 'maxBatchSize', 1, 10_000),
    int(options.prefetchCount, 300, 'prefetchCount', 1, 100_000),
    int(options.maxBufferedEvents, 2_000, 'maxBufferedEvents', 1, 10_000_000),
    int(options.commitIntervalMs, 1_000, 'commitIntervalMs', 1, 3_600_000),
    int(options.maxWaitTimeMs, 1_000, 'maxWaitTimeMs', 1, 60_000),
    int(options.loadBalancingIntervalMs, 10_000, 'loadBalancingIntervalMs', 50, 3_600_000),
    int(options.ownershipExpirationMs, 60_000, 'ownershipExpirationMs', 100, 3_600_000),
    strategy,
    int(options.operationTimeoutMs, 30_000, 'operationTimeoutMs', 100, 600_000),
    { connectionString, credential, storageConnectionString: storage },
  );
}

interface ConnectionStringParts {
  readonly values: Map<string, string>;
  readonly order: [string, string][];
  readonly endpointHost: string | undefined;
  readonly entityPath: string | undefined;
}

function parseConnectionString(raw: string, source: string): ConnectionStringParts {
  const values = new Map<string, string>();
  const order: [string, string][] = [];
  for (const part of raw.split(';')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) throw new ConfigError(source, 'is not a connection string (Name=value;… pairs)');
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    values.set(name.toLowerCase(), value);
    order.push([name, value]);
  }
  const endpoint = values.get('endpoint');
  if (endpoint === undefined) throw new ConfigError(source, 'has no Endpoint=sb://…');
  const m = /^sb:\/\/([^/]+)\/?$/i.exec(endpoint);
  if (m === null) throw new ConfigError(source, 'Endpoint must be sb://NAMESPACE_HOST[:port]');
  const hasKey = values.has('sharedaccesskey') && values.has('sharedaccesskeyname');
  if (!hasKey && !values.has('sharedaccesssignature')) {
    throw new ConfigError(source, 'needs SharedAccessKeyName and SharedAccessKey (or SharedAccessSignature)');
  }
  return { values, order, endpointHost: m[1], entityPath: nonEmpty(values.get('entitypath')) };
}

/** The connection string pointed at `host`, without EntityPath (hubs are named per topic), emulator flag set for loopback. */
function namespaceConnectionString(p: ConnectionStringParts, host: string, emulator: boolean): string {
  const out: string[] = [`Endpoint=sb://${host}/`];
  for (const [name, value] of p.order) {
    const lower = name.toLowerCase();
    if (lower === 'endpoint' || lower === 'entitypath' || lower === 'usedevelopmentemulator') continue;
    out.push(`${name}=${value}`);
  }
  if (emulator) out.push('UseDevelopmentEmulator=true');
  return out.join(';');
}

function hostname(host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  return host.split(':')[0]!.toLowerCase();
}

function parseCredential(v: unknown): TokenCredential | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || v === null || typeof (v as TokenCredential).getToken !== 'function') {
    throw new ConfigError(
      'credential',
      'must be a TokenCredential (an object with getToken), e.g. new DefaultAzureCredential()',
    );
  }
  return v as TokenCredential;
}

function optString(v: unknown, name: string): string | undefined {
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string') throw new ConfigError(name, 'must be a string');
  return v;
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v;
}
