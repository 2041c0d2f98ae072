import { ConfigError } from '@eventport/core/driver';

/**
 * Event Hubs connection strings (`Endpoint=sb://HOST[:port][/];SharedAccessKeyName=…;SharedAccessKey=…
 * [;EntityPath=…][;UseDevelopmentEmulator=true]`). Errors name the option or variable the string
 * came from, never its content (it holds a key).
 */

export interface ConnectionStringParts {
  readonly values: Map<string, string>;
  readonly order: [string, string][];
  readonly endpointHost: string | undefined;
  readonly entityPath: string | undefined;
}

export function parseConnectionString(raw: string, source: string): ConnectionStringParts {
  const values = new Map<string, string>();
  const order: [string, string][] = [];
  for (const part of raw.split(';')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) throw new ConfigError(source, 'is not a connection string (Name=value;… pairs)');
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    values.set(name.toLowerCase(), value);
    order.push([name, value]);
  }
  const endpoint = values.get('endpoint');
  if (endpoint === undefined) throw new ConfigError(source, 'has no Endpoint=sb://…');
  const m = /^sb:\/\/([^/]+)\/?$/i.exec(endpoint);
  if (m === null) throw new ConfigError(source, 'Endpoint must be sb://NAMESPACE_HOST[:port]');
  const hasKey = values.has('sharedaccesskey') && values.has('sharedaccesskeyname');
  if (!hasKey && !values.has('sharedaccesssignature')) {
    throw new ConfigError(source, 'needs SharedAccessKeyName and SharedAccessKey (or SharedAccessSignature)');
  }
  return { values, order, endpointHost: m[1], entityPath: nonEmpty(values.get('entitypath')) };
}

/** The connection string pointed at `host`, without EntityPath (hubs are named per topic), emulator flag set for loopback. */
export function namespaceConnectionString(p: ConnectionStringParts, host: string, emulator: boolean): string {
  const out: string[] = [`Endpoint=sb://${host}/`];
  for (const [name, value] of p.order) {
    const lower = name.toLowerCase();
    if (lower === 'endpoint' || lower === 'entitypath' || lower === 'usedevelopmentemulator') continue;
    out.push(`${name}=${value}`);
  }
  if (emulator) out.push('UseDevelopmentEmulator=true');
  return out.join(';');
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v;
}
