/**
 * Where brokers keep their files. Everything lives under one cache folder so that clearing it
 * gives a cold start and keeping it gives a start without network:
 *
 *   <cache>/kafka-<version>/libs      jars assembled by Maven (never shared with ElasticMQ's)
 *   <cache>/elasticmq-<version>/libs
 *   <cache>/m2                         Maven's local repository used for those downloads
 *   <cache>/python                     moto installed by pip --target, when python3 lacks it
 *   <cache>/run/<service>/             pid file, log, generated config and data of a local process
 *   <cache>/locks/                     cross-process locks for installs and starts
 *
 * `<cache>` is `$EVENTPORT_CACHE_DIR`, else `$XDG_CACHE_HOME/eventport/brokers`, else
 * `~/.cache/eventport/brokers`.
 */
import os from 'node:os';
import path from 'node:path';

export function cacheRoot(): string {
  const explicit = process.env.EVENTPORT_CACHE_DIR;
  if (explicit) return path.resolve(explicit);
  const xdg = process.env.XDG_CACHE_HOME;
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.cache');
  return path.join(base, 'eventport', 'brokers');
}

/** Folder holding the pid file, log, config and data of one locally run service. */
export function runDir(service: string): string {
  return path.join(cacheRoot(), 'run', service);
}

export function lockDir(): string {
  return path.join(cacheRoot(), 'locks');
}
