#!/usr/bin/env node
// The `eventport` command. Kept as plain JS in git (with its executable bit) so
// the bin works whenever the package is built, whatever order install and build ran in.
import { main } from '../dist/main.js';

// Broker SDKs warn about Node versions on import; that is noise on a command line
// (shown with --verbose).
if (!process.argv.includes('--verbose')) {
  const emit = process.emitWarning;
  process.emitWarning = function (warning, ...rest) {
    const type = typeof rest[0] === 'string' ? rest[0] : rest[0]?.type;
    if (type === 'NodeVersionSupportWarning' || String(warning).includes('NodeVersionSupportWarning')) return;
    return emit.call(process, warning, ...rest);
  };
}

process.exitCode = await main(process.argv.slice(2));
