/** `@eventport/eventgrid-emulator`: an Azure Event Grid emulator on node:http. See README.md. */
export { startEmulator, type RunningEmulator } from './emulator.js';
export {
  DEFAULT_KEY,
  DEFAULT_PORT,
  SERVICE_RETRY_SCHEDULE_MS,
  SHORT_RETRY_SCHEDULE_MS,
  loadConfigFile,
  type BasicTopicConfig,
  type EmulatorOptions,
  type InputSchema,
  type NamespaceTopicConfig,
  type PullSubscriptionConfig,
  type PushSubscriptionConfig,
} from './config.js';
export { verifySasToken } from './auth.js';
export { ensureCertificate, type Certificate } from './tls.js';
