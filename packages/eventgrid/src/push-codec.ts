import type { Event } from '@eventport/core/driver';
import {
  createEvent,
  InvalidEventError,
  PushRequestError,
  undecodable,
  type PushAnswer,
  type PushCodec,
  type PushedEvent,
  type PushOutcome,
  type PushRequest,
  type PushVerdict,
} from '@eventport/core/driver';
import { decodeEvent } from './wire.js';

/** The Event Grid schema's validation event type (the first POST to a new webhook). */
export const VALIDATION_EVENT_TYPE = 'Microsoft.EventGrid.SubscriptionValidationEvent';

/**
 * Event Grid's webhook protocol for core's push endpoint:
 *
 * - Handshakes: the CloudEvents abuse-protection OPTIONS (`WebHook-Request-Origin` → 200 with
 *   `WebHook-Allowed-Origin` echoing it, `WebHook-Allowed-Rate: *`) and the Event Grid schema
 *   `SubscriptionValidationEvent` POST (`aeg-event-type: SubscriptionValidation` → 200
 *   `{"validationResponse": data.validationCode}`).
 * - Deliveries: a JSON array (Event Grid schema, CloudEvents batch) or one CloudEvents object
 *   (`application/cloudevents+json`); each item is CloudEvents 1.0 when it has `specversion`,
 *   else Event Grid schema (mapped: id, `topic` → source, `eventType` → type, subject,
 *   `eventTime` → time, data as JSON, `dataVersion`/`metadataVersion` → the `dataversion`/
 *   `metadataversion` extensions). `aeg-delivery-count` (0 on the first attempt) + 1 is the attempt.
 * - Answers: ack → 200; retry → 503 (retried on the service's schedule, which ignores the
 *   requested delay); dead-letter → 400, which the service does not retry: it dead-letters the
 *   request's events at once (`UndeliverableDueToHttpBadRequest`) or drops them when the
 *   subscription has no dead-letter destination. The 400 body names each event's reason; the
 *   service does not keep it. A batch is answered as a whole (see verdictOf): with output
 *   batching (`maxEventsPerBatch` > 1) one nack makes the whole batch come again.
 */
export const eventGridPushCodec: PushCodec = {
  handshake(request: PushRequest): PushAnswer | undefined {
    if (request.method === 'OPTIONS') {
      const origin = header(request, 'webhook-request-origin');
      if (origin === undefined) return { status: 400, body: 'OPTIONS without WebHook-Request-Origin' };
      return {
        status: 200,
        headers: { 'WebHook-Allowed-Origin': origin, 'WebHook-Allowed-Rate': '*', Allow: 'POST, OPTIONS' },
      };
    }
    if (header(request, 'aeg-event-type')?.toLowerCase() !== 'subscriptionvalidation') return undefined;
    const items = parseBody(request);
    const validation = items.find(
      (i): i is { data: { validationCode: unknown } } =>
        isObject(i) && i.eventType === VALIDATION_EVENT_TYPE && isObject(i.data),
    );
    const code = validation?.data.validationCode;
    if (typeof code !== 'string')
      throw new PushRequestError(400, 'no validationCode in the validation event');
    return json(200, { validationResponse: code });
  },

  decode(request: PushRequest): PushedEvent[] {
    const attempt = Number(header(request, 'aeg-delivery-count') ?? '0');
    const deliveryCount = Number.isInteger(attempt) && attempt >= 0 ? attempt + 1 : 1;
    const subscription = header(request, 'aeg-subscription-name') ?? 'push';
    const items = parseBody(request);
    if (items.length === 0) throw new PushRequestError(400, 'an empty batch');
    return items.map((item, index) => ({
      ...decodeItem(item, subscription, index),
      deliveryCount,
    }));
  },

  answer(verdict: PushVerdict, outcomes: readonly PushOutcome[]): PushAnswer {
    if (verdict === 'ack') return { status: 200 };
    if (verdict === 'retry') return { status: 503, headers: { 'Retry-After': '10' } };
    const reasons = outcomes.map((o) => (o.kind === 'dead-letter' ? o.reason : null));
    return json(400, { error: { code: 'DeadLettered', message: 'dead-lettered by the handler', reasons } });
  },
};

function decodeItem(item: unknown, subscription: string, index: number): Omit<PushedEvent, 'deliveryCount'> {
  if (isObject(item) && 'specversion' in item) {
    const decoded = decodeEvent(item, { topic: 'push', subscription, lockToken: String(index) });
    return decoded.undecodable !== undefined
      ? { event: decoded.event, undecodable: decoded.undecodable }
      : { event: decoded.event };
  }
  try {
    return { event: fromEventGridSchema(item) };
  } catch (err) {
    const id = isObject(item) && typeof item.id === 'string' ? item.id : `${subscription}:${index}`;
    const wrapped = undecodable(
      {
        body: new TextEncoder().encode(JSON.stringify(item) ?? ''),
        id,
        source: `/eventgrid/push/${subscription}`,
      },
      err,
    );
    return { event: wrapped.event, undecodable: wrapped.undecodable ?? String(err) };
  }
}

/** An Event Grid schema event as an EventPort event. @throws InvalidEventError when it lacks a field. */
export function fromEventGridSchema(item: unknown): Event {
  if (!isObject(item))
    throw new InvalidEventError('event', 'an Event Grid schema event must be a JSON object');
  for (const field of ['id', 'eventType'] as const) {
    if (typeof item[field] !== 'string' || item[field] === '')
      throw new InvalidEventError(field, 'is required in an Event Grid schema event');
  }
  const extensions: Record<string, string> = {};
  if (typeof item.dataVersion === 'string' && item.dataVersion !== '')
    extensions.dataversion = item.dataVersion;
  if (typeof item.metadataVersion === 'string') extensions.metadataversion = item.metadataVersion;
  return createEvent({
    id: item.id as string,
    source: typeof item.topic === 'string' && item.topic !== '' ? item.topic : '/eventgrid',
    type: item.eventType as string,
    subject: typeof item.subject === 'string' && item.subject !== '' ? item.subject : undefined,
    time: typeof item.eventTime === 'string' ? item.eventTime : undefined,
    data: item.data,
    datacontenttype: 'application/json',
    extensions,
  });
}

function parseBody(request: PushRequest): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(request.body.toString('utf8'));
  } catch {
    throw new PushRequestError(400, 'the body is not JSON');
  }
  return Array.isArray(parsed) ? parsed : [parsed];
}

function header(request: PushRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function json(status: number, body: unknown): PushAnswer {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}
