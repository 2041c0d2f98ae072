import { ConfigError, intOption as int } from '@eventport/core/driver';
import type { TokenCredential } from '@azure/event-hubs';
import { namespaceConnectionString, parseConnectionString } from './connection-string.js';

/**
 * Options of `connect({ kind: 'eventhubs', … })`, or the query of
 * `eventhubs://NAMESPACE_HOST[:port]/HUB?…`. A loopback host (127.0.0.1, localhost, ::1) means the
 * emulator: plain AMQP over TCP (`UseDevelopmentEmulator=true`) and, when no connection string is
 * given, the emulator's published development key.
 */
export interface EventHubsOptions {
  /** `Endpoint=sb://…;SharedAccessKeyName=…;SharedAccessKey=…[;EntityPath=…]`. Default: `EVENTHUB_CONNECTION_STRING`. */
  connectionString?: string;
  /**
   * A token credential (any object with `getToken`, e.g. `new DefaultAzureCredential()` from
   * `@azure/identity`, which EventPort does not depend on) for the namespace
   * (`fullyQualifiedNamespace` or the URL host). Instead of a connection string, not with one;
   * not for an emulator (it takes the development key only).
   */
  credential?: TokenCredential;
  /** The namespace host (`my-namespace.servicebus.windows.net[:port]`), instead of the URL's host; what a `credential` is used for. */
  fullyQualifiedNamespace?: string;
  /** The hub `connect` describes (default: the URL path, the connection string's EntityPath, `EVENTHUB_NAME`). Topics name hubs. */
  hub?: string;
  /**
   * Azure Storage connection string of the checkpoint store (default `AZURE_STORAGE_CONNECTION_STRING`;
   * for an emulator, then `UseDevelopmentStorage=true`: Azurite on 127.0.0.1:10000); consumers need one.
   */
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
/** Azurite's development account on 127.0.0.1:10000 (understood by @azure/storage-blob): an emulator's default store. */
export const DEVELOPMENT_STORAGE = 'UseDevelopmentStorage=true';

const KNOWN = [
  'connectionString',
  'credential',
  'fullyQualifiedNamespace',
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
        ? `checkpoints in blob container ${this.checkpointContainer}${this.#storageConnectionString === DEVELOPMENT_STORAGE ? ' (development storage)' : ''}`
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
  if (credential !== undefined && given !== undefined) {
    throw new ConfigError(
      'credential',
      'give either connectionString or credential, not both (a connection string carries its own key)',
    );
  }
  let raw = given ?? (credential === undefined ? nonEmpty(env.EVENTHUB_CONNECTION_STRING) : undefined);
  const rawSource = given !== undefined ? 'connectionString' : 'EVENTHUB_CONNECTION_STRING';
  const parts = raw === undefined ? undefined : parseConnectionString(raw, rawSource);

  const urlHost = url !== undefined && url.host !== '' ? url.host : undefined;
  const csHost = parts?.endpointHost;
  const host = parseNamespace(options.fullyQualifiedNamespace) ?? urlHost ?? csHost;
  if (host === undefined) {
    throw new ConfigError(
      credential !== undefined ? 'fullyQualifiedNamespace' : 'url',
      'no namespace: use eventhubs://NAMESPACE_HOST/HUB, fullyQualifiedNamespace (with a credential), the connectionString option, or set EVENTHUB_CONNECTION_STRING',
    );
  }
  const emulator = LOOPBACK.has(hostname(host)) || parts?.values.get('usedevelopmentemulator') === 'true';
  if (credential !== undefined && emulator) {
    throw new ConfigError(
      'credential',
      `${host} is an emulator (loopback: plain TCP), which takes its development key, not a token credential: leave credential out`,
    );
  }
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
    nonEmpty(env.AZURE_STORAGE_CONNECTION_STRING) ??
    (emulator ? DEVELOPMENT_STORAGE : undefined);
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

function hostname(host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  return host.split(':')[0]!.toLowerCase();
}

/** Any TokenCredential: an object with a getToken method (checked without calling it; a throwing getter counts as none). */
function parseCredential(v: unknown): TokenCredential | undefined {
  if (v === undefined) return undefined;
  let getToken: unknown;
  try {
    getToken = typeof v === 'object' && v !== null ? (v as TokenCredential).getToken : undefined;
  } catch {
    getToken = undefined; // the getter's error may carry a secret: not kept
  }
  if (typeof getToken !== 'function') {
    throw new ConfigError(
      'credential',
      'must be a TokenCredential (an object with a getToken method), e.g. new DefaultAzureCredential() from @azure/identity',
    );
  }
  return v as TokenCredential;
}

/** `host[:port]` of a namespace, e.g. `my-namespace.servicebus.windows.net`; no scheme, path or key. */
function parseNamespace(v: unknown): string | undefined {
  if (v === undefined || v === '') return undefined;
  if (
    typeof v !== 'string' ||
    !/^([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?\.)*[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(:\d{1,5})?$/.test(v)
  ) {
    throw new ConfigError(
      'fullyQualifiedNamespace',
      'must be a namespace host name like my-namespace.servicebus.windows.net (optionally :port), without sb:// or a path',
    );
  }
  return v;
}

function optString(v: unknown, name: string): string | undefined {
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string') throw new ConfigError(name, 'must be a string');
  return v;
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v;
}
