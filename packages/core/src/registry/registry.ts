import { ConfigError, UnknownSchemeError } from '../errors/errors.js';
import { redactSecrets } from '../errors/redact.js';
import type { Driver, DriverContext, DriverFactory } from '../driver/types.js';
import { consoleLogger } from '../logging/logger.js';
import { adapterPackageFor, installedAdapters } from './discovery.js';

const factories = new Map<string, DriverFactory>();

/**
 * Registers an adapter's factory under its scheme. Adapters call this when their
 * package is imported. Registering the same factory twice is a no-op; a different
 * factory for a taken scheme replaces it (last import wins, as with plugins).
 */
export function registerDriver(factory: DriverFactory): void {
  if (!/^[a-z][a-z0-9+.-]*$/.test(factory.scheme)) {
    throw new ConfigError('scheme', `"${factory.scheme}" is not a valid URL scheme`);
  }
  factories.set(factory.scheme, factory);
}

/** Schemes with a registered factory, sorted. */
export function registeredSchemes(): string[] {
  return [...factories.keys()].sort();
}

/** Options accepted by `connect` instead of a URL: `kind` picks the adapter. */
export interface ConnectOptions {
  readonly kind: string;
  readonly [option: string]: unknown;
}

/**
 * Resolves a URL or options object to a driver. A scheme not registered yet is
 * looked up among the well-known adapter packages and imported if installed.
 * @throws ConfigError for a malformed URL, UnknownSchemeError when no adapter serves the scheme.
 */
export async function createDriver(
  target: string | URL | ConnectOptions,
  context: DriverContext = { logger: consoleLogger() },
): Promise<Driver> {
  let url: URL | undefined;
  let scheme: string;
  let options: Record<string, unknown> = {};
  if (typeof target === 'string' || target instanceof URL) {
    const parsed = parseUrl(target);
    url = parsed.url;
    scheme = url.protocol.slice(0, -1).toLowerCase();
    for (const [k, v] of url.searchParams) options[k] = v;
    if (parsed.hosts !== undefined && options.hosts === undefined) options.hosts = parsed.hosts;
  } else if (target !== null && typeof target === 'object' && typeof target.kind === 'string') {
    scheme = target.kind.toLowerCase();
    options = { ...target };
    delete options.kind;
  } else {
    throw new ConfigError('target', 'connect() takes a URL string or an options object with a "kind"');
  }
  const factory = factories.get(scheme) ?? (await autoload(scheme));
  return factory.create(url, options, context);
}

function parseUrl(target: string | URL): { url: URL; hosts?: string } {
  if (target instanceof URL) return { url: target };
  if (typeof target !== 'string' || target.trim() === '') {
    throw new ConfigError('url', 'expected a broker URL such as memory:// or kafka://127.0.0.1:9092');
  }
  try {
    return { url: new URL(target) };
  } catch (err) {
    const multi = parseMultiHost(target);
    if (multi !== undefined) return multi;
    throw new ConfigError('url', `"${redactSecrets(target)}" is not a valid URL`, { cause: err });
  }
}

/**
 * A multi-host URL, `scheme://[userinfo@]h1:p1,h2:p2[/path][?query]` (Kafka bootstrap servers),
 * which WHATWG URLs reject: the URL keeps the first host, and the whole comma-separated list is
 * handed to the factory as the `hosts` option.
 */
function parseMultiHost(target: string): { url: URL; hosts: string } | undefined {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)(?:([^@/?#]*)@)?([^/?#@]*,[^/?#@]*)(.*)$/i.exec(target);
  if (m === null) return undefined;
  const hosts = m[3]!
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h !== '');
  if (hosts.length === 0) return undefined;
  try {
    const url = new URL(`${m[1]}${m[2] !== undefined ? `${m[2]}@` : ''}${hosts[0]}${m[4]}`);
    return { url, hosts: hosts.join(',') };
  } catch {
    return undefined;
  }
}

/**
 * Imports the adapter package for a scheme not registered yet (the package that declares it, see
 * discovery.ts, else `@eventport/<scheme>`). UnknownSchemeError names every installed scheme and
 * the package to install.
 */
async function autoload(scheme: string): Promise<DriverFactory> {
  const pkg = adapterPackageFor(scheme);
  try {
    await import(pkg);
  } catch (err) {
    if (!isModuleNotFound(err)) throw err;
  }
  const factory = factories.get(scheme);
  if (factory !== undefined) return factory;
  const installed = new Set([...registeredSchemes(), ...installedAdapters().map((a) => a.scheme)]);
  throw new UnknownSchemeError(scheme, [...installed].sort(), pkg);
}

function isModuleNotFound(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}
