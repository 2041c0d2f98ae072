/**
 * Hands the list of brokers that global setup started to global teardown. Jest runs both in the
 * same process, so a global keyed by a registered symbol is enough.
 */
import type { ServiceName } from '../brokers/types.js';

const KEY = Symbol.for('eventport.integration.startedBrokers');
type Holder = { [KEY]?: ServiceName[] };

export function rememberStarted(services: ServiceName[]): void {
  (globalThis as Holder)[KEY] = services;
}

export function takeStarted(): ServiceName[] {
  const holder = globalThis as Holder;
  const services = holder[KEY] ?? [];
  delete holder[KEY];
  return services;
}
