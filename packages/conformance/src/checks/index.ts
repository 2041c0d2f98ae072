import type { Check } from '../check.js';
import { roundTrip, topicIsolation, traceContext } from './basics.js';
import {
  atMostOnce,
  competingConsumers,
  deadLetter,
  drain,
  durability,
  fanOut,
  leaseExtension,
  redelivery,
  redeliveryDelay,
} from './delivery.js';
import { exactlyOnce } from './exactly-once.js';
import { cancellation, declaredUnsupported, escapeHatch, lifecycle, missingTopic } from './lifecycle.js';
import { globalOrder, perKeyOrder } from './ordering.js';
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

/** Every check, in the order they run (quick ones first). */
export const CHECKS: readonly Check[] = Object.freeze([
  roundTrip,
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
  redelivery,
  atMostOnce,
  perKeyOrder,
  globalOrder,
  deadLetter,
  redeliveryDelay,
  delayedDelivery,
  replay,
  durability,
  drain,
  leaseExtension,
  exactlyOnce,
]);

export {
  roundTrip,
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
  redelivery,
  atMostOnce,
  perKeyOrder,
  globalOrder,
  deadLetter,
  redeliveryDelay,
  delayedDelivery,
  replay,
  durability,
  drain,
  leaseExtension,
  exactlyOnce,
};
