#!/usr/bin/env node
/**
 * `eventhubs-emulator` — runs the emulator in the foreground until SIGINT/SIGTERM.
 * Prints `eventhubs-emulator ready on 127.0.0.1:<port>` and the connection string once it accepts
 * connections.
 */
import { USAGE, parseArgs } from './cli-args.js';
import { EventHubsEmulator } from './emulator.js';

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`eventhubs-emulator: ${(err as Error).message}\n`);
    process.exit(2);
  }
  if (parsed.help) {
    process.stdout.write(USAGE);
    return;
  }
  const log = parsed.quiet
    ? () => undefined
    : (line: string) => process.stdout.write(`[eventhubs-emulator] ${line}\n`);
  const emulator = await EventHubsEmulator.start({ ...parsed.options, log });
  const hubs = emulator.namespace.allHubs.map((h) => `${h.name}(${h.partitions.length})`).join(', ');
  process.stdout.write(
    `eventhubs-emulator ready on ${emulator.options.host}:${emulator.port}\n` +
      `hubs: ${hubs || '(none yet)'}\n` +
      `connection string: ${emulator.connectionString()}\n`,
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`eventhubs-emulator: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
