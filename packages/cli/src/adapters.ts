import {
  connect,
  installedAdapters,
  registeredSchemes,
  type AdapterManifest,
  type CapabilityReport,
} from '@eventport/core';
import type { CapabilityVariants } from '@eventport/core/driver';

/** What an adapter package exports as `capabilityVariants` (typed in the driver SPI). */
export type CapabilityVariantsExport = CapabilityVariants;

export interface AdapterInfo {
  readonly scheme: string;
  readonly packageName: string;
  readonly installed: boolean;
  /** One capability report per configuration variant. */
  readonly variants: readonly CapabilityReport[];
  /** Where the variants came from, or why there are none. */
  readonly note?: string;
}

export interface DiscoverOptions {
  /** Package imports (injectable for tests). */
  readonly importer?: (pkg: string) => Promise<Record<string, unknown>>;
  /** Connect with `{ kind }` when a package declares no variants (default true). */
  readonly connectFallback?: boolean;
  /** Bound on that connection (default 3 s). */
  readonly connectTimeoutMs?: number;
  /** The adapters to look at (default: the installed ones; injectable for tests). */
  readonly manifests?: readonly AdapterManifest[];
}

/**
 * Every installed adapter (those that declare themselves in their package.json, see core's
 * `installedAdapters`) and every other scheme registered in this process, with its variants.
 * Nothing here lists adapters by name: adding a package is enough for it to appear.
 */
export async function discoverAdapters(options: DiscoverOptions = {}): Promise<AdapterInfo[]> {
  const importer = options.importer ?? ((pkg: string) => import(pkg) as Promise<Record<string, unknown>>);
  const out: AdapterInfo[] = [];
  const manifests = options.manifests ?? installedAdapters();
  for (const { scheme, packageName } of manifests) {
    let mod: Record<string, unknown>;
    try {
      mod = await importer(packageName);
    } catch (err) {
      // one broken adapter must not hide the others
      const why = isModuleNotFound(err)
        ? 'declared but not importable (is it built?)'
        : `installed but failed to load: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
      out.push({ scheme, packageName, installed: true, variants: [], note: why });
      continue;
    }
    out.push({ scheme, packageName, installed: true, ...(await variantsOf(scheme, mod, options)) });
  }
  const declared = new Set(manifests.map((m) => m.scheme));
  for (const scheme of registeredSchemes()) {
    if (declared.has(scheme)) continue;
    out.push({
      scheme,
      packageName: '(registered in-process)',
      installed: true,
      ...(await variantsOf(scheme, {}, options)),
    });
  }
  return out;
}

async function variantsOf(
  scheme: string,
  mod: Record<string, unknown>,
  options: DiscoverOptions,
): Promise<{ variants: CapabilityReport[]; note?: string }> {
  const declared = mod.capabilityVariants as CapabilityVariantsExport | undefined;
  if (declared !== undefined) {
    const list = typeof declared === 'function' ? await declared() : declared;
    const variants = [...list].filter(isReport);
    return { variants, note: 'declared by the adapter (capabilityVariants)' };
  }
  if (options.connectFallback === false) return { variants: [], note: 'declares no capabilityVariants' };
  try {
    const broker = await withTimeout(
      connect({ kind: scheme }, { tracing: false }),
      options.connectTimeoutMs ?? 3_000,
    );
    try {
      return { variants: [broker.capabilities], note: 'default configuration (connected in-process)' };
    } finally {
      await broker.close();
    }
  } catch (err) {
    return {
      variants: [],
      note: `declares no capabilityVariants and could not connect with defaults (${err instanceof Error ? err.message : String(err)}); run "eventport doctor <url>"`,
    };
  }
}

function isReport(x: unknown): x is CapabilityReport {
  const r = x as Partial<CapabilityReport> | null;
  return (
    r !== null &&
    typeof r === 'object' &&
    typeof r.broker === 'string' &&
    typeof r.variant === 'string' &&
    typeof r.get === 'function'
  );
}

function isModuleNotFound(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** All variants of the installed adapters, flattened. */
export function allVariants(adapters: readonly AdapterInfo[]): CapabilityReport[] {
  return adapters.flatMap((a) => [...a.variants]);
}
