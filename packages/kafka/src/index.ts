/**
 * `@eventport/kafka`: EventPort on Apache Kafka through kafkajs, registered for `kafka://`.
 * Importing this package registers the scheme; `connect('kafka://host:9092')` from
 * @eventport/core also loads it automatically when it is installed.
 */
import type { CapabilityVariants } from '@eventport/core/driver';
import { registerDriver } from '@eventport/core/driver';
import { kafkaCapabilities } from './capabilities.js';
import { DEFAULT_MAX_EVENT_SIZE } from './config.js';
import { kafkaDriverFactory } from './driver.js';

registerDriver(kafkaDriverFactory);

export { KafkaDriver, kafkaDriverFactory } from './driver.js';
export { kafkaCapabilities } from './capabilities.js';
export {
  parseKafkaConfig,
  describeConfig,
  DEFAULT_MAX_EVENT_SIZE,
  type KafkaOptions,
  type KafkaConfig,
  type SaslOptions,
  type SaslMechanism,
} from './config.js';
export { mapKafkaError } from './errors.js';
export { encodeRecord, decodeRecord, recordId, HEADER_PREFIX, PLAIN_TYPE } from './wire.js';
export { murmur2, partitionForKey, eventPortPartitioner } from './partitioner.js';

/** The configurations this adapter can run in (default limits), for `eventport capabilities` and the README matrix. */
export const capabilityVariants: CapabilityVariants = [kafkaCapabilities(DEFAULT_MAX_EVENT_SIZE)];
