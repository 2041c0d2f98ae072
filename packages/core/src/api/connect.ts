import type { Driver } from '../driver/types.js';
import { ConfigError } from '../errors/errors.js';
import { consoleLogger, redactingLogger } from '../logging/logger.js';
import { createDriver, type ConnectOptions } from '../registry/registry.js';
import { loadTracing, NOOP_TRACING } from '../tracing/otel.js';
import { Broker, type BrokerOptions } from './broker.js';
import { LOGGER_METHODS, STORE_METHODS } from './options.js';
import {
  checkBoolean,
  checkFunction,
  checkKnownKeys,
  checkMethods,
  checkOptionsObject,
} from './option-checks.js';

export interface ConnectExtras extends BrokerOptions {
  /** OpenTelemetry spans and traceparent injection (default: on when @opentelemetry/api is installed). */
  tracing?: boolean;
  /** Wraps the adapter's driver before use: fault injection (the conformance suite) or instrumentation. */
  wrapDriver?: (driver: Driver) => Driver;
}

/**
 * Connects to a broker by URL (`memory://`, `kafka://host:9092`, `sqs://queue`, …)
 * or options object (`{ kind: 'kafka', … }`). Without a target it uses
 * `EVENTPORT_URL`, else the embedded broker (`memory://`). The adapter for the
 * scheme is imported automatically when its package is installed.
 *
 * @throws ConfigError for a malformed URL or options, UnknownSchemeError when no
 *   adapter serves the scheme (the message names the package to install).
 */
const EXTRA_KEYS = ['logger', 'idempotencyStore', 'tracing', 'wrapDriver'] as const;

function checkConnectExtras(extras: unknown): void {
  const e = checkOptionsObject(extras, 'connect');
  checkKnownKeys(e, EXTRA_KEYS, 'connect');
  checkMethods(e.logger, 'logger', LOGGER_METHODS);
  checkMethods(e.idempotencyStore, 'idempotencyStore', STORE_METHODS);
  checkBoolean(e.tracing, 'tracing');
  checkFunction(e.wrapDriver, 'wrapDriver');
}

export async function connect(
  target?: string | URL | ConnectOptions,
  extras: ConnectExtras = {},
): Promise<Broker> {
  checkConnectExtras(extras);
  const logger = redactingLogger(extras.logger ?? consoleLogger());
  const created = await createDriver(target ?? process.env.EVENTPORT_URL ?? 'memory://', { logger });
  const driver = extras.wrapDriver !== undefined ? wrap(extras.wrapDriver, created) : created;
  const tracing = extras.tracing === false ? NOOP_TRACING : await loadTracing();
  return new Broker(driver, tracing, { ...extras, logger });
}

/** Applies the user's driver wrapper; a wrapper that throws or returns no driver is a ConfigError. */
function wrap(wrapDriver: (driver: Driver) => Driver, created: Driver): Driver {
  let wrapped: unknown;
  try {
    wrapped = wrapDriver(created);
  } catch (err) {
    void created.close().catch(() => undefined);
    throw new ConfigError('wrapDriver', 'the wrapper threw', { cause: err });
  }
  if (
    wrapped === null ||
    typeof wrapped !== 'object' ||
    typeof (wrapped as Driver).openReceiver !== 'function'
  ) {
    void created.close().catch(() => undefined);
    throw new ConfigError('wrapDriver', 'must return a driver');
  }
  return wrapped as Driver;
}
