/**
 * `@eventport/pubsub`: Google Cloud Pub/Sub, registered for `pubsub://`. Importing this package
 * registers the scheme; `connect('pubsub://…')` from @eventport/core also loads it automatically
 * when it is installed. See README.md for the URL form, capabilities and wire format.
 */
import { registerDriver } from '@eventport/core/driver';
import { pubsubCapabilities } from './capabilities.js';
import { pubsubDriverFactory } from './driver.js';

registerDriver(pubsubDriverFactory);

export { PubSubDriver, pubsubDriverFactory, type PubSubNative } from './driver.js';
export { parsePubSubConfig, subscriptionNameOf, type PubSubOptions, type PubSubConfig } from './config.js';
export {
  pubsubCapabilities,
  variantOf,
  PUBSUB_MAX_MESSAGE_BYTES,
  MAX_EVENT_SIZE,
  MAX_ACK_DEADLINE_S,
} from './capabilities.js';
export {
  encodeMessage,
  decodeMessage,
  plainSource,
  CE_PREFIX,
  KEY_ATTRIBUTE,
  UNDECODABLE_ATTRIBUTE,
  type OutgoingMessage,
  type IncomingMessage,
  type Decoded,
} from './wire.js';
export { mapPubSubError } from './errors.js';
export { publishOptions } from './sender.js';

/** The configurations this adapter can run in, for `eventport capabilities` and the README matrix. */
export const capabilityVariants = [
  pubsubCapabilities({ ordering: true, exactlyOnce: true }),
  pubsubCapabilities({ ordering: false, exactlyOnce: true }),
  pubsubCapabilities({ ordering: true, exactlyOnce: false }),
  pubsubCapabilities({ ordering: false, exactlyOnce: false }),
];
