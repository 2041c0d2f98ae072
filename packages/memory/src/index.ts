/**
 * `@eventport/memory`: the embedded broker, registered for `memory://`.
 * Importing this package registers the scheme; `connect('memory://')` from
 * @eventport/core also loads it automatically when it is installed.
 */
import type { CapabilityVariants } from '@eventport/core/driver';
import { registerDriver } from '@eventport/core/driver';
import { memoryCapabilities } from './capabilities.js';
import { memoryDriverFactory } from './driver.js';

registerDriver(memoryDriverFactory);

export { MemoryDriver, memoryDriverFactory } from './driver.js';
export { MemoryBroker, type MemoryBrokerSettings } from './memory-broker.js';
export type { MemoryOptions } from './config.js';
export { FAULT_NAMES, type MemoryFaults } from './faults.js';
export { memoryCapabilities } from './capabilities.js';
export type { StoredRecord } from './topic.js';

/** The configurations this adapter can run in, for `eventport capabilities` and the README matrix. */
export const capabilityVariants: CapabilityVariants = [memoryCapabilities(1024 * 1024, false)];
