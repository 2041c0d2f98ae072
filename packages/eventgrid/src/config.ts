import { boolOption, ConfigError, intOption, redactSecrets } from '@eventport/core/driver';

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
  /** `namespace` (pull, the default) or `basic` (basic topics: publish only, in CloudEvents schema). */
  mode?: 'namespace' | 'basic';
  /** Longest a namespace receive waits for events, in seconds (10-120, the service's range; default 10). */
  maxWaitTime?: number | string;
  /** https (default: true except for loopback hosts). */
  tls?: boolean | string;
  /** Per-request timeout in ms (default 30000, plus the receive wait for receives). */
  requestTimeoutMs?: number | string;
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
}

const KNOWN = ['endpoint', 'topic', 'key', 'mode', 'maxWaitTime', 'tls', 'requestTimeoutMs'];
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\]|::1)$/i;

/**
 * Validates a URL and/or options. No I/O. The key is returned apart from the config, so
 * that the config can be printed. @throws ConfigError naming the bad option.
 */
export function parseEventGridConfig(
  url: URL | undefined,
  options: Readonly<Record<string, unknown>>,
  env: NodeJS.ProcessEnv = process.env,
): { config: EventGridConfig; key: string } {
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
  const key = optString(options.key, 'key') ?? env.EVENTGRID_KEY;
  if (key === undefined || key === '') {
    throw new ConfigError('key', 'no access key: pass ?key=… (or the key option) or set EVENTGRID_KEY');
  }
  return {
    key,
    config: Object.freeze({
      endpoint: `${parsed.protocol}//${parsed.host}`,
      topic,
      mode,
      maxWaitTime: intOption(options.maxWaitTime, 10, 'maxWaitTime', 10, 120),
      requestTimeoutMs: intOption(options.requestTimeoutMs, 30_000, 'requestTimeoutMs', 1, 600_000),
      loopback: LOOPBACK.test(parsed.hostname),
    }),
  };
}

function optString(value: unknown, name: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw new ConfigError(name, `must be a string, got ${typeof value}`);
  return value;
}
