/**
 * Claims-based security (`$cbs` node): `put-token` requests carrying a SAS token for an audience.
 *
 * Contract: the token's signature is checked against the configured keys, its expiry against
 * the clock, its resource against the audience, and the audience's hub and consumer group must
 * exist (or be created on first use). Success answers 202 and grants the connection access to
 * the token's resource until it expires; otherwise 401 (authorization) or 404 (entity not found).
 * Replies correlate with the request's `message_id`.
 */
import type { Message } from 'rhea';
import { notFound } from './address.js';
import type { Namespace } from './namespace.js';
import { covers, isRefusal, resourcePathOf, validateSas, type ValidToken } from './sas.js';
import type { ResolvedOptions } from './config.js';

/** What one connection has been authorized for. */
export class ConnectionGrants {
  private readonly grants: ValidToken[] = [];

  /** Records a grant; a newer token for the same resource replaces the older one. */
  add(token: ValidToken): void {
    const i = this.grants.findIndex((g) => g.resourcePath === token.resourcePath);
    if (i >= 0) this.grants[i] = token;
    else this.grants.push(token);
  }

  /** True when an unexpired token covers the entity at `entityPath` (e.g. `orders/partitions/0`). */
  allows(entityPath: string, nowMs = Date.now()): boolean {
    const wanted = resourcePathOf(`/${entityPath}`);
    return this.grants.some((g) => g.expiresMs > nowMs && covers(g.resourcePath, wanted));
  }
}

/** A reply to a request on `$cbs` or `$management`. */
export interface Reply {
  readonly status: number;
  readonly description: string;
  readonly condition?: string;
  readonly body?: unknown;
}

/** Builds the AMQP reply message for `request`. */
export function replyMessage(request: Message, reply: Reply): Message {
  const props: Record<string, unknown> = {
    'status-code': reply.status,
    'status-description': reply.description,
  };
  if (reply.condition) props['error-condition'] = reply.condition;
  return {
    correlation_id: request.message_id,
    to: request.reply_to,
    application_properties: props,
    body: reply.body,
  } as Message;
}

/** Checks that the hub (and consumer group) an audience names exist; creates them on first use. */
export function checkAudienceEntity(
  namespace: Namespace,
  options: ResolvedOptions,
  audience: string,
): Reply | undefined {
  const segments = resourcePathOf(audience)
    .split('/')
    .filter(Boolean)
    .map((s) => decodeURIComponent(s));
  // original casing for names created on first use
  const original = (() => {
    const scheme = audience.indexOf('://');
    const path = scheme >= 0 ? audience.slice(audience.indexOf('/', scheme + 3) + 1) : audience;
    return path.split('/').filter(Boolean);
  })();
  if (segments.length === 0 || segments[0] === '$management' || segments[0] === '$cbs') return undefined;
  const hub = namespace.hub(original[0] ?? segments[0]!);
  if (!hub)
    return {
      status: 404,
      condition: 'amqp:not-found',
      description: notFound(options.namespace, segments[0]!).description,
    };
  if (segments[1] === 'consumergroups' && segments[2]) {
    const cgName = original[2] ?? segments[2];
    if (!namespace.consumerGroup(hub, cgName))
      return {
        status: 404,
        condition: 'amqp:not-found',
        description: notFound(options.namespace, `${hub.name}/ConsumerGroups/${cgName}`).description,
      };
  }
  return undefined;
}

/** Handles one `put-token` request; records the grant on success. */
export function handlePutToken(
  request: Message,
  grants: ConnectionGrants,
  namespace: Namespace,
  options: ResolvedOptions,
): Reply {
  const props = (request.application_properties ?? {}) as Record<string, unknown>;
  if (props.operation !== 'put-token')
    return {
      status: 400,
      condition: 'amqp:not-implemented',
      description: `unsupported operation ${String(props.operation)}`,
    };
  const audience = String(props.name ?? '');
  if (props.type !== 'servicebus.windows.net:sastoken')
    return {
      status: 401,
      condition: 'amqp:unauthorized-access',
      description: `InvalidToken: token type ${String(props.type)} is not supported by the emulator (use a SAS key).`,
    };
  const token =
    typeof request.body === 'string'
      ? request.body
      : Buffer.isBuffer(request.body)
        ? request.body.toString()
        : '';
  const result = validateSas(token, options.keys);
  if (isRefusal(result))
    return { status: 401, condition: 'amqp:unauthorized-access', description: result.description };
  if (!covers(result.resourcePath, resourcePathOf(audience)))
    return {
      status: 401,
      condition: 'amqp:unauthorized-access',
      description: `InvalidAudience: the token's resource does not cover ${audience}.`,
    };
  const missing = checkAudienceEntity(namespace, options, audience);
  if (missing) return missing;
  grants.add(result);
  return { status: 202, description: 'Accepted' };
}
