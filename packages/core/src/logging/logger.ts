import { redactObject, redactSecrets } from '../errors/redact.js';

/** Where EventPort reports what it cannot throw (handler failures, retries, drops). */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

/**
 * A logger writing one line per entry to stderr, at `level` and above
 * (default from EVENTPORT_LOG_LEVEL, else "warn"). Messages and fields are
 * redacted of secrets.
 */
export function consoleLogger(level: LogLevel = envLevel()): Logger {
  const at = ORDER[level];
  const write =
    (lvl: LogLevel) =>
    (message: string, fields?: Record<string, unknown>): void => {
      if (ORDER[lvl] < at) return;
      const extra = fields === undefined ? '' : ` ${safeJson(redactObject(fields))}`;
      process.stderr.write(`[eventport] ${lvl} ${redactSecrets(message)}${extra}\n`);
    };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

/**
 * Wraps `logger` so that nothing it receives carries a secret: messages go through
 * `redactSecrets`, fields through `redactObject` (secret-named fields masked whole, errors
 * kept as errors with message and stack redacted). `connect` gives drivers and the portable
 * layer this wrapper around the user's logger, so a driver or a broker client that logs a raw
 * error or a connection string cannot leak it, whatever logger the user plugged in.
 */
export function redactingLogger(logger: Logger): Logger {
  if (REDACTING.has(logger)) return logger;
  const wrap =
    (level: keyof Logger) =>
    (message: string, fields?: Record<string, unknown>): void => {
      const safe = redactSecrets(message);
      if (fields === undefined) logger[level](safe);
      else logger[level](safe, redactObject(fields));
    };
  const wrapped: Logger = {
    debug: wrap('debug'),
    info: wrap('info'),
    warn: wrap('warn'),
    error: wrap('error'),
  };
  REDACTING.add(wrapped);
  return wrapped;
}

const REDACTING = new WeakSet<Logger>();

/** A logger that discards everything. */
export const silentLogger: Logger = consoleLogger('silent');

function envLevel(): LogLevel {
  const v = process.env.EVENTPORT_LOG_LEVEL;
  return v !== undefined && v in ORDER ? (v as LogLevel) : 'warn';
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x: unknown) => (x instanceof Error ? redactSecrets(x.message) : x));
  } catch {
    return '[unprintable]';
  }
}
