import type { Check } from '../check.js';
import { pushRoundTrip, roundTrip, topicIsolation, traceContext } from './basics.js';
import { competingConsumers, fanOut, manyConsumers } from './consumers.js';
import { atMostOnce, handlerAttempts, redelivery } from './redelivery.js';
import { deadLetter, redeliveryDelay } from './dead-letter.js';
import { drain, durability, leaseExtension } from './durability.js';
import { exactlyOnce } from './exactly-once.js';
import { cancellation, declaredUnsupported, escapeHatch, lifecycle, missingTopic } from './lifecycle.js';
import { globalOrder, perKeyOrder, perKeyOrderPublishFault } from './ordering.js';
import {
  batchConsume,
  batchPublish,
  delayedDelivery,
  idempotentPublish,
  maxEventSize,
  publishAtLeastOnce,
  publishAtMostOnce,
} from './publish.js';
import { replay } from './replay.js';
import { leaseFromHandOff, perKeyOrderNearLease } from './leases.js';
import { handlerAttemptsTakeover } from './takeover.js';

/** Every check, in the order they run (quick ones first). */
export const CHECKS: readonly Check[] = Object.freeze([
  roundTrip,
  pushRoundTrip,
  topicIsolation,
  traceContext,
  lifecycle,
  declaredUnsupported,
  missingTopic,
  cancellation,
  escapeHatch,
  maxEventSize,
  publishAtLeastOnce,
  publishAtMostOnce,
  idempotentPublish,
  batchPublish,
  batchConsume,
  fanOut,
  competingConsumers,
  manyConsumers,
  redelivery,
  handlerAttempts,
  handlerAttemptsTakeover,
  atMostOnce,
  perKeyOrder,
  perKeyOrderPublishFault,
  perKeyOrderNearLease,
  globalOrder,
  deadLetter,
  redeliveryDelay,
  delayedDelivery,
  replay,
  durability,
  drain,
  leaseExtension,
  leaseFromHandOff,
  exactlyOnce,
]);

// Each check by name (`checks.roundTrip`, …): every check module exports its checks and nothing else.
export * from './basics.js';
export * from './consumers.js';
export * from './redelivery.js';
export * from './dead-letter.js';
export * from './durability.js';
export * from './exactly-once.js';
export * from './lifecycle.js';
export * from './ordering.js';
export * from './publish.js';
export * from './replay.js';
export * from './leases.js';
export * from './takeover.js';
