/** Push delivery: core's receiving model for brokers that deliver by HTTP (see ./types.ts). */
export {
  PushRequestError,
  verdictOf,
  type PushAnswer,
  type PushAuthenticator,
  type PushCodec,
  type PushedEvent,
  type PushOutcome,
  type PushRequest,
  type PushVerdict,
} from './types.js';
export { PushReceiver } from './push-receiver.js';
export { PushEndpoint, type PushEndpointOptions, type PushRequestHandler } from './push-endpoint.js';
export { startPushListener, type PushListener } from './push-listener.js';
export { sharedSecretAuthenticator } from './shared-secret.js';
