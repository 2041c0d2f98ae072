import type { CliIo } from '../src/io';

export interface TestIo extends CliIo {
  readonly out: () => string;
  readonly err: () => string;
  interrupt(): void;
}

/** An in-memory IO for main(): captured stdout/stderr, files from a map, a Ctrl-C trigger. */
export function testIo(options: { tty?: boolean; files?: Record<string, Uint8Array | string> } = {}): TestIo {
  let out = '';
  let err = '';
  const handlers = new Set<() => void>();
  return {
    stdout: { write: (s: string) => (out += s), isTTY: options.tty ?? false, columns: 100 },
    stderr: { write: (s: string) => (err += s), isTTY: options.tty ?? false, columns: 100 },
    env: {},
    onInterrupt(h) {
      handlers.add(h);
      return () => handlers.delete(h);
    },
    async readFile(path) {
      const f = options.files?.[path];
      if (f === undefined)
        throw Object.assign(new Error(`ENOENT: no such file, open '${path}'`), { code: 'ENOENT' });
      return typeof f === 'string' ? new TextEncoder().encode(f) : f;
    },
    out: () => out,
    err: () => err,
    interrupt: () => handlers.forEach((h) => h()),
  };
}

/** Adapters for `capabilities` under jest: memory only (as if no other adapter were installed). */
export const onlyMemory = {
  manifests: [{ scheme: 'memory', packageName: '@eventport/memory', title: 'Embedded broker' }],
  importer: async (pkg: string): Promise<Record<string, unknown>> => {
    if (pkg === '@eventport/memory') return (await import('@eventport/memory')) as Record<string, unknown>;
    throw Object.assign(new Error(`Cannot find module '${pkg}'`), { code: 'MODULE_NOT_FOUND' });
  },
};

/** The lines a stream got (no trailing empty line). */
export function lines(text: string): string[] {
  return text.split('\n').filter((l, i, all) => !(l === '' && i === all.length - 1));
}
