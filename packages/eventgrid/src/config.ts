import { randomBytes } from 'node:crypto';
import {
  boolOption,
  ConfigError,
  intOption,
  redactSecrets,
  type PushAuthenticator,
} from '@eventport/core/driver';
import type { TokenCredential } from '@azure/core-auth';
import { parseCredential, type EventGridAuth } from './credential.js';
import { parseEntraPushOptions } from './entra-config.js';
import type { EntraPushAuthOptions } from './entra-push-auth.js';

/**
 * Options of `connect({ kind: 'eventgrid', … })`, or the query of an `eventgrid://` URL.
 *
 * URL form: `eventgrid://HOST[:PORT][/TOPIC]?key=…` — HOST is the namespace host (namespace
 * topics, the default) or the basic topic's host (`mode=basic`). A loopback host implies
 * `http://` (the emulator); anything else `https://`.
 */
export interface EventGridOptions {
  /** Namespace (or basic topic) endpoint as an http(s) URL; default from the URL's host. */
  endpoint?: string;
  /** The topic named in the URL's path: shown in `describe()`; in basic mode the only topic producers may name (off loopback). */
  topic?: string;
  /** The access key (default: the `key` query parameter, then `EVENTGRID_KEY`). */
  key?: string;
  /**
   * Options object only, instead of a key: a Microsoft Entra token credential (any object with
   * `getToken`, e.g. `new DefaultAzureCredential()` from `@azure/identity`). Requests then carry
   * `Authorization: Bearer …` for the scope `https://eventgrid.azure.net/.default`. Needs https:
   * refused with a key, and for http endpoints (the emulator takes its key only).
   */
  credential?: TokenCredential;
  /** `namespace` (pull, the default) or `basic` (basic topics: publish, and consume by push). */
  mode?: 'namespace' | 'basic';
  /**
   * Basic mode, producers: the schema events are published in, `cloudevents` (default: every
   * attribute kept) or `eventgrid` (for topics whose input schema is Event Grid; lossy: no source,
   * dataschema, key or extensions).
   */
  schema?: 'cloudevents' | 'eventgrid';
  /** Longest a namespace receive waits for events, in seconds (10-120, the service's range; default 10). */
  maxWaitTime?: number | string;
  /** https (default: true except for loopback hosts). */
  tls?: boolean | string;
  /** Per-request timeout in ms (default 30000, plus the receive wait for receives). */
  requestTimeoutMs?: number | string;
  /**
   * Basic mode, consumers: where EventPort's own push listener (`node:http`) binds, `HOST:PORT`
   * (default `127.0.0.1:0`, any free port), or `off` to run none and mount `broker.raw().pushHandler`
   * in your own server (Express, Fastify, Next) instead.
   */
  listen?: string;
  /**
   * Basic mode, consumers: the public base URL the service pushes to (`https://app.example.com`);
   * each consumer's webhook is `{pushEndpoint}/eventgrid/{topic}/{group}?secret=…`. Default: the
   * listener's own URL (right for the emulator on loopback only).
   */
  pushEndpoint?: string;
  /**
   * Basic mode, consumers: the shared secret every push must carry as `?secret=…` (it is part of
   * the webhook URL the event subscription holds). Default on loopback: a random one per
   * connection; elsewhere required unless `pushEntraTenant` or `pushAuthenticate` is given.
   */
  pushSecret?: string;
  /**
   * Basic mode, consumers: verify the Microsoft Entra bearer token Event Grid sends on every push
   * to a subscription with Entra authentication — the webhook app's tenant id (a GUID). Needs
   * `pushEntraAudience`. With `pushSecret` as well, a push must pass both. See README.md.
   */
  pushEntraTenant?: string;
  /** The token's accepted `aud`: the webhook app's Application ID URI and/or client id (comma-separated). */
  pushEntraAudience?: string | readonly string[];
  /** The tenant's signing keys (JWKS); default `https://login.microsoftonline.com/{tenant}/discovery/v2.0/keys`. */
  pushEntraJwksUrl?: string;
  /** The one accepted `iss` (sovereign clouds); default the public cloud's v2 and v1 issuers of the tenant. */
  pushEntraIssuer?: string;
  /** When set, the token's `azp`/`appid` must be this client id (the Microsoft.EventGrid service principal's app id). */
  pushEntraAppId?: string;
  /**
   * Basic mode, consumers (options object only): your own check of each push request, instead
   * of or as well as `pushSecret` and `pushEntraTenant` (every configured check must pass).
   */
  pushAuthenticate?: PushAuthenticator;
}

export type EventGridMode = 'namespace' | 'basic';

export interface EventGridConfig {
  /** `http(s)://host[:port]`, no trailing slash, no path. */
  readonly endpoint: string;
  readonly topic: string | undefined;
  readonly mode: EventGridMode;
  readonly maxWaitTime: number;
  readonly requestTimeoutMs: number;
  /** Whether the endpoint is the local emulator (loopback host): basic topics are then `/topics/{t}/api/events`. */
  readonly loopback: boolean;
  /** Basic mode: the schema producers publish in. */
  readonly schema: 'cloudevents' | 'eventgrid';
  /** Basic-mode push: the listener address, or undefined for `listen=off`. */
  readonly listen: { readonly host: string; readonly port: number } | undefined;
  /** Basic-mode push: the public base URL (no trailing slash), when given. */
  readonly pushEndpoint: string | undefined;
}

/** What the push side keeps apart from the printable config. */
export interface PushSecrets {
  readonly secret: string | undefined;
  readonly authenticate: PushAuthenticator | undefined;
  /** The Entra token check of pushes (`pushEntra*` options), when configured. */
  readonly entra?: EntraPushAuthOptions | undefined;
}

/**
 * The push secret of loopback (emulator) connections that set none: random, one per process, so
 * that every connection's webhook URL of a topic and group is the same (see shared-listeners.ts).
 */
const LOOPBACK_SECRET = randomBytes(24).toString('base64url');

const KNOWN = [
  'endpoint',
  'topic',
  'key',
  'credential',
  'mode',
  'maxWaitTime',
  'tls',
  'requestTimeoutMs',
  'listen',
  'pushEndpoint',
  'pushSecret',
  'pushAuthenticate',
  'pushEntraTenant',
  'pushEntraAudience',
  'pushEntraJwksUrl',
  'pushEntraIssuer',
  'pushEntraAppId',
  'schema',
];
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\]|::1)$/i;

/**
 * Validates a URL and/or options. No I/O. The key or credential (`auth`) is returned apart from
 * the config, so that the config can be printed. @throws ConfigError naming the bad option.
 */
export function parseEventGridConfig(
  url: URL | undefined,
  options: Readonly<Record<string, unknown>>,
  env: NodeJS.ProcessEnv = process.env,
): { config: EventGridConfig; auth: EventGridAuth; push: PushSecrets } {
  for (const k of Object.keys(options)) {
    if (!KNOWN.includes(k)) {
      throw new ConfigError(k, `unknown eventgrid:// option; known: ${KNOWN.join(', ')}`);
    }
  }
  const tls = options.tls === undefined ? undefined : boolOption(options.tls, true, 'tls');
  let endpoint = optString(options.endpoint, 'endpoint');
  let topic = optString(options.topic, 'topic');
  if (url !== undefined) {
    if (url.username !== '' || url.password !== '') {
      throw new ConfigError(
        'url',
        'eventgrid:// takes the key as ?key=… (or EVENTGRID_KEY), not as userinfo',
      );
    }
    const path = decodeURIComponent(url.pathname.replace(/^\/+|\/+$/g, ''));
    if (path !== '') {
      if (path.includes('/'))
        throw new ConfigError('topic', `the URL path must be one topic name, got "${path}"`);
      topic ??= path;
    }
    if (url.host !== '' && endpoint === undefined) {
      const secure = tls ?? !LOOPBACK.test(url.hostname);
      endpoint = `${secure ? 'https' : 'http'}://${url.host}`;
    }
  }
  if (endpoint === undefined) {
    throw new ConfigError(
      'endpoint',
      'no host: use eventgrid://HOST[:PORT]/TOPIC?key=… or the endpoint option',
    );
  }
  let parsed: URL;
  try {
    parsed = new URL(endpoint);
  } catch (err) {
    throw new ConfigError('endpoint', `"${redactSecrets(endpoint)}" is not a URL`, { cause: err });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError(
      'endpoint',
      'must be an http(s) URL such as https://NAMESPACE.REGION-1.eventgrid.azure.net',
    );
  }
  if (parsed.username !== '' || parsed.password !== '' || parsed.search !== '') {
    throw new ConfigError(
      'endpoint',
      'must not carry credentials or a query; pass the key as the key option',
    );
  }
  const mode = options.mode ?? 'namespace';
  if (mode !== 'namespace' && mode !== 'basic') {
    throw new ConfigError('mode', `must be "namespace" or "basic", got ${String(mode)}`);
  }
  const loopback = LOOPBACK.test(parsed.hostname);
  const auth = authOf(options, parsed, loopback, env);
  const push = pushSecrets(options, loopback);
  return {
    auth,
    push,
    config: Object.freeze({
      endpoint: `${parsed.protocol}//${parsed.host}`,
      topic,
      mode,
      maxWaitTime: intOption(options.maxWaitTime, 10, 'maxWaitTime', 10, 120),
      requestTimeoutMs: intOption(options.requestTimeoutMs, 30_000, 'requestTimeoutMs', 1, 600_000),
      loopback,
      schema: schemaOption(options.schema, mode),
      listen: listenAddress(options.listen),
      pushEndpoint: pushEndpointOption(options.pushEndpoint),
    }),
  };
}

function authOf(
  options: Readonly<Record<string, unknown>>,
  endpoint: URL,
  loopback: boolean,
  env: NodeJS.ProcessEnv,
): EventGridAuth {
  const credential = parseCredential(options.credential);
  const given = optString(options.key, 'key');
  if (credential !== undefined) {
    if (given !== undefined) throw new ConfigError('credential', 'give either key or credential, not both');
    if (endpoint.protocol !== 'https:')
      throw new ConfigError(
        'credential',
        loopback
          ? `${endpoint.host} is the emulator (loopback, http), which takes its access key, not tokens: leave credential out`
          : 'a token credential needs an https endpoint (bearer tokens are never sent in clear): drop tls=false',
      );
    return { credential };
  }
  const key = given ?? env.EVENTGRID_KEY;
  if (key === undefined || key === '') {
    throw new ConfigError(
      'key',
      'no access key: pass ?key=… (or the key option), set EVENTGRID_KEY, or pass a credential',
    );
  }
  return { key };
}

function optString(value: unknown, name: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw new ConfigError(name, `must be a string, got ${typeof value}`);
  return value;
}

function listenAddress(value: unknown): { host: string; port: number } | undefined {
  const text = optString(value, 'listen') ?? '127.0.0.1:0';
  if (text === 'off') return undefined;
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(text);
  const port = match === null ? NaN : Number(match[2]);
  if (match === null || port > 65535)
    throw new ConfigError('listen', `must be HOST:PORT (e.g. 0.0.0.0:8080) or off, got "${text}"`);
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
}

function pushEndpointOption(value: unknown): string | undefined {
  const text = optString(value, 'pushEndpoint');
  if (text === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch (err) {
    throw new ConfigError('pushEndpoint', `"${redactSecrets(text)}" is not a URL`, { cause: err });
  }
  if ((parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.search !== '')
    throw new ConfigError('pushEndpoint', 'must be an http(s) base URL without a query');
  return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
}

function pushSecrets(options: Readonly<Record<string, unknown>>, loopback: boolean): PushSecrets {
  const authenticate = options.pushAuthenticate;
  if (authenticate !== undefined && typeof authenticate !== 'function')
    throw new ConfigError(
      'pushAuthenticate',
      `must be a function (request) => boolean, got ${typeof authenticate}`,
    );
  const entra = parseEntraPushOptions(options);
  let secret = optString(options.pushSecret, 'pushSecret');
  if (secret === undefined && authenticate === undefined && entra === undefined && loopback)
    secret = LOOPBACK_SECRET;
  return { secret, authenticate: authenticate as PushAuthenticator | undefined, entra };
}

function schemaOption(value: unknown, mode: string): 'cloudevents' | 'eventgrid' {
  if (value === undefined || value === '' || value === 'cloudevents') return 'cloudevents';
  if (value !== 'eventgrid')
    throw new ConfigError('schema', `must be "cloudevents" or "eventgrid", got ${String(value)}`);
  if (mode !== 'basic')
    throw new ConfigError(
      'schema',
      'the Event Grid schema is for basic topics (mode=basic); namespace topics take CloudEvents only',
    );
  return value;
}
