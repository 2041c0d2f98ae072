import { randomBytes } from 'node:crypto';

/** The CloudEvents distributed-tracing extension attribute carrying W3C trace context. */
export const TRACEPARENT = 'traceparent';
export const TRACESTATE = 'tracestate';

const PATTERN = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** Whether `value` is a valid W3C traceparent (version 00, non-zero ids). */
export function isValidTraceparent(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = PATTERN.exec(value);
  return m !== null && !/^0+$/.test(m[1]!) && !/^0+$/.test(m[2]!);
}

/** A fresh sampled traceparent (new trace id and span id). */
export function newTraceparent(): string {
  return `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
}

/** A traceparent in the same trace as `parent` with a new span id. */
export function childTraceparent(parent: string): string {
  const m = PATTERN.exec(parent);
  if (m === null) return newTraceparent();
  return `00-${m[1]}-${randomBytes(8).toString('hex')}-${m[3]}`;
}
