import { verify as verifySignature } from 'node:crypto';
import type { Logger, PushAuthenticator, PushRequest } from '@eventport/core/driver';
import { JwksCache } from './jwks-cache.js';

/**
 * The app role Event Grid's service principal must hold on the webhook's Microsoft Entra app
 * (Microsoft's setup for Entra-protected webhooks creates it under exactly this name); an app
 * token for that service principal carries it in its `roles` claim.
 */
export const EVENTGRID_WEBHOOK_ROLE = 'AzureEventGridSecureWebhookSubscriber';

/** Microsoft Entra ID's public-cloud authority. */
const AUTHORITY = 'https://login.microsoftonline.com';

/** What a push's Entra token is checked against. */
export interface EntraPushAuthOptions {
  /** The webhook app's tenant id (a GUID): the token's `tid` and the issuers derive from it. */
  readonly tenant: string;
  /** Accepted `aud` values: the webhook app's Application ID URI and/or client id. */
  readonly audience: readonly string[];
  /** The JSON Web Key Set; default `https://login.microsoftonline.com/{tenant}/discovery/v2.0/keys`. */
  readonly jwksUrl?: string;
  /**
   * The one accepted `iss` (sovereign clouds); default the public cloud's v2 issuer
   * `https://login.microsoftonline.com/{tenant}/v2.0` and v1 issuer `https://sts.windows.net/{tenant}/`.
   */
  readonly issuer?: string;
  /** When set, the token's `azp` (v2) or `appid` (v1) must be this client id (Event Grid's app). */
  readonly appId?: string;
  /** Allowed clock difference for `exp`/`nbf`, in seconds (default 300, as Microsoft's libraries). */
  readonly clockSkewSeconds?: number;
  /** Fewest seconds between two key fetches (default 60). */
  readonly minRefreshSeconds?: number;
  /** The clock, in epoch milliseconds (tests inject one). */
  readonly now?: () => number;
}

interface Claims {
  readonly [claim: string]: unknown;
}

/**
 * Verifies the `Authorization: Bearer <JWT>` that Event Grid sends on every push (handshakes
 * included) to a webhook whose event subscription has Microsoft Entra authentication: an access
 * token Entra issued to Event Grid's service principal for the webhook's app. Checked, in order:
 * the header form; `alg` is RS256 (nothing else: no `none`, no HMAC, so a public key can never
 * be used as an HMAC secret); the signature against the tenant's published keys (see
 * {@link JwksCache}); `iss`, `tid`, `aud`; `exp` (required) and `nbf` with the clock skew; the
 * {@link EVENTGRID_WEBHOOK_ROLE} in `roles` (without it any app of the tenant could get a token
 * for the webhook's audience); `azp`/`appid` when `appId` is given.
 *
 * Stateless per request apart from the key cache; safe to call concurrently. Reasons name the
 * failed check only: a token (or any part of it) is never put in a reason, log or error.
 */
export class EntraTokenVerifier {
  readonly jwksUrl: string;
  private readonly keys: JwksCache;
  private readonly issuers: readonly string[];
  private readonly now: () => number;
  private readonly skew: number;

  constructor(private readonly options: EntraPushAuthOptions) {
    const { tenant } = options;
    this.now = options.now ?? Date.now;
    this.skew = options.clockSkewSeconds ?? 300;
    this.jwksUrl = options.jwksUrl ?? `${AUTHORITY}/${tenant}/discovery/v2.0/keys`;
    this.issuers =
      options.issuer !== undefined
        ? [options.issuer]
        : [`${AUTHORITY}/${tenant}/v2.0`, `https://sts.windows.net/${tenant}/`];
    this.keys = new JwksCache(this.jwksUrl, {
      minRefreshMs: (options.minRefreshSeconds ?? 60) * 1000,
      maxAgeMs: 24 * 3600_000,
      timeoutMs: 10_000,
      now: this.now,
    });
  }

  /**
   * Checks an `Authorization` header value: undefined when the token is good, else why not.
   * @throws BrokerUnavailableError when no signing key could be fetched yet (not the sender's fault).
   */
  async check(authorization: string | undefined): Promise<string | undefined> {
    const match = /^Bearer +([^.\s]+)\.([^.\s]+)\.([^.\s]*)$/i.exec(authorization?.trim() ?? '');
    if (match === null)
      return authorization === undefined || !/^Bearer /i.test(authorization)
        ? 'no bearer token'
        : 'malformed token';
    const [, head, body, signature] = match as unknown as [string, string, string, string];
    const header = decodeJson(head);
    const claims = decodeJson(body);
    if (header === undefined || claims === undefined) return 'malformed token';
    if (header.alg !== 'RS256') return 'token algorithm is not RS256';
    if (typeof header.kid !== 'string') return 'token names no signing key (kid)';
    const key = await this.keys.key(header.kid);
    if (key === undefined) return 'unknown signing key (kid not in the tenant key set)';
    const signed = Buffer.from(`${head}.${body}`, 'ascii');
    if (!verifySignature('RSA-SHA256', signed, key, Buffer.from(signature, 'base64url')))
      return 'bad signature';
    return this.checkClaims(claims);
  }

  private checkClaims(claims: Claims): string | undefined {
    const { tenant, audience, appId } = this.options;
    if (typeof claims.iss !== 'string' || !this.issuers.includes(claims.iss)) return 'wrong issuer';
    if (claims.tid !== tenant) return 'wrong tenant (tid)';
    const aud: unknown[] = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!aud.some((a) => typeof a === 'string' && audience.includes(a))) return 'wrong audience';
    const now = this.now() / 1000;
    if (typeof claims.exp !== 'number') return 'token has no expiry (exp)';
    if (now > claims.exp + this.skew) return 'token expired';
    if (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || now < claims.nbf - this.skew))
      return 'token not yet valid (nbf)';
    if (!Array.isArray(claims.roles) || !claims.roles.includes(EVENTGRID_WEBHOOK_ROLE))
      return `token lacks the ${EVENTGRID_WEBHOOK_ROLE} role`;
    if (appId !== undefined && (claims.azp ?? claims.appid) !== appId)
      return 'token is for another application (azp/appid)';
    return undefined;
  }
}

/**
 * A push authenticator (core's PushAuthenticator contract: false → the endpoint answers 401, no
 * handler runs) from an {@link EntraTokenVerifier}. A refusal is logged (warn) with its reason
 * and the path, never the token. Key-fetch failures propagate (the endpoint answers 500).
 */
export function entraPushAuthenticator(options: EntraPushAuthOptions, logger: Logger): PushAuthenticator {
  const verifier = new EntraTokenVerifier(options);
  return async (request: PushRequest) => {
    const header = request.headers.authorization;
    const reason = await verifier.check(Array.isArray(header) ? header[0] : header);
    if (reason === undefined) return true;
    logger.warn('eventgrid: refused a push: Microsoft Entra token check failed', {
      reason,
      path: request.url.pathname,
    });
    return false;
  };
}

function decodeJson(part: string): Claims | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Claims)
      : undefined;
  } catch {
    return undefined;
  }
}
