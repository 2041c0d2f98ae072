import type { TokenCredential } from '@azure/core-auth';
import { ConfigError } from '@eventport/core/driver';

/**
 * The Microsoft Entra scope of Event Grid data-plane requests (namespace publish/receive/settle
 * and basic-topic publish), as the Azure SDK's `DEFAULT_EVENTGRID_SCOPE` (`@azure/eventgrid`).
 */
export const EVENTGRID_SCOPE = 'https://eventgrid.azure.net/.default';

/**
 * How a connection authenticates: an access key (namespace: `Authorization: SharedAccessKey …`;
 * basic: `aeg-sas-key`), or a token credential (`Authorization: Bearer …`, tokens for
 * {@link EVENTGRID_SCOPE}, cached and refreshed before they expire by the Azure core pipeline).
 */
export type EventGridAuth = { readonly key: string } | { readonly credential: TokenCredential };

/**
 * Any TokenCredential: an object with a `getToken` method (checked without calling it; a throwing
 * getter counts as none, and its error is not kept since it may carry a secret). No dependency on
 * `@azure/identity`: `new DefaultAzureCredential()` or any hand-written credential fits.
 * @throws ConfigError for anything else.
 */
export function parseCredential(value: unknown): TokenCredential | undefined {
  if (value === undefined) return undefined;
  let getToken: unknown;
  try {
    getToken = typeof value === 'object' && value !== null ? (value as TokenCredential).getToken : undefined;
  } catch {
    getToken = undefined;
  }
  if (typeof getToken !== 'function') {
    throw new ConfigError(
      'credential',
      'must be a TokenCredential (an object with a getToken method), e.g. new DefaultAzureCredential() from @azure/identity',
    );
  }
  return value as TokenCredential;
}
