import { createEvent } from '../event/create-event.js';
import type { Event } from '../event/types.js';
import { redactSecrets } from '../errors/redact.js';

/** Extension attribute carrying why an event was dead-lettered. */
export const DEAD_LETTER_REASON = 'deadletterreason';
/** Extension attribute carrying how many delivery attempts were made. */
export const DEAD_LETTER_ATTEMPTS = 'deadletterattempts';

const MAX_REASON = 1024;

/**
 * The event to write to a dead-letter destination: every original attribute
 * (same id, source, type, data, key, extensions) plus the reason (redacted,
 * at most 1 KiB) and the attempt count as extension attributes.
 */
export function withDeadLetterInfo(event: Event, reason: string, attempts: number): Event {
  const text = redactSecrets(reason).slice(0, MAX_REASON);
  return createEvent({
    ...event,
    extensions: { ...event.extensions, [DEAD_LETTER_REASON]: text, [DEAD_LETTER_ATTEMPTS]: attempts },
  });
}
