import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { BrokerUnavailableError } from '@eventport/core/driver';

/** Timing of a {@link JwksCache}. */
export interface JwksCacheOptions {
  /** Fewest milliseconds between two fetches (an unknown `kid` refetches at most this often). */
  readonly minRefreshMs: number;
  /** Keys older than this are refetched before use (a failed refetch keeps the old ones). */
  readonly maxAgeMs: number;
  /** Timeout of one fetch, in milliseconds. */
  readonly timeoutMs: number;
  /** The clock, in epoch milliseconds (tests inject one). */
  readonly now: () => number;
}

/**
 * The RSA signing keys of a JSON Web Key Set (an OpenID Connect `jwks_uri`), by `kid`.
 *
 * Contract: keys are fetched on first use, then again when older than `maxAgeMs` or when a token
 * names a `kid` not held (key rotation) — but never more often than once per `minRefreshMs`, so
 * tokens with made-up kids cannot turn the endpoint into a fetch storm against the key server.
 * Concurrent callers share one fetch in flight. A failed fetch keeps the keys already held; with
 * none held it is a {@link BrokerUnavailableError} (a push endpoint answers 500 and the service
 * retries later). Only RSA keys meant for signatures (`use` absent or `sig`) are kept.
 */
export class JwksCache {
  private keys = new Map<string, KeyObject>();
  private fetchedAt = -Infinity;
  private attemptedAt = -Infinity;
  private inflight: Promise<void> | undefined;

  constructor(
    readonly url: string,
    private readonly options: JwksCacheOptions,
  ) {}

  /** The key published under `kid`, or undefined when the key set (even refetched) has none. */
  async key(kid: string): Promise<KeyObject | undefined> {
    const now = this.options.now();
    const wanted = now - this.fetchedAt >= this.options.maxAgeMs || !this.keys.has(kid);
    if (wanted && now - this.attemptedAt >= this.options.minRefreshMs) {
      try {
        await this.refresh();
      } catch (err) {
        if (this.keys.size === 0) throw err;
      }
    } else if (this.keys.size === 0) {
      throw new BrokerUnavailableError(
        `no signing keys from ${this.url} yet (last fetch failed; next try within ${this.options.minRefreshMs} ms)`,
      );
    }
    return this.keys.get(kid);
  }

  private refresh(): Promise<void> {
    this.inflight ??= this.load().finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  private async load(): Promise<void> {
    this.attemptedAt = this.options.now();
    let body: unknown;
    try {
      const res = await fetch(this.url, { signal: AbortSignal.timeout(this.options.timeoutMs) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      body = await res.json();
    } catch (err) {
      throw new BrokerUnavailableError(`could not fetch signing keys from ${this.url}`, { cause: err });
    }
    const list = (body as { keys?: unknown } | null)?.keys;
    if (!Array.isArray(list)) {
      throw new BrokerUnavailableError(`${this.url} is not a JSON Web Key Set (no "keys" array)`);
    }
    const keys = new Map<string, KeyObject>();
    for (const jwk of list as JsonWebKey[]) {
      if (jwk.kty !== 'RSA' || typeof jwk.kid !== 'string' || (jwk.use !== undefined && jwk.use !== 'sig'))
        continue;
      try {
        keys.set(jwk.kid, createPublicKey({ key: { kty: 'RSA', n: jwk.n, e: jwk.e }, format: 'jwk' }));
      } catch {
        // A malformed key is skipped: tokens naming it are refused as "unknown signing key".
      }
    }
    this.keys = keys;
    this.fetchedAt = this.options.now();
  }
}
