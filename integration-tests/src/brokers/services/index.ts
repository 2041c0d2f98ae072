/** The catalogue of services, and the group names the `brokers` script and suites accept. */
import type { ServiceName } from '../types.js';
import { SERVICE_NAMES } from '../types.js';
import { azurite } from './azurite.js';
import { elasticmq } from './elasticmq.js';
import { eventgrid } from './eventgrid.js';
import { eventhubs } from './eventhubs.js';
import { kafka } from './kafka.js';
import { moto } from './moto.js';
import { pubsub } from './pubsub.js';
import type { ServiceSpec } from './spec.js';

export const SERVICES: Record<ServiceName, ServiceSpec> = {
  kafka,
  elasticmq,
  moto,
  pubsub,
  azurite,
  eventgrid,
  eventhubs,
};

/** Group names: `sqs` is both SQS implementations, `sns` is moto, `all` is everything. */
const GROUPS: Record<string, readonly ServiceName[]> = {
  sqs: ['elasticmq', 'moto'],
  sns: ['moto'],
  all: SERVICE_NAMES,
};

/**
 * Expands service and group names (case-insensitive) into services, in catalogue order, without
 * duplicates. Throws on an unknown name, listing the known ones.
 */
export function resolveServices(names: readonly string[]): ServiceName[] {
  const wanted = new Set<ServiceName>();
  for (const raw of names) {
    const name = raw.trim().toLowerCase();
    if (!name) continue;
    const group = GROUPS[name];
    if (group) group.forEach((s) => wanted.add(s));
    else if ((SERVICE_NAMES as readonly string[]).includes(name)) wanted.add(name as ServiceName);
    else
      throw new Error(
        `unknown broker "${raw}"; known: ${[...SERVICE_NAMES, ...Object.keys(GROUPS)].join(', ')}`,
      );
  }
  return SERVICE_NAMES.filter((s) => wanted.has(s));
}

export type { ServiceSpec } from './spec.js';
