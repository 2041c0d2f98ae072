import {
  ConfigError,
  EventPortError,
  InvalidEventError,
  installedAdapters,
  redactSecrets,
  type AdapterManifest,
} from '@eventport/core';
import '@eventport/memory';
import { UsageError } from './args.js';
import type { DiscoverOptions } from './adapters.js';
import { capabilities } from './commands/capabilities.js';
import { conformance } from './commands/conformance.js';
import { consume } from './commands/consume.js';
import { doctor } from './commands/doctor.js';
import { produce } from './commands/produce.js';
import { report } from './commands/report.js';
import { nodeIo, println, type CliIo } from './io.js';

export const VERSION = '0.1.0';

/** What tests may replace besides the IO. */
export interface CliDeps {
  /** How `capabilities` finds adapters. */
  readonly discover?: DiscoverOptions;
}

type Command = (args: readonly string[], io: CliIo, deps: CliDeps) => Promise<number>;

const COMMANDS: Readonly<Record<string, Command>> = {
  capabilities: (args, io, deps) => capabilities(args, io, deps.discover),
  conformance,
  produce,
  consume,
  doctor,
  report,
};

export const HELP = `Usage: eventport <command> [options]

Commands:
  capabilities [--broker NAME] [--json]          declared guarantees of every installed adapter
  conformance <url>... [--report FILE] [--only]  prove a broker's claims; exit 1 when one fails
  produce <url> <topic> [--data JSON | --file F] send one event
  consume <url> <topic> [--group G] [--from earliest|latest] [--count N] [--json]
  doctor <url>                                   check connectivity and configuration, say what to fix
  report <report.json>... [--out FILE]           merge conformance reports into one matrix

Options: --help (any command), --verbose (stack traces), --version.
URLs: memory://[name]
memory:// is an in-process broker: separate eventport commands do not share it.
`;

/**
 * The help text: the URL line shows the example URL each installed adapter declares in its
 * package.json (`eventport.adapter.example`), so it names only what works here.
 */
export function helpText(adapters: readonly AdapterManifest[] = installedAdapters()): string {
  const examples = adapters.map((a) => a.example ?? `${a.scheme}://…`);
  if (examples.length === 0) return HELP;
  return HELP.replace('URLs: memory://[name]', `URLs: ${examples.join(', ')}`);
}

/**
 * Runs the CLI and returns its exit code: 0 success, 1 a failure (a claim, a
 * check, a broker error), 2 bad input. Errors print one line on stderr; a stack
 * trace only with --verbose.
 */
export async function main(
  argv: readonly string[],
  io: CliIo = nodeIo(),
  deps: CliDeps = {},
): Promise<number> {
  const verbose = argv.includes('--verbose');
  const [command, ...rest] = argv;
  try {
    if (command === undefined)
      throw new UsageError(
        'missing command (capabilities, conformance, produce, consume, doctor, report); see "eventport --help"',
      );
    if (command === '--help' || command === '-h' || command === 'help') {
      io.stdout.write(helpText());
      return 0;
    }
    if (command === '--version' || command === '-v') {
      println(io.stdout, VERSION);
      return 0;
    }
    const run = COMMANDS[command];
    if (run === undefined) {
      const hint = command.startsWith('-')
        ? 'options go after the command'
        : `commands: ${Object.keys(COMMANDS).join(', ')}`;
      throw new UsageError(`unknown command "${command}" (${hint}; see "eventport --help")`);
    }
    return await run(rest, io, deps);
  } catch (err) {
    println(io.stderr, `eventport: ${oneLine(err)}`);
    if (verbose && err instanceof Error && err.stack !== undefined)
      println(io.stderr, redactSecrets(err.stack));
    return isBadInput(err) ? 2 : 1;
  }
}

/**
 * Bad input (exit 2): a usage error, an event the arguments make invalid (`--type ''`,
 * `--ext Bad-Name=1`), or a topic or group name the arguments got wrong. A broker's refusal or an
 * adapter's configuration error is a failure (exit 1).
 */
function isBadInput(err: unknown): boolean {
  if (err instanceof UsageError || err instanceof InvalidEventError) return true;
  return err instanceof ConfigError && ARGUMENT_OPTIONS.has(err.option);
}

const ARGUMENT_OPTIONS = new Set(['topic', 'group']);

function oneLine(err: unknown): string {
  let text: string;
  if (err instanceof UsageError) text = err.message;
  else if (err instanceof EventPortError) text = err.message;
  else if (err instanceof Error) text = `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}`;
  else text = String(err);
  return redactSecrets(text).replace(/\s*\n\s*/g, ' ');
}
