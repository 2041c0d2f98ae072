/**
 * Errors as the service writes them: an HTTP status and a JSON body
 * `{"error":{"code","message","details"?,"timestamp","trackingId"}}`.
 */
import { randomUUID } from 'node:crypto';

/** One entry of an error body's `details`. */
export interface ErrorDetail {
  readonly code: string;
  readonly message: string;
}

/** Thrown by handlers; the server turns it into the status and body below. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: readonly ErrorDetail[],
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** The service's error body, with a fresh tracking id (echoed in the message as the service does). */
export function errorBody(code: string, message: string, details?: readonly ErrorDetail[]) {
  const trackingId = randomUUID();
  return {
    error: {
      code,
      message: `${message} Report '${trackingId}:${new Date().toISOString()}' to our forums for assistance or raise a support ticket.`,
      ...(details ? { details } : {}),
      timestamp: new Date().toISOString(),
      trackingId,
    },
  };
}

export const badRequest = (message: string, details?: readonly ErrorDetail[]) =>
  new HttpError(400, 'BadRequest', message, details);
export const unauthorized = (message: string) => new HttpError(401, 'Unauthorized', message);
export const notFound = (message: string) => new HttpError(404, 'NotFound', message);
export const tooLarge = (message: string) => new HttpError(413, 'RequestEntityTooLarge', message);
