/**
 * Shared access signature tokens: `SharedAccessSignature sr=<url-encoded resource>&sig=<url-encoded
 * base64 HMAC-SHA256>&se=<expiry, unix seconds>&skn=<key name>`, signed over `<sr as sent>\n<se>`
 * with the key's UTF-8 bytes (the scheme of Azure Service Bus and Event Hubs).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SasKey } from './config.js';

/** A token that passed validation. */
export interface ValidToken {
  /** Lower-cased path of the resource the token grants (e.g. `/orders/partitions/0`), no trailing `/`. */
  readonly resourcePath: string;
  /** Expiry as epoch milliseconds. */
  readonly expiresMs: number;
  readonly keyName: string;
}

/** Why a token was refused; `status` is the CBS status code to answer with. */
export interface TokenRefusal {
  readonly status: 401;
  readonly description: string;
}

/** The path part of an audience or resource URI, lower-cased, without a trailing slash. */
export function resourcePathOf(uri: string): string {
  let path = uri;
  const scheme = uri.indexOf('://');
  if (scheme >= 0) {
    const slash = uri.indexOf('/', scheme + 3);
    path = slash >= 0 ? uri.slice(slash) : '/';
  }
  if (!path.startsWith('/')) path = `/${path}`;
  return path.replace(/\/+$/, '').toLowerCase();
}

/** True when a grant for `granted` covers the entity at `wanted` (both from {@link resourcePathOf}). */
export function covers(granted: string, wanted: string): boolean {
  return granted === '' || wanted === granted || wanted.startsWith(`${granted}/`);
}

/**
 * Validates a SAS token against the configured keys at time `nowMs`.
 * Refuses: a malformed token, an unknown key name, a bad signature, an expired token.
 */
export function validateSas(
  token: string,
  keys: readonly SasKey[],
  nowMs = Date.now(),
): ValidToken | TokenRefusal {
  const prefix = 'SharedAccessSignature ';
  if (!token.startsWith(prefix))
    return { status: 401, description: 'InvalidToken: not a SharedAccessSignature.' };
  const fields = new Map<string, string>();
  for (const part of token.slice(prefix.length).split('&')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq), part.slice(eq + 1));
  }
  const sr = fields.get('sr');
  const sig = fields.get('sig');
  const se = fields.get('se');
  const skn = fields.get('skn');
  if (!sr || !sig || !se || !skn)
    return { status: 401, description: 'InvalidToken: sr, sig, se and skn are required.' };
  const keyName = safeDecode(skn);
  const key = keys.find((k) => k.name === keyName);
  if (!key) return { status: 401, description: `InvalidSignature: unknown key name '${keyName}'.` };
  const expected = createHmac('sha256', key.key).update(`${sr}\n${se}`).digest();
  const given = Buffer.from(safeDecode(sig), 'base64');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { status: 401, description: 'InvalidSignature: the token has an invalid signature.' };
  const expiresMs = Number(se) * 1000;
  if (!Number.isFinite(expiresMs) || expiresMs <= nowMs)
    return {
      status: 401,
      description: `ExpiredToken: the token expired at ${new Date(expiresMs || 0).toISOString()}.`,
    };
  return { resourcePath: resourcePathOf(safeDecode(sr)), expiresMs, keyName };
}

export function isRefusal(result: ValidToken | TokenRefusal): result is TokenRefusal {
  return 'status' in result;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
