/**
 * CloudEvents 1.0 structured JSON as the service accepts it. Events are kept exactly as sent
 * (extension attributes included): validation never rewrites an event.
 */
import { badRequest } from './errors.js';

/** A CloudEvent in JSON form, every attribute kept. */
export type CloudEventJson = Record<string, unknown> & {
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly specversion: string;
};

const EXTENSION_NAME = /^[a-z0-9]+$/;

/**
 * Checks one structured CloudEvent: an object with non-empty string `id`, `source`, `type`,
 * `specversion` "1.0", not both `data` and `data_base64`, attribute names lower-case letters and
 * digits. Throws 400 `BadRequest` naming the event's position and the problem.
 */
export function validateCloudEvent(value: unknown, index: number): CloudEventJson {
  const where = `Event at index ${index}`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badRequest(`${where} is not a JSON object.`);
  }
  const event = value as Record<string, unknown>;
  for (const name of ['id', 'source', 'type', 'specversion']) {
    const attribute = event[name];
    if (typeof attribute !== 'string' || attribute.length === 0) {
      throw badRequest(
        `${where}: required CloudEvents attribute '${name}' is missing or not a non-empty string.`,
      );
    }
  }
  if (event.specversion !== '1.0') {
    throw badRequest(`${where}: specversion '${String(event.specversion)}' is not supported; use '1.0'.`);
  }
  if (event.data !== undefined && event.data_base64 !== undefined) {
    throw badRequest(`${where}: 'data' and 'data_base64' cannot both be present.`);
  }
  for (const name of Object.keys(event)) {
    if (name !== 'data_base64' && !EXTENSION_NAME.test(name)) {
      throw badRequest(`${where}: attribute name '${name}' must consist of lower-case letters and digits.`);
    }
  }
  return event as CloudEventJson;
}
