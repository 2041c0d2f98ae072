/**
 * Basic topic ingestion: which of the three input schemas a request is in, and the checks the
 * service makes on each. Events are kept as sent; for the Event Grid schema the service's own
 * fields are added (`topic`, the topic's resource id, and `metadataVersion` "1").
 */
import { validateCloudEvent } from '../cloudevents.js';
import type { InputSchema } from '../config.js';
import { badRequest, HttpError } from '../errors.js';

const EVENT_GRID_REQUIRED = ['id', 'subject', 'eventType', 'eventTime', 'dataVersion'] as const;

/** True when `value` carries every Event Grid schema field (used to infer a new topic's schema). */
function looksLikeEventGridEvent(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const event = value as Record<string, unknown>;
  return EVENT_GRID_REQUIRED.every((name) => typeof event[name] === 'string');
}

/** The schema a request to a topic created on first use is taken to be in. */
export function inferSchema(contentType: string, body: unknown): InputSchema {
  if (contentType.startsWith('application/cloudevents')) return 'CloudEventSchemaV1_0';
  const events = Array.isArray(body) ? body : [body];
  return events.length > 0 && events.every(looksLikeEventGridEvent) ? 'EventGridSchema' : 'CustomEventSchema';
}

function validateEventGridEvent(value: unknown, index: number, topicId: string): Record<string, unknown> {
  const path = `Path '[${index}]'`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HttpError(400, 'BadRequest', 'Please provide valid request body.', [
      { code: 'InputJsonInvalid', message: `Expected a JSON object. ${path}.` },
    ]);
  }
  const event = value as Record<string, unknown>;
  for (const name of EVENT_GRID_REQUIRED) {
    if (typeof event[name] !== 'string' || (name !== 'subject' && event[name] === '')) {
      throw new HttpError(400, 'BadRequest', 'Please provide valid request body.', [
        { code: 'InputJsonInvalid', message: `Required property '${name}' not found in JSON. ${path}.` },
      ]);
    }
  }
  if (Number.isNaN(Date.parse(event.eventTime as string))) {
    throw new HttpError(400, 'BadRequest', 'Please provide valid request body.', [
      {
        code: 'InputJsonInvalid',
        message: `Could not convert string to DateTime: ${String(event.eventTime)}. ${path}.eventTime.`,
      },
    ]);
  }
  if (event.topic !== undefined && event.topic !== topicId) {
    throw badRequest(
      `The topic '${String(event.topic)}' of the event at index ${index} does not match ${topicId}.`,
    );
  }
  return { ...event, topic: topicId, metadataVersion: '1' };
}

/**
 * Parses a request body in `schema` into events (as sent, plus the service's fields). Throws 400
 * `BadRequest` when the body does not fit the schema, naming the first problem.
 */
export function parseEvents(
  schema: InputSchema,
  contentType: string,
  body: unknown,
  topicId: string,
): Record<string, unknown>[] {
  const isCloudEvents = contentType.startsWith('application/cloudevents');
  if (schema === 'CloudEventSchemaV1_0') {
    if (!isCloudEvents) {
      throw badRequest(
        `This topic accepts the CloudEvents schema: use content type application/cloudevents-batch+json, got '${contentType}'.`,
      );
    }
    const list = contentType.startsWith('application/cloudevents-batch+json') ? body : [body];
    if (!Array.isArray(list)) throw badRequest('A CloudEvents batch must be a JSON array.');
    return list.map((e, i) => validateCloudEvent(e, i));
  }
  if (isCloudEvents) {
    throw badRequest(
      `This topic accepts the ${schema === 'EventGridSchema' ? 'Event Grid' : 'custom'} schema, not CloudEvents (content type '${contentType}').`,
    );
  }
  const list = Array.isArray(body) ? body : [body];
  if (schema === 'EventGridSchema') {
    if (!Array.isArray(body)) throw badRequest('Event Grid schema events must be sent as a JSON array.');
    return list.map((e, i) => validateEventGridEvent(e, i, topicId));
  }
  return list.map((e, i) => {
    if (typeof e !== 'object' || e === null || Array.isArray(e))
      throw badRequest(`Custom event at index ${i} is not a JSON object.`);
    return e as Record<string, unknown>;
  });
}
