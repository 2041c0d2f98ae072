import { createHash, timingSafeEqual } from 'node:crypto';
import type { PushAuthenticator, PushRequest } from './types.js';

/**
 * An authenticator for the simplest sender check every push service supports: a secret in the
 * endpoint URL's query (`?{param}={secret}`), which the subscription's endpoint URL carries and
 * the service sends back on every request (handshakes included). Compared in constant time (of
 * SHA-256 digests, so the length does not leak either). The secret is never logged.
 */
export function sharedSecretAuthenticator(param: string, secret: string): PushAuthenticator {
  const expected = digest(secret);
  return (request: PushRequest) => {
    const given = request.url.searchParams.get(param);
    return given !== null && timingSafeEqual(digest(given), expected);
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
