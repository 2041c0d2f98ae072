/**
 * `@eventport/eventhubs`: EventPort on Azure Event Hubs through @azure/event-hubs v6 and the blob
 * checkpoint store, registered for `eventhubs://`. Importing this package registers the scheme;
 * `connect('eventhubs://ns.servicebus.windows.net/orders')` from @eventport/core also loads it
 * automatically when it is installed.
 */
import type { CapabilityVariants } from '@eventport/core/driver';
import { registerDriver } from '@eventport/core/driver';
import { eventHubsCapabilities } from './capabilities.js';
import { DEFAULT_MAX_EVENT_SIZE } from './config.js';
import { eventHubsDriverFactory } from './driver.js';

registerDriver(eventHubsDriverFactory);

export { EventHubsDriver, eventHubsDriverFactory, type EventHubsNative } from './driver.js';
export { eventHubsCapabilities } from './capabilities.js';
export {
  parseEventHubsConfig,
  EventHubsConfig,
  DEFAULT_MAX_EVENT_SIZE,
  type EventHubsOptions,
} from './config.js';
export { mapEventHubsError } from './errors.js';
export { encodeEvent, decodeEvent, eventId, PROPERTY_PREFIX } from './wire.js';
export { startPosition } from './receiver.js';

/** The configurations this adapter can run in (default limits), for `eventport capabilities` and the README matrix. */
export const capabilityVariants: CapabilityVariants = [eventHubsCapabilities(DEFAULT_MAX_EVENT_SIZE)];
