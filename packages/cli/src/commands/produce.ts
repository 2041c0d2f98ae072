import type { EventInput, ExtensionValue } from '@eventport/core';
import { UsageError, expectPositionals, flag, parse, str, strs } from '../args.js';
import { println, type CliIo } from '../io.js';
import { open, warnInProcess } from './shared.js';

export const PRODUCE_HELP = `Usage: eventport produce <url> <topic> [--data JSON | --file F] [--key K] [--type T]

Sends one event and prints where it landed.

Options:
  --data JSON          the event data, as JSON (a string needs quotes: --data '"hi"')
  --file F             the data from a file ("-" = standard input); .json files are
                       parsed as JSON, anything else is sent as bytes
  --content-type CT    datacontenttype (default: application/json, or
                       application/octet-stream for a non-JSON file)
  --key K              ordering / partition key
  --type T             event type (default eventport.cli)
  --source S           event source (default /eventport/cli)
  --subject S          event subject
  --id ID              event id (default: a new UUID)
  --ext NAME=VALUE     an extension attribute (repeatable)
  --json               print the receipt as JSON

memory:// is in-process: an event produced by one eventport command is gone when
it exits, so "eventport consume memory://…" in another command never sees it.
Use a real broker URL to pass events between commands.
`;

export async function produce(args: readonly string[], io: CliIo): Promise<number> {
  const p = parse('produce', args, {
    data: { type: 'string' },
    file: { type: 'string' },
    'content-type': { type: 'string' },
    key: { type: 'string' },
    type: { type: 'string' },
    source: { type: 'string' },
    subject: { type: 'string' },
    id: { type: 'string' },
    ext: { type: 'string', multiple: true },
    json: { type: 'boolean' },
  });
  if (flag(p, 'help')) {
    io.stdout.write(PRODUCE_HELP);
    return 0;
  }
  const [url, topic] = expectPositionals(p, 'produce', ['url', 'topic']) as [string, string];
  const input: EventInput = {
    type: str(p, 'type') ?? 'eventport.cli',
    source: str(p, 'source') ?? '/eventport/cli',
    key: str(p, 'key'),
    subject: str(p, 'subject'),
    id: str(p, 'id'),
    datacontenttype: str(p, 'content-type'),
    extensions: extensions(strs(p, 'ext')),
    ...(await data(p, io)),
  };
  const broker = await open(url, 'produce', io, flag(p, 'verbose'));
  try {
    const receipt = await broker.producer(topic).send(input);
    if (flag(p, 'json')) println(io.stdout, JSON.stringify(receipt));
    else {
      const where = [
        receipt.partition !== undefined ? `partition ${receipt.partition}` : '',
        receipt.offset !== undefined ? `offset ${receipt.offset}` : '',
      ]
        .filter(Boolean)
        .join(', ');
      println(
        io.stdout,
        `sent ${receipt.id} to ${topic}${where ? ` (${where})` : ''}${receipt.duplicate ? ' — duplicate of an earlier send' : ''}`,
      );
    }
    warnInProcess(url, io, 'this event is gone when this command exits');
    return 0;
  } finally {
    await broker.close();
  }
}

async function data(
  p: ReturnType<typeof parse>,
  io: CliIo,
): Promise<Pick<EventInput, 'data' | 'datacontenttype'>> {
  const json = str(p, 'data');
  const file = str(p, 'file');
  const ct = str(p, 'content-type');
  if (json !== undefined && file !== undefined)
    throw new UsageError('use --data or --file, not both', 'produce');
  if (json !== undefined)
    return { data: parseJson(json, '--data'), datacontenttype: ct ?? 'application/json' };
  if (file === undefined) return {};
  let bytes: Uint8Array;
  try {
    bytes = await io.readFile(file);
  } catch (err) {
    throw new UsageError(
      `--file ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      'produce',
    );
  }
  if (file.toLowerCase().endsWith('.json') || (ct !== undefined && /json/i.test(ct))) {
    return {
      data: parseJson(new TextDecoder().decode(bytes), `--file ${file}`),
      datacontenttype: ct ?? 'application/json',
    };
  }
  return { data: bytes, datacontenttype: ct ?? 'application/octet-stream' };
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new UsageError(
      `${what} is not valid JSON (${(err as Error).message}); a string needs quotes: --data '"text"'`,
      'produce',
    );
  }
}

function extensions(list: readonly string[]): Record<string, ExtensionValue> | undefined {
  if (list.length === 0) return undefined;
  const out: Record<string, ExtensionValue> = {};
  for (const item of list) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--ext ${item}: expected NAME=VALUE`, 'produce');
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}
