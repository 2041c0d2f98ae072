/**
 * Event subscription filters as the service applies them: `includedEventTypes` (exact match,
 * case-insensitive), `subjectBeginsWith`, `subjectEndsWith` (case-insensitive unless
 * `isSubjectCaseSensitive`). The type is `eventType` (Event Grid schema) or `type` (CloudEvents).
 * Absent filters match everything; an event without a subject fails a subject filter.
 */
import type { PushSubscriptionConfig } from '../config.js';

export function matchesFilter(
  filter: PushSubscriptionConfig['filter'],
  event: Record<string, unknown>,
): boolean {
  if (!filter) return true;
  const type = String(event.eventType ?? event.type ?? '');
  if (filter.includedEventTypes && filter.includedEventTypes.length > 0) {
    const wanted = filter.includedEventTypes.map((t) => t.toLowerCase());
    if (!wanted.includes(type.toLowerCase())) return false;
  }
  if (!filter.subjectBeginsWith && !filter.subjectEndsWith) return true;
  if (typeof event.subject !== 'string') return false;
  const fold = (s: string) => (filter.isSubjectCaseSensitive ? s : s.toLowerCase());
  const subject = fold(event.subject);
  if (filter.subjectBeginsWith && !subject.startsWith(fold(filter.subjectBeginsWith))) return false;
  if (filter.subjectEndsWith && !subject.endsWith(fold(filter.subjectEndsWith))) return false;
  return true;
}
