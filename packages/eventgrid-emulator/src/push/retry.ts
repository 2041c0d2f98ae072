/**
 * What the service does with a webhook's answer, and when it tries again.
 *
 * - 2xx: delivered.
 * - 400, 413, and for webhooks 401 and 403: never retried; dead-lettered at once with
 *   `UndeliverableDueToHttp<Outcome>` (the service writes `UndeliverableDueToHttpBadRequest` for 400).
 * - Anything else (other statuses, timeouts, connection errors): retried after the schedule's
 *   delay for that attempt, until `maxDeliveryAttempts` or the event's time-to-live runs out.
 */
import http from 'node:http';

export type Outcome =
  | { readonly kind: 'delivered' }
  | { readonly kind: 'retry' | 'no-retry'; readonly outcome: string; readonly status?: number };

const NOT_RETRIED = new Set([400, 401, 403, 413]);

/** `NotFound`, `InternalServerError`, … (the HTTP reason phrase without spaces). */
export function outcomeName(status: number): string {
  return (http.STATUS_CODES[status] ?? `Http${status}`).replace(/[^A-Za-z0-9]/g, '');
}

export function classify(status: number): Outcome {
  if (status >= 200 && status < 300) return { kind: 'delivered' };
  return { kind: NOT_RETRIED.has(status) ? 'no-retry' : 'retry', outcome: outcomeName(status), status };
}

/** The delay before attempt `attempt + 1` after `attempt` failed attempts (1-based). */
export function retryDelay(schedule: readonly number[], attempt: number): number {
  return schedule[Math.min(attempt, schedule.length) - 1] ?? 0;
}
