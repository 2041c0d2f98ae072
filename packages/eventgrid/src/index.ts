/**
 * `@eventport/eventgrid`: Azure Event Grid, registered for `eventgrid://`. Namespace topics
 * (pull: producer and consumer) through a thin client of the namespace REST API; basic topics
 * (`mode=basic`: producer through the same thin client, consumers by push to EventPort's
 * endpoint, core's push receiving model with the Event Grid codec). Importing this package registers the
 * scheme; `connect('eventgrid://…')` from @eventport/core also loads it when it is installed.
 * See README.md for the URL forms, capabilities and wire format.
 */
import { registerDriver, type CapabilityVariants } from '@eventport/core/driver';
import { eventGridCapabilities } from './capabilities.js';
import { eventGridDriverFactory } from './driver.js';

registerDriver(eventGridDriverFactory);

export { EventGridDriver, eventGridDriverFactory, type EventGridNative } from './driver.js';
export {
  parseEventGridConfig,
  type EventGridOptions,
  type EventGridConfig,
  type EventGridMode,
  type PushSecrets,
} from './config.js';
export { EVENTGRID_SCOPE, parseCredential, type EventGridAuth } from './credential.js';
export { eventGridPushCodec, fromEventGridSchema, VALIDATION_EVENT_TYPE } from './push-codec.js';
export { SECRET_PARAM, subscriptionName } from './push-consumers.js';
export {
  EntraTokenVerifier,
  entraPushAuthenticator,
  EVENTGRID_WEBHOOK_ROLE,
  type EntraPushAuthOptions,
} from './entra-push-auth.js';
export {
  eventGridCapabilities,
  DECLARED_MAX_EVENT_SIZE,
  MAX_REQUEST_BYTES,
  RELEASE_DELAYS_S,
} from './capabilities.js';
export {
  NamespaceClient,
  API_VERSION,
  type ReceiveDetail,
  type SettleResult,
  type SettleAction,
} from './client.js';
export { encodeEvent, decodeEvent, batchBody, KEY_EXTENSION } from './wire.js';
export { toSdkCloudEvent } from './basic.js';
export { mapHttpFailure } from './errors.js';
export { releaseDelaySeconds } from './receiver.js';
export { resourceName } from './names.js';

/** The configurations this adapter can run in, for `eventport capabilities` and the README matrix. */
export const capabilityVariants: CapabilityVariants = [
  eventGridCapabilities('namespace'),
  eventGridCapabilities('basic'),
];
