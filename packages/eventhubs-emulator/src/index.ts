/**
 * @eventport/eventhubs-emulator — an Azure Event Hubs emulator (AMQP 1.0) for the real
 * `@azure/event-hubs` client. See the package README for what it does and does not implement.
 */
export { EventHubsEmulator } from './emulator.js';
export {
  DEFAULT_HUBS,
  DEFAULT_KEY,
  MAX_MESSAGE_SIZE,
  parseMicrosoftConfig,
  readMicrosoftConfig,
  type EmulatorOptions,
  type HubConfig,
  type SasKey,
} from './config.js';
export { partitionForKey } from './partition-key.js';
export { MAX_READERS } from './readers.js';
