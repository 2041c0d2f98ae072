/**
 * The `$management` node: `READ` of `com.microsoft:eventhub` (hub runtime information) and
 * `com.microsoft:partition` (partition runtime information).
 *
 * Contract: the request's `security_token` (or an earlier put-token on the same connection)
 * must authorize the hub; an unknown hub answers 404 (MessagingEntityNotFoundError in the
 * client), an unknown partition 400 with `com.microsoft:argument-out-of-range`.
 */
import type { Message } from 'rhea';
import { notFound } from './address.js';
import type { ConnectionGrants, Reply } from './cbs.js';
import type { ResolvedOptions } from './config.js';
import type { Namespace } from './namespace.js';
import { isRefusal, validateSas, covers, resourcePathOf } from './sas.js';

export function handleManagement(
  request: Message,
  grants: ConnectionGrants,
  namespace: Namespace,
  options: ResolvedOptions,
): Reply {
  const props = (request.application_properties ?? {}) as Record<string, unknown>;
  const operation = String(props.operation ?? '');
  const type = String(props.type ?? '');
  const name = String(props.name ?? '');
  if (operation !== 'READ')
    return {
      status: 501,
      condition: 'amqp:not-implemented',
      description: `operation ${operation} is not supported`,
    };
  const token = props.security_token;
  if (typeof token === 'string' && token) {
    const result = validateSas(token, options.keys);
    if (isRefusal(result))
      return { status: 401, condition: 'amqp:unauthorized-access', description: result.description };
    if (!covers(result.resourcePath, resourcePathOf(`/${name}`)))
      return {
        status: 401,
        condition: 'amqp:unauthorized-access',
        description: `InvalidAudience: not valid for ${name}`,
      };
  } else if (!grants.allows(name)) {
    return {
      status: 401,
      condition: 'amqp:unauthorized-access',
      description: `Unauthorized: no token for ${name}`,
    };
  }
  const hub = namespace.hub(name);
  if (!hub)
    return {
      status: 404,
      condition: 'amqp:not-found',
      description: notFound(options.namespace, name).description,
    };
  if (type === 'com.microsoft:eventhub') {
    return {
      status: 200,
      description: 'OK',
      body: {
        name: hub.name,
        type,
        created_at: hub.createdAt,
        partition_count: hub.partitions.length,
        partition_ids: hub.partitionIds,
      },
    };
  }
  if (type === 'com.microsoft:partition') {
    const id = String(props.partition ?? '');
    const p = hub.partition(id);
    if (!p)
      return {
        status: 400,
        condition: 'com.microsoft:argument-out-of-range',
        description: `The specified partition '${id}' is invalid for ${hub.name}; valid ids are 0-${hub.partitions.length - 1}.`,
      };
    return {
      status: 200,
      description: 'OK',
      body: {
        name: hub.name,
        type,
        partition: p.id,
        begin_sequence_number: p.beginSequenceNumber,
        last_enqueued_sequence_number: p.lastSequenceNumber,
        last_enqueued_offset: String(p.lastOffset),
        last_enqueued_time_utc: new Date(p.lastEnqueuedTimeMs),
        is_partition_empty: p.isEmpty,
      },
    };
  }
  return { status: 400, condition: 'amqp:not-implemented', description: `unknown READ type ${type}` };
}
