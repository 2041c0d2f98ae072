/**
 * Hands the list of brokers that global setup leased to global teardown. Jest runs both in the
 * same process, so a global keyed by a registered symbol is enough.
 */
import type { ServiceName } from '../brokers/types.js';

const KEY = Symbol.for('eventport.integration.leasedBrokers');
type Holder = { [KEY]?: ServiceName[] };

export function rememberLeased(services: ServiceName[]): void {
  (globalThis as Holder)[KEY] = services;
}

export function takeLeased(): ServiceName[] {
  const holder = globalThis as Holder;
  const services = holder[KEY] ?? [];
  delete holder[KEY];
  return services;
}
