import type { Driver } from '../driver/types.js';
import { createDriver, type ConnectOptions } from '../registry/registry.js';
import { loadTracing, NOOP_TRACING } from '../tracing/otel.js';
import { Broker, type BrokerOptions } from './broker.js';

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
export async function connect(
  target?: string | URL | ConnectOptions,
  extras: ConnectExtras = {},
): Promise<Broker> {
  const created = await createDriver(target ?? process.env.EVENTPORT_URL ?? 'memory://');
  const driver = extras.wrapDriver !== undefined ? extras.wrapDriver(created) : created;
  const tracing = extras.tracing === false ? NOOP_TRACING : await loadTracing();
  return new Broker(driver, tracing, extras);
}
