/**
 * Authentication as the service does it for access keys and SAS tokens.
 *
 * - Basic topics: header `aeg-sas-key: <key>` or `aeg-sas-token: r=…&e=…&s=…`.
 * - Namespace topics: `Authorization: SharedAccessKey <key>` or
 *   `Authorization: SharedAccessSignature r=…&e=…&s=…` (the `aeg-sas-*` headers are accepted too).
 *
 * A SAS token is `r=<url-encoded resource>&e=<url-encoded expiry "M/d/yyyy h:mm:ss AM|PM" UTC>&s=<url-encoded
 * base64 HMAC-SHA256>` where the HMAC key is the base64-decoded access key and the signed string is
 * everything before `&s=`. The emulator checks the signature and the expiry, not the resource URL.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { unauthorized } from './errors.js';

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Parses the service's SAS time format "M/d/yyyy h:mm:ss AM" (UTC); undefined when malformed. */
export function parseServiceTime(text: string): Date | undefined {
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{1,2}):(\d{2}):(\d{2}) (AM|PM)$/.exec(text.trim());
  if (!m) return undefined;
  const [, month, day, year, hour, minute, second, half] = m;
  const h12 = Number(hour) % 12;
  const hours = half === 'PM' ? h12 + 12 : h12;
  return new Date(
    Date.UTC(Number(year), Number(month) - 1, Number(day), hours, Number(minute), Number(second)),
  );
}

/** Checks a SAS token against `key`; returns true or why it is refused. */
export function verifySasToken(token: string, key: string, now = new Date()): true | string {
  const at = token.lastIndexOf('&s=');
  if (at < 0) return 'The SAS token is malformed: no signature (s=).';
  const unsigned = token.slice(0, at);
  const signature = decodeURIComponent(token.slice(at + 3));
  const fields = new URLSearchParams(unsigned);
  const expiry = fields.get('e');
  if (!fields.get('r') || !expiry) return 'The SAS token is malformed: r= and e= are required.';
  const expiresOn = parseServiceTime(expiry);
  if (!expiresOn) return `The SAS token's expiry '${expiry}' is malformed.`;
  if (expiresOn.getTime() <= now.getTime()) return `The SAS token expired at ${expiresOn.toISOString()}.`;
  const expected = createHmac('sha256', Buffer.from(key, 'base64')).update(unsigned).digest('base64');
  return sameSecret(signature, expected)
    ? true
    : 'The SAS token signature does not match the expected signature.';
}

/** The credential a request carries, whichever header it came in. */
type Credential = { kind: 'key'; value: string } | { kind: 'sas'; value: string } | undefined;

function credentialOf(headers: IncomingHttpHeaders, allowAuthorization: boolean): Credential {
  const key = headers['aeg-sas-key'];
  if (typeof key === 'string') return { kind: 'key', value: key };
  const token = headers['aeg-sas-token'];
  if (typeof token === 'string') return { kind: 'sas', value: token };
  const authorization = allowAuthorization ? headers.authorization : undefined;
  if (typeof authorization === 'string') {
    const m = /^(SharedAccessKey|SharedAccessSignature)\s+(.+)$/i.exec(authorization.trim());
    if (m?.[1]?.toLowerCase() === 'sharedaccesskey') return { kind: 'key', value: m[2] ?? '' };
    if (m) return { kind: 'sas', value: m[2] ?? '' };
  }
  return undefined;
}

/**
 * Throws a 401 {@link HttpError} (code `Unauthorized`) unless the request carries `key` or a valid
 * SAS token signed with it. `resource` names the topic in the message, as the service does.
 */
export function authenticate(
  headers: IncomingHttpHeaders,
  key: string,
  resource: string,
  options: { allowAuthorizationHeader: boolean },
): void {
  const credential = credentialOf(headers, options.allowAuthorizationHeader);
  const refuse = (reason: string) => {
    throw unauthorized(
      `The request authorization key is not authorized for ${resource}. This is due to the reason: ${reason}`,
    );
  };
  if (!credential) {
    refuse(
      options.allowAuthorizationHeader
        ? 'The request is missing an Authorization header (SharedAccessKey or SharedAccessSignature).'
        : 'The request is missing an aeg-sas-key or aeg-sas-token header.',
    );
    return;
  }
  if (credential.kind === 'key') {
    if (!sameSecret(credential.value, key)) refuse('The specified key does not match the expected key.');
    return;
  }
  const verdict = verifySasToken(credential.value, key);
  if (verdict !== true) refuse(verdict);
}
