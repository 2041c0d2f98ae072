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
  'private_key',
  'privatekey',
  'connectionstring',
];

/**
 * Option and field names whose values are secrets wherever they appear in an object
 * (`pushSecret`, `clientSecret`, `apiToken`, …), compared without case, `-` and `_`.
 */
const SECRET_NAME_PARTS = [
  'password',
  'passwd',
  'secret',
  'token',
  'apikey',
  'accesskey',
  'accountkey',
  'privatekey',
  'connectionstring',
  'signature',
  'credential',
  'authorization',
];
/** Whole names that are secrets (Event Grid's and Azure's `key`, `sig`, `pwd`). */
const SECRET_NAMES = new Set(['key', 'sig', 'pwd', 'saslpassword']);

function isSecretName(name: string): boolean {
  const n = name.toLowerCase().replace(/[-_]/g, '');
  if (SECRET_NAMES.has(n)) return true;
  for (const part of SECRET_NAME_PARTS) if (n.includes(part)) return !n.endsWith('name');
  return false;
}

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
 * Returns a copy of an options object with secret-looking fields masked, for printing
 * configuration and log fields: a field whose name says secret (`password`, `key`,
 * `pushSecret`, `credentials`, `connectionString`, …) is masked whole, whatever its value;
 * other strings are redacted; nested objects are handled recursively. An Error stays an
 * Error (name and `code` kept) with its message and stack redacted.
 */
export function redactObject<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return redactError(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => redactObject(v)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (isSecretName(k) || SECRET_KEYS.includes(k.toLowerCase())) {
      out[k] = REDACTED;
    } else if (typeof v === 'string') {
      out[k] = redactSecrets(v);
    } else {
      out[k] = redactObject(v);
    }
  }
  return out as T;
}

/** A copy of `err` whose message and stack carry no secret (name and a string `code` kept). */
function redactError(err: Error): Error {
  const message = redactSecrets(err.message);
  const stack = err.stack === undefined ? undefined : redactSecrets(err.stack);
  if (message === err.message && stack === err.stack) return err;
  const copy = new Error(message);
  copy.name = err.name;
  copy.stack = stack;
  const code = (err as Error & { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') Object.assign(copy, { code });
  return copy;
}
