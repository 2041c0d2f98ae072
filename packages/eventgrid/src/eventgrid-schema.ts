import type { Event } from '@eventport/core/driver';
import { InvalidEventError } from '@eventport/core/driver';

/**
 * An EventPort event in the Event Grid schema, for basic topics whose input schema is Event Grid
 * (`schema=eventgrid`): `type` → `eventType`, `time` → `eventTime` (now when absent), `subject`
 * (required by the schema; `""` when absent), `data` as JSON, `dataVersion` from the
 * `dataversion` extension (else `"1.0"`). The service sets `topic` itself; `source`,
 * `dataschema`, `datacontenttype`, the key and every other extension have no place in this
 * schema and are not sent. Reading it back (the push codec) gives `source` = the topic's resource
 * id. @throws InvalidEventError for binary data (the schema carries JSON only).
 */
export function toEventGridSchema(event: Event): Record<string, unknown> {
  if (event.data instanceof Uint8Array)
    throw new InvalidEventError('data', 'the Event Grid schema carries JSON data only, not bytes');
  const version = event.extensions.dataversion;
  return {
    id: event.id,
    subject: event.subject ?? '',
    eventType: event.type,
    eventTime: event.time ?? new Date().toISOString(),
    dataVersion: typeof version === 'string' ? version : '1.0',
    data: event.data ?? null,
  };
}
