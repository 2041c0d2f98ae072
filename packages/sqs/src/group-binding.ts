import { ListQueueTagsCommand, TagQueueCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { UnsupportedGuaranteeError } from '@eventport/core/driver';
import { REQUEST_TIMEOUT_MS } from './clients.js';
import { mapAwsError } from './errors.js';
import type { QueueRef } from './resources.js';

/** The queue tag that records which consumer group reads a queue (plain mode, no fan-out). */
export const GROUP_TAG = 'eventport-group';
const T = { requestTimeout: REQUEST_TIMEOUT_MS };

/**
 * Without fan-out (`fanOut=false`) an SQS queue is one stream: consumers of two different groups
 * on it would silently split its messages between them, where a program written for a broker with
 * fan-out expects each group to see every event. So the first group to read a queue is recorded
 * in the queue tag `eventport-group`, and a consumer of another group is refused with an
 * UnsupportedGuaranteeError naming `fan-out` and the option that gives it (`fanOut=true`).
 * Consumers of the same group (competing consumers) pass. To hand a queue to another group on
 * purpose, delete the tag (or the queue). Two groups starting at the same instant may both tag;
 * the re-read after tagging refuses the one that lost.
 */
export async function bindGroup(sqs: SQSClient, queue: QueueRef, group: string): Promise<void> {
  const bound = await readGroup(sqs, queue);
  if (bound === undefined) {
    try {
      await sqs.send(new TagQueueCommand({ QueueUrl: queue.url, Tags: { [GROUP_TAG]: group } }), T);
    } catch (err) {
      throw mapAwsError(err, `tag queue ${queue.name} with its consumer group`);
    }
  }
  const owner = bound ?? (await readGroup(sqs, queue)) ?? group;
  if (owner !== group) {
    throw new UnsupportedGuaranteeError('sqs', [
      {
        guarantee: 'fan-out',
        why:
          `queue "${queue.name}" is read by consumer group "${owner}"; without fan-out a second group ` +
          `("${group}") would silently take half of its messages. Connect with fanOut=true (SNS) so that ` +
          `each group gets every event, or use group "${owner}" (or delete the queue tag ${GROUP_TAG})`,
      },
    ]);
  }
}

async function readGroup(sqs: SQSClient, queue: QueueRef): Promise<string | undefined> {
  try {
    const out = await sqs.send(new ListQueueTagsCommand({ QueueUrl: queue.url }), T);
    return out.Tags?.[GROUP_TAG];
  } catch (err) {
    throw mapAwsError(err, `read the tags of queue ${queue.name}`);
  }
}
