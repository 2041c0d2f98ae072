/**
 * `@eventport/sqs`: Amazon SQS (standard and FIFO queues) with SNS fan-out,
 * registered for `sqs://`. Importing this package registers the scheme;
 * `connect('sqs://…')` from @eventport/core also loads it automatically when it
 * is installed. See README.md for the URL forms, capabilities and wire format.
 */
import { registerDriver } from '@eventport/core/driver';
import { sqsCapabilities } from './capabilities.js';
import { sqsDriverFactory } from './driver.js';

registerDriver(sqsDriverFactory);

export { SqsDriver, sqsDriverFactory, type SqsNative } from './driver.js';
export { parseSqsConfig, type SqsOptions, type SqsConfig } from './config.js';
export {
  sqsCapabilities,
  variantOf,
  SQS_MAX_MESSAGE_BYTES,
  SNS_MAX_MESSAGE_BYTES,
  ATTRIBUTE_RESERVE,
  MAX_DELAY_MS,
  declaredMaxEventSize,
} from './capabilities.js';
export {
  encodeMessage,
  decodeMessage,
  isSqsText,
  ATTR,
  type EncodedMessage,
  type StringAttribute,
} from './wire.js';
export { mapAwsError, mapEntryError } from './errors.js';
export { queueName, snsTopicName } from './names.js';

/** The configurations this adapter can run in, for `eventport capabilities` and the README matrix. */
export const capabilityVariants = [
  sqsCapabilities({ fifo: false, fanOut: false }),
  sqsCapabilities({ fifo: true, fanOut: false }),
  sqsCapabilities({ fifo: false, fanOut: true }),
  sqsCapabilities({ fifo: true, fanOut: true }),
];
