import { adapterPackageFor } from '@eventport/core';
import { allVariants, discoverAdapters, type DiscoverOptions } from '../adapters.js';
import { UsageError, flag, parse, str } from '../args.js';
import { println, type CliIo } from '../io.js';
import { textMatrix } from '../matrix.js';

export const CAPABILITIES_HELP = `Usage: eventport capabilities [--broker NAME] [--json]

The declared capability matrix of every installed adapter, one column per
configuration variant (e.g. SQS standard vs FIFO). The adapters' declarations
are the single source of truth; "eventport conformance <url>" verifies them.

Options:
  --broker NAME   one adapter (its scheme, e.g. memory), with each guarantee's detail
  --json          machine-readable output
`;

export async function capabilities(
  args: readonly string[],
  io: CliIo,
  discover: DiscoverOptions = {},
): Promise<number> {
  const p = parse('capabilities', args, { broker: { type: 'string' }, json: { type: 'boolean' } });
  if (flag(p, 'help')) {
    io.stdout.write(CAPABILITIES_HELP);
    return 0;
  }
  if (p.positionals.length > 0)
    throw new UsageError(
      `unexpected argument "${p.positionals[0]}" (see "eventport capabilities --help")`,
      'capabilities',
    );
  const adapters = await discoverAdapters(discover);
  const name = str(p, 'broker');
  const chosen =
    name === undefined
      ? adapters.filter((a) => a.installed)
      : adapters.filter((a) => a.scheme === name.toLowerCase());
  if (name !== undefined && (chosen.length === 0 || !chosen[0]!.installed)) {
    const installed = adapters.filter((a) => a.installed).map((a) => a.scheme);
    const hint = `; install ${chosen[0]?.packageName ?? adapterPackageFor(name.toLowerCase())}`;
    throw new UsageError(
      `no installed adapter named "${name}" (installed: ${installed.join(', ') || 'none'})${hint}`,
      'capabilities',
    );
  }
  const variants = allVariants(chosen);
  if (flag(p, 'json')) {
    const out = chosen.map((a) => ({
      scheme: a.scheme,
      package: a.packageName,
      note: a.note,
      variants: a.variants.map((v) => v.toJSON()),
    }));
    println(io.stdout, JSON.stringify(out, null, 2));
    return 0;
  }
  if (variants.length === 0) {
    println(io.stdout, 'no adapter declares its capabilities');
  } else if (name !== undefined) {
    for (const v of variants) println(io.stdout, `${v.toTable()}\n`);
  } else {
    println(io.stdout, textMatrix(variants));
  }
  for (const a of chosen) if (a.variants.length === 0 && a.note) println(io.stderr, `${a.scheme}: ${a.note}`);
  const missing = adapters.filter((a) => !a.installed);
  if (name === undefined && missing.length > 0) {
    println(io.stdout, `\nnot installed: ${missing.map((a) => `${a.scheme} (${a.packageName})`).join(', ')}`);
  }
  return 0;
}
