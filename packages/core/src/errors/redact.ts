/**
 * Secret redaction. Every message that can reach a log, an error or `toString()`
 * goes through {@link redactSecrets}. The rules are deliberately broad: a false
 * positive costs a little readability, a false negative leaks a credential.
 */

const REDACTED = '***';

/** Query/connection-string keys whose values are secrets (case-insensitive). */
const SECRET_KEYS = [
  'password',
  'passwd',
  'pwd',
  'secret',
  'token',
  'apikey',
  'api_key',
  'accesskey',
  'access_key',
  'secretaccesskey',
  'sessiontoken',
  'sharedaccesskey',
  'sharedaccesssignature',
  'accountkey',
  'signature',
  'sig',
  'sasl_password',
  'credentials',
  'authorization',
];

const keyPattern = SECRET_KEYS.join('|');
/** `key=value` pairs in query strings, connection strings and option dumps. */
const KEY_VALUE = new RegExp(`((?:${keyPattern})\\s*[=:]\\s*"?)([^;&\\s",}]+)`, 'gi');
/** JSON-ish `"password": "value"` pairs. */
const JSON_PAIR = new RegExp(`("(?:${keyPattern})"\\s*:\\s*")([^"]*)(")`, 'gi');
/** `scheme://user:password@host` userinfo. */
const USERINFO = /([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)([^@/\s]+)(@)/gi;
/**
 * Credentials carried as a bare `key` (or `code`) URL query parameter, as Event Grid (`?key=`) and
 * Azure Functions (`?code=`) URLs do. Only in a query string: an event's `key` elsewhere is data.
 */
const QUERY_KEY = /([?&](?:key|code)=)([^&#\s"']+)/gi;
/** `Bearer xyz` / `Basic xyz` authorization values. */
const AUTH_SCHEME = /\b(Bearer|Basic|SharedAccessSignature)\s+[A-Za-z0-9._~+/=%-]+/g;

/** Returns `text` with every recognisable secret replaced by `***`. Pure; idempotent. */
export function redactSecrets(text: string): string {
  // AUTH_SCHEME first: KEY_VALUE would otherwise take "Authorization: Bearer" as the
  // whole value and leave the token after the space in clear.
  return text
    .replace(AUTH_SCHEME, `$1 ${REDACTED}`)
    .replace(USERINFO, `$1${REDACTED}$3`)
    .replace(QUERY_KEY, `$1${REDACTED}`)
    .replace(JSON_PAIR, `$1${REDACTED}$3`)
    .replace(KEY_VALUE, `$1${REDACTED}`);
}

/**
 * Returns a shallow copy of an options object with secret-looking fields masked,
 * for printing configuration and log fields. Nested objects are masked recursively;
 * an Error becomes its redacted `name: message` (its own fields are not enumerable).
 */
export function redactObject<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v: unknown) => redactObject(v)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (SECRET_KEYS.includes(k.toLowerCase().replace(/[-_]/g, '')) || SECRET_KEYS.includes(k.toLowerCase())) {
      out[k] = REDACTED;
    } else if (typeof v === 'string') {
      out[k] = redactSecrets(v);
    } else if (v instanceof Error) {
      out[k] = redactSecrets(`${v.name}: ${v.message}`);
    } else {
      out[k] = redactObject(v);
    }
  }
  return out as T;
}
