/**
 * Link addresses the Event Hubs client uses: `<hub>` and `<hub>/Partitions/<p>` for senders,
 * `<hub>/ConsumerGroups/<cg>/Partitions/<p>` for receivers, plus the `$cbs` and `$management`
 * nodes. A full `amqp(s)://host/…` or `sb://host/…` URI is accepted too.
 */

export type Address =
  | { readonly kind: 'cbs' }
  | { readonly kind: 'management' }
  | { readonly kind: 'hub'; readonly hub: string; readonly partition?: string }
  | {
      readonly kind: 'partition-reader';
      readonly hub: string;
      readonly consumerGroup: string;
      readonly partition: string;
    }
  | { readonly kind: 'invalid'; readonly address: string };

export function parseAddress(raw: string | undefined): Address {
  let path = raw ?? '';
  const scheme = path.indexOf('://');
  if (scheme >= 0) {
    const slash = path.indexOf('/', scheme + 3);
    path = slash >= 0 ? path.slice(slash + 1) : '';
  }
  path = path.replace(/^\/+|\/+$/g, '');
  const parts = path.split('/');
  if (parts.length === 1 && parts[0] === '$cbs') return { kind: 'cbs' };
  if (parts.length >= 1 && parts[parts.length - 1] === '$management') return { kind: 'management' };
  if (parts.length === 1 && parts[0]) return { kind: 'hub', hub: parts[0] };
  if (parts.length === 3 && /^partitions$/i.test(parts[1]!) && parts[0] && parts[2])
    return { kind: 'hub', hub: parts[0], partition: parts[2] };
  if (
    parts.length === 5 &&
    /^consumergroups$/i.test(parts[1]!) &&
    /^partitions$/i.test(parts[3]!) &&
    parts[0] &&
    parts[2] &&
    parts[4]
  )
    return { kind: 'partition-reader', hub: parts[0], consumerGroup: parts[2], partition: parts[4] };
  return { kind: 'invalid', address: raw ?? '' };
}

/** The AMQP error for an entity that does not exist; the client maps it to MessagingEntityNotFoundError. */
export function notFound(namespace: string, entity: string): { condition: string; description: string } {
  return {
    condition: 'amqp:not-found',
    description: `The messaging entity 'sb://${namespace}/${entity}' could not be found.`,
  };
}
