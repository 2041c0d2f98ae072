import { intOption as int } from '@eventport/core/driver';
import { ConfigError, redactSecrets } from '@eventport/core/driver';
import { FIFO_SUFFIX, queueNameOfUrl } from './names.js';

/**
 * Options of `connect({ kind: 'sqs', … })`, or the query of an `sqs://` URL.
 *
 * URL forms:
 * - `sqs://` — no queue bound; topics map to queues by name.
 * - `sqs://orders?region=eu-west-1` — binds the queue "orders" (a name ending in
 *   ".fifo" selects the FIFO variant).
 * - `sqs://HOST[:PORT]/ACCOUNT/QUEUE` — a queue URL with the scheme replaced
 *   (`https://` is used, `http://` for loopback hosts or with `tls=false`).
 * - `sqs://KEY:SECRET@…` — static credentials (else the AWS default chain).
 */
export interface SqsOptions {
  /** The bound queue's name (the URL host). */
  queue?: string;
  /** The bound queue's URL; implies the endpoint and, for AWS URLs, the region. */
  queueUrl?: string;
  /** AWS region (default: the SDK's resolution, i.e. AWS_REGION / profile; us-east-1 for local endpoints). */
  region?: string;
  /** SQS endpoint (default: AWS_ENDPOINT_URL_SQS, then AWS_ENDPOINT_URL, then AWS's). */
  endpoint?: string;
  /** SNS endpoint for fan-out (default: AWS_ENDPOINT_URL_SNS, AWS_ENDPOINT_URL, then the SQS endpoint when one is set). */
  snsEndpoint?: string;
  /** FIFO queues (default: true when the bound queue's name ends in ".fifo"). */
  fifo?: boolean | string;
  /** Topics are SNS topics; each consumer group reads its own queue subscribed to the topic. */
  fanOut?: boolean | string;
  /** Create missing queues (and SNS topics) on first use (default true). */
  autoCreateTopics?: boolean | string;
  /** Prefix of every queue and SNS topic name this connection creates or looks up. */
  prefix?: string;
  /** Long-poll wait of ReceiveMessage in seconds, 0-20 (default 20). */
  waitTimeSeconds?: number | string;
  /** ReceiveMessage calls a consumer runs at once (each takes up to 10 messages; default 8). */
  receiveConcurrency?: number | string;
  /** SendMessageBatch calls one send runs at once on a standard queue (default 50, all the requests of a default 500-event batch; FIFO: 1). */
  sendConcurrency?: number | string;
  /** Static credentials (else the default credential chain). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  /** Use https for an `sqs://HOST/ACCOUNT/QUEUE` URL (default: true except for loopback hosts). */
  tls?: boolean | string;
}

export interface SqsConfig {
  readonly queue: string | undefined;
  readonly queueUrl: string | undefined;
  readonly region: string | undefined;
  readonly endpoint: string | undefined;
  readonly snsEndpoint: string | undefined;
  readonly fifo: boolean;
  readonly fanOut: boolean;
  readonly autoCreate: boolean;
  readonly prefix: string;
  readonly waitTimeSeconds: number;
  readonly receiveConcurrency: number;
  readonly sendConcurrency: number;
  readonly credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined;
}

const KNOWN = [
  'queue',
  'queueUrl',
  'region',
  'endpoint',
  'snsEndpoint',
  'fifo',
  'fanOut',
  'autoCreateTopics',
  'prefix',
  'waitTimeSeconds',
  'receiveConcurrency',
  'sendConcurrency',
  'credentials',
  'accessKeyId',
  'secretAccessKey',
  'sessionToken',
  'tls',
];

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\]|::1)$/i;
const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;

/** Validates a URL and/or options. No I/O. @throws ConfigError naming the bad option. */
export function parseSqsConfig(
  url: URL | undefined,
  options: Readonly<Record<string, unknown>>,
  env: NodeJS.ProcessEnv = process.env,
): SqsConfig {
  for (const k of Object.keys(options)) {
    if (!KNOWN.includes(k)) throw new ConfigError(k, `unknown sqs:// option; known: ${KNOWN.join(', ')}`);
  }
  let queue = optString(options.queue, 'queue');
  let queueUrl = optString(options.queueUrl, 'queueUrl');
  let credentials = parseCredentials(options);
  const tls = optBool(options.tls, 'tls');
  if (url !== undefined) {
    const host = url.host;
    const path = url.pathname.replace(/^\/+/, '');
    if (url.username !== '' || url.password !== '') {
      if (url.username === '' || url.password === '') {
        throw new ConfigError('url', 'credentials in the URL need both an access key id and a secret key');
      }
      credentials ??= {
        accessKeyId: decodeURIComponent(url.username),
        secretAccessKey: decodeURIComponent(url.password),
      };
    }
    if (path !== '') {
      if (host === '') {
        queue ??= decodeURIComponent(path);
      } else {
        const secure = tls ?? !LOOPBACK.test(url.hostname);
        queueUrl ??= `${secure ? 'https' : 'http'}://${host}/${path}`;
      }
    } else if (host !== '') {
      queue ??= decodeURIComponent(host);
    }
  }
  if (queueUrl !== undefined) {
    let parsed: URL;
    try {
      parsed = new URL(queueUrl);
    } catch (err) {
      throw new ConfigError('queueUrl', `"${redactSecrets(queueUrl)}" is not a URL`, { cause: err });
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new ConfigError(
        'queueUrl',
        'must be an http(s) URL such as https://sqs.us-east-1.amazonaws.com/123456789012/orders',
      );
    }
    const fromUrl = queueNameOfUrl(queueUrl);
    if (queue !== undefined && queue !== fromUrl) {
      throw new ConfigError('queue', `"${queue}" differs from the queue of queueUrl ("${fromUrl}")`);
    }
    queue = fromUrl;
  }
  if (queue !== undefined) {
    const stem = queue.endsWith(FIFO_SUFFIX) ? queue.slice(0, -FIFO_SUFFIX.length) : queue;
    if (!QUEUE_NAME.test(stem) || queue.length > 80) {
      throw new ConfigError(
        'queue',
        `"${queue}" is not a valid SQS queue name (1-80 of A-Z a-z 0-9 _ -, optional .fifo)`,
      );
    }
  }
  const namedFifo = queue?.endsWith(FIFO_SUFFIX) ?? false;
  const fifo = optBool(options.fifo, 'fifo') ?? namedFifo;
  if (queue !== undefined && fifo !== namedFifo) {
    throw new ConfigError(
      'fifo',
      fifo
        ? `queue "${queue}" is not a FIFO queue (FIFO names end in .fifo)`
        : `queue "${queue}" is a FIFO queue`,
    );
  }
  const endpoint =
    optUrl(options.endpoint, 'endpoint') ??
    optUrl(env.AWS_ENDPOINT_URL_SQS, 'AWS_ENDPOINT_URL_SQS') ??
    optUrl(env.AWS_ENDPOINT_URL, 'AWS_ENDPOINT_URL') ??
    (queueUrl !== undefined && !/\.amazonaws\.com(\.cn)?$/i.test(new URL(queueUrl).hostname)
      ? new URL(queueUrl).origin
      : undefined);
  const fanOut = optBool(options.fanOut, 'fanOut') ?? false;
  const snsEndpoint =
    optUrl(options.snsEndpoint, 'snsEndpoint') ??
    optUrl(env.AWS_ENDPOINT_URL_SNS, 'AWS_ENDPOINT_URL_SNS') ??
    optUrl(env.AWS_ENDPOINT_URL, 'AWS_ENDPOINT_URL') ??
    endpoint;
  const region =
    optString(options.region, 'region') ??
    regionOfQueueUrl(queueUrl) ??
    (isLocal(endpoint) ? (env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1') : undefined);
  if (credentials === undefined && isLocal(endpoint) && !hasAwsCredentials(env)) {
    // Local emulators accept any credentials; the default chain would fail with none configured.
    credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
  }
  const prefix = optString(options.prefix, 'prefix') ?? '';
  if (prefix !== '' && !/^[A-Za-z0-9_-]+$/.test(prefix))
    throw new ConfigError('prefix', 'may only contain A-Z a-z 0-9 _ -');
  return Object.freeze({
    queue,
    queueUrl,
    region,
    endpoint,
    snsEndpoint: fanOut ? snsEndpoint : undefined,
    fifo,
    fanOut,
    autoCreate: optBool(options.autoCreateTopics, 'autoCreateTopics') ?? true,
    prefix,
    waitTimeSeconds: int(options.waitTimeSeconds, 20, 'waitTimeSeconds', 0, 20),
    receiveConcurrency: int(options.receiveConcurrency, 8, 'receiveConcurrency', 1, 64),
    sendConcurrency: int(options.sendConcurrency, 50, 'sendConcurrency', 1, 64),
    credentials,
  });
}

/** The region of an AWS queue URL (`https://sqs.REGION.amazonaws.com/…`). */
function regionOfQueueUrl(queueUrl: string | undefined): string | undefined {
  if (queueUrl === undefined) return undefined;
  return /^sqs\.([a-z0-9-]+)\.amazonaws\.com/i.exec(new URL(queueUrl).hostname)?.[1];
}

/** Whether an endpoint is on this machine (an emulator). */
export function isLocal(endpoint: string | undefined): boolean {
  if (endpoint === undefined) return false;
  try {
    return LOOPBACK.test(new URL(endpoint).hostname);
  } catch {
    return false;
  }
}

function hasAwsCredentials(env: NodeJS.ProcessEnv): boolean {
  return Boolean(
    env.AWS_ACCESS_KEY_ID ||
    env.AWS_PROFILE ||
    env.AWS_WEB_IDENTITY_TOKEN_FILE ||
    env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI,
  );
}

function parseCredentials(o: Readonly<Record<string, unknown>>): SqsConfig['credentials'] {
  const c = o.credentials;
  if (c !== undefined) {
    const cc = c as Record<string, unknown>;
    if (
      typeof c !== 'object' ||
      c === null ||
      typeof cc.accessKeyId !== 'string' ||
      typeof cc.secretAccessKey !== 'string'
    ) {
      throw new ConfigError('credentials', 'must be { accessKeyId, secretAccessKey, sessionToken? }');
    }
    return {
      accessKeyId: cc.accessKeyId,
      secretAccessKey: cc.secretAccessKey,
      sessionToken: optString(cc.sessionToken, 'credentials.sessionToken'),
    };
  }
  const id = optString(o.accessKeyId, 'accessKeyId');
  const secret = optString(o.secretAccessKey, 'secretAccessKey');
  if (id === undefined && secret === undefined) return undefined;
  if (id === undefined || secret === undefined)
    throw new ConfigError('accessKeyId', 'accessKeyId and secretAccessKey go together');
  return {
    accessKeyId: id,
    secretAccessKey: secret,
    sessionToken: optString(o.sessionToken, 'sessionToken'),
  };
}

function optString(v: unknown, name: string): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new ConfigError(name, `must be a string, got ${typeof v}`);
  return v;
}

function optUrl(v: unknown, name: string): string | undefined {
  const s = optString(v, name);
  if (s === undefined) return undefined;
  try {
    const u = new URL(s);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http(s)');
  } catch (err) {
    throw new ConfigError(name, `"${redactSecrets(s)}" is not an http(s) URL`, { cause: err });
  }
  return s.replace(/\/+$/, '');
}

function optBool(v: unknown, name: string): boolean | undefined {
  if (v === undefined || v === '') return undefined;
  if (v === true || v === 'true' || v === '1') return true;
  if (v === false || v === 'false' || v === '0') return false;
  throw new ConfigError(name, `must be true or false, got ${String(v)}`);
}
