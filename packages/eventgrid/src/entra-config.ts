import { ConfigError, redactSecrets } from '@eventport/core/driver';
import type { EntraPushAuthOptions } from './entra-push-auth.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/i;

/**
 * The `pushEntra*` options (or URL query parameters) as the Entra push check's options, or
 * undefined when none is given. No I/O. @throws ConfigError naming the bad option.
 */
export function parseEntraPushOptions(
  options: Readonly<Record<string, unknown>>,
): EntraPushAuthOptions | undefined {
  const tenant = text(options.pushEntraTenant, 'pushEntraTenant');
  const audience = audienceOf(options.pushEntraAudience);
  const jwksUrl = urlOption(options.pushEntraJwksUrl, 'pushEntraJwksUrl');
  const issuer = urlOption(options.pushEntraIssuer, 'pushEntraIssuer');
  const appId = text(options.pushEntraAppId, 'pushEntraAppId');
  const given = [audience, jwksUrl, issuer, appId].some((v) => v !== undefined);
  if (tenant === undefined) {
    if (given)
      throw new ConfigError(
        'pushEntraTenant',
        "the other pushEntra* options need pushEntraTenant, the webhook app's tenant id",
      );
    return undefined;
  }
  if (!GUID.test(tenant))
    throw new ConfigError(
      'pushEntraTenant',
      'must be the tenant id (a GUID such as 72f988bf-86f1-41af-91ab-2d7cd011db47), not a domain name: token issuers carry the id',
    );
  if (audience === undefined)
    throw new ConfigError(
      'pushEntraAudience',
      "needed with pushEntraTenant: the webhook app's Application ID URI and/or client id, as set in the event subscription",
    );
  if (appId !== undefined && !GUID.test(appId))
    throw new ConfigError('pushEntraAppId', 'must be an application (client) id, a GUID');
  if (
    jwksUrl !== undefined &&
    jwksUrl.protocol !== 'https:' &&
    !(jwksUrl.protocol === 'http:' && LOOPBACK.test(jwksUrl.hostname))
  )
    throw new ConfigError(
      'pushEntraJwksUrl',
      'must be https (plain http only to a key server on this machine: 127.0.0.1, localhost)',
    );
  if (issuer !== undefined && issuer.protocol !== 'https:')
    throw new ConfigError('pushEntraIssuer', 'must be an https URL (an Entra issuer)');
  return Object.freeze({
    tenant: tenant.toLowerCase(),
    audience,
    ...(jwksUrl === undefined ? {} : { jwksUrl: jwksUrl.href }),
    ...(issuer === undefined ? {} : { issuer: text(options.pushEntraIssuer, 'pushEntraIssuer') }),
    ...(appId === undefined ? {} : { appId: appId.toLowerCase() }),
  });
}

function text(value: unknown, name: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw new ConfigError(name, `must be a string, got ${typeof value}`);
  return value.trim();
}

function audienceOf(value: unknown): readonly string[] | undefined {
  if (value === undefined || value === '') return undefined;
  const list = Array.isArray(value)
    ? (value as unknown[])
    : typeof value === 'string'
      ? value.split(',')
      : undefined;
  if (list === undefined || list.some((a) => typeof a !== 'string'))
    throw new ConfigError(
      'pushEntraAudience',
      `must be a string (comma-separated) or an array of strings, got ${typeof value}`,
    );
  const audience = (list as string[]).map((a) => a.trim()).filter((a) => a !== '');
  if (audience.length === 0) throw new ConfigError('pushEntraAudience', 'names no audience');
  return Object.freeze(audience);
}

function urlOption(value: unknown, name: string): URL | undefined {
  const given = text(value, name);
  if (given === undefined) return undefined;
  try {
    return new URL(given);
  } catch (err) {
    throw new ConfigError(name, `"${redactSecrets(given)}" is not a URL`, { cause: err });
  }
}
