import { createHash } from 'node:crypto';
import { ConfigError } from '@eventport/core/driver';

/** SQS queue names: 1-80 of [A-Za-z0-9_-], plus ".fifo" for FIFO queues (counted in the 80). */
export const MAX_QUEUE_NAME = 80;
/** SNS topic names: 1-256 of [A-Za-z0-9_-], plus ".fifo" for FIFO topics. */
export const MAX_TOPIC_NAME = 256;
export const FIFO_SUFFIX = '.fifo';

const VALID_NAME = /^[A-Za-z0-9_-]+$/;
/** MessageGroupId / MessageDeduplicationId: 1-128 printable ASCII characters, no space. */
const VALID_TOKEN = /^[\x21-\x7e]{1,128}$/;

/** A short stable digest (base64url of SHA-256, `length` characters). */
export function digest(text: string, length = 43): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, length);
}

/**
 * The native resource name for an EventPort name: characters SQS and SNS do not
 * allow become "_" ("." and "~" are legal in topic names, not in queue names);
 * a name longer than `max` keeps its head and gains a digest of the whole.
 * A FIFO name ends in ".fifo" (added when missing).
 */
export function nativeName(name: string, fifo: boolean, max: number): string {
  let stem = name;
  if (stem.endsWith(FIFO_SUFFIX)) {
    if (!fifo) {
      throw new ConfigError(
        'topic',
        `"${name}" names a FIFO queue; connect with fifo=true (or bind a .fifo queue)`,
      );
    }
    stem = stem.slice(0, -FIFO_SUFFIX.length);
  }
  let safe = VALID_NAME.test(stem) ? stem : stem.replace(/[^A-Za-z0-9_-]/g, '_');
  const room = max - (fifo ? FIFO_SUFFIX.length : 0);
  if (safe.length > room)
    safe = `${safe.slice(0, room - 12)}-${digest(stem, 11).replace(/[^A-Za-z0-9]/g, 'x')}`;
  if (safe.length === 0) throw new ConfigError('topic', 'must not be empty');
  return fifo ? safe + FIFO_SUFFIX : safe;
}

/** The queue of a topic (plain mode) or of a topic's consumer group (fan-out mode). */
export function queueName(prefix: string, topic: string, fifo: boolean, group?: string): string {
  if (topic.endsWith(FIFO_SUFFIX) && !fifo) nativeName(topic, false, MAX_QUEUE_NAME); // throws ConfigError
  const stem = topic.endsWith(FIFO_SUFFIX) ? topic.slice(0, -FIFO_SUFFIX.length) : topic;
  const base = group === undefined ? stem : `${stem}-${group}`;
  return nativeName(prefix + base, fifo, MAX_QUEUE_NAME);
}

/** The SNS topic of an EventPort topic (fan-out mode). */
export function snsTopicName(prefix: string, topic: string, fifo: boolean): string {
  return nativeName(prefix + topic, fifo, MAX_TOPIC_NAME);
}

/** A MessageGroupId for a key: the key itself when SQS accepts it, else a digest of it. */
export function groupIdFor(key: string | undefined, fallback: string): string {
  const value = key ?? fallback;
  return VALID_TOKEN.test(value) ? value : `k-${digest(value)}`;
}

/**
 * The MessageDeduplicationId of an event: a digest of source + id (the CloudEvents
 * identity; two sources may use the same id), so resends of one event dedupe and
 * distinct events never do.
 */
export function deduplicationIdFor(source: string, id: string): string {
  return digest(`${source}\u0000${id}`);
}

/** The queue name at the end of a queue URL. */
export function queueNameOfUrl(url: string): string {
  const path = url.replace(/[?#].*$/, '').replace(/\/+$/, '');
  return decodeURIComponent(path.slice(path.lastIndexOf('/') + 1));
}

/** The resource name at the end of an ARN (`arn:aws:sqs:region:account:name`). */
export function nameOfArn(arn: string): string {
  return arn.slice(arn.lastIndexOf(':') + 1);
}

/** The account id of an ARN (5th field). */
export function accountOfArn(arn: string): string | undefined {
  return arn.split(':')[4] || undefined;
}
