import { connect, redactSecrets, type Broker, type Logger } from '@eventport/core';
import { UsageError } from '../args.js';
import { println, type CliIo } from '../io.js';

/** Connects, turning a malformed URL into a usage error. */
export async function open(url: string, command: string, io: CliIo, verbose: boolean): Promise<Broker> {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    throw new UsageError(
      `"${redactSecrets(url)}" is not a broker URL (expected scheme://…, e.g. memory:// or kafka://127.0.0.1:9092)`,
      command,
    );
  }
  return connect(url, { logger: cliLogger(io, verbose) });
}

/** EventPort's log lines on stderr: errors always, warnings and more with --verbose. */
export function cliLogger(io: CliIo, verbose: boolean): Logger {
  const write = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    const extra = fields === undefined ? '' : ` ${safe(fields)}`;
    println(io.stderr, redactSecrets(`eventport: ${level}: ${message}${extra}`));
  };
  const skip = (): void => undefined;
  return {
    debug: skip,
    info: verbose ? write('info') : skip,
    warn: verbose ? write('warning') : skip,
    error: write('error'),
  };
}

function safe(fields: Record<string, unknown>): string {
  try {
    return JSON.stringify(fields, (_k, v: unknown) => (v instanceof Error ? v.message : v));
  } catch {
    return '';
  }
}

/** memory:// lives inside one process: say so where it matters. */
export function warnInProcess(url: string, io: CliIo, what: string): void {
  if (/^memory:/i.test(url)) {
    println(io.stderr, `note: memory:// is an in-process broker: ${what}`);
  }
}
