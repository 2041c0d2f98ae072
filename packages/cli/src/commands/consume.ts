import { toStructured, type Delivery, type Event } from '@eventport/core';
import { UsageError, expectPositionals, flag, int, parse, str } from '../args.js';
import { println, type CliIo } from '../io.js';
import { open, warnInProcess } from './shared.js';

export const CONSUME_HELP = `Usage: eventport consume <url> <topic> [--group G] [--from earliest|latest] [--count N] [--json]

Tails a topic and prints each event (pretty, or one JSON line per event with
--json), acknowledging it. Stops after --count events, after --timeout-ms, or on Ctrl-C.

Options:
  --group G          consumer group / subscription (default eventport-cli)
  --from POSITION    earliest or latest (default latest): where a new group starts
  --count N          stop after N events (exit 1 if --timeout-ms passes first)
  --timeout-ms MS    stop after this long
  --json             one structured CloudEvent per line

memory:// is in-process: it only holds what this same command produced, so
consuming memory:// from a separate command sees nothing. Use a real broker URL.
`;

export async function consume(args: readonly string[], io: CliIo): Promise<number> {
  const p = parse('consume', args, {
    group: { type: 'string' },
    from: { type: 'string' },
    count: { type: 'string' },
    'timeout-ms': { type: 'string' },
    json: { type: 'boolean' },
  });
  if (flag(p, 'help')) {
    io.stdout.write(CONSUME_HELP);
    return 0;
  }
  const [url, topic] = expectPositionals(p, 'consume', ['url', 'topic']) as [string, string];
  const from = str(p, 'from') ?? 'latest';
  if (from !== 'earliest' && from !== 'latest')
    throw new UsageError(`--from must be earliest or latest, got "${from}"`, 'consume');
  const count = int(p, 'count', 'consume');
  const timeoutMs = int(p, 'timeout-ms', 'consume');
  const json = flag(p, 'json');
  const broker = await open(url, 'consume', io, flag(p, 'verbose'));
  warnInProcess(url, io, 'it only holds events produced inside this same command');
  const consumer = broker.consumer(topic, { group: str(p, 'group') ?? 'eventport-cli', from });
  const it = consumer[Symbol.asyncIterator]();
  let stopped: 'timeout' | 'interrupt' | undefined;
  const halt = (why: 'timeout' | 'interrupt') => (): void => {
    stopped ??= why;
    void it.return?.();
  };
  const timer = timeoutMs !== undefined ? setTimeout(halt('timeout'), timeoutMs) : undefined;
  const removeInterrupt = io.onInterrupt(halt('interrupt'));
  let n = 0;
  try {
    while (count === undefined || n < count) {
      const r = await it.next();
      if (r.done) break;
      println(io.stdout, json ? jsonLine(r.value) : pretty(r.value));
      await r.value.ack();
      n++;
    }
    await it.return?.();
  } finally {
    clearTimeout(timer);
    removeInterrupt();
    await broker.close();
  }
  if (count !== undefined && n < count) {
    println(
      io.stderr,
      `eventport: received ${n} of ${count} events before the ${stopped === 'interrupt' ? 'interrupt' : `${timeoutMs} ms timeout`}`,
    );
    return 1;
  }
  return 0;
}

function jsonLine(d: Delivery): string {
  const doc = JSON.parse(new TextDecoder().decode(toStructured(d.event).body)) as Record<string, unknown>;
  if (d.event.key !== undefined) doc.key = d.event.key;
  return JSON.stringify(doc);
}

/** A readable rendering: a header line with the attributes, then the data. */
export function pretty(d: Pick<Delivery, 'event' | 'partition' | 'offset' | 'attempt'>): string {
  const e: Event = d.event;
  const attrs = [`id=${e.id}`, `source=${e.source}`];
  if (e.key !== undefined) attrs.push(`key=${e.key}`);
  if (e.subject !== undefined) attrs.push(`subject=${e.subject}`);
  if (e.time !== undefined) attrs.push(`time=${e.time}`);
  for (const [k, v] of Object.entries(e.extensions)) attrs.push(`${k}=${String(v)}`);
  const where =
    d.partition !== undefined
      ? ` [partition ${d.partition}${d.offset !== undefined ? ` offset ${d.offset}` : ''}]`
      : '';
  const retry = d.attempt > 1 ? ` (attempt ${d.attempt})` : '';
  return `── ${e.type}  ${attrs.join('  ')}${where}${retry}\n${renderData(e.data)}`;
}

function renderData(data: unknown): string {
  if (data === undefined) return '(no data)';
  if (data instanceof Uint8Array) {
    const hex = Buffer.from(data.subarray(0, 32)).toString('hex').replace(/(..)/g, '$1 ').trim();
    return `<${data.byteLength} bytes> ${hex}${data.byteLength > 32 ? ' …' : ''}`;
  }
  if (typeof data === 'string') return data;
  return JSON.stringify(data, null, 2);
}
