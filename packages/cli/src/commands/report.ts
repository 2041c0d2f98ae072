import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import {
  formatFor,
  mergeReports,
  parseReport,
  passed,
  render,
  type ConformanceReport,
} from '@eventport/conformance';
import { UsageError, flag, parse, strs } from '../args.js';
import { println, type CliIo } from '../io.js';
import { resultMatrix } from './conformance.js';

export const REPORT_HELP = `Usage: eventport report <report.json>... [--out FILE]...

Merges JSON conformance reports (from "eventport conformance --report x.json",
one per broker or several) into one matrix across brokers. Without --out it
prints the matrix; --out writes .html, .md or .json (repeatable). Exit code 1
when a merged report holds a failed claim.
`;

export async function report(args: readonly string[], io: CliIo): Promise<number> {
  const p = parse('report', args, { out: { type: 'string', multiple: true } });
  if (flag(p, 'help')) {
    io.stdout.write(REPORT_HELP);
    return 0;
  }
  if (p.positionals.length === 0)
    throw new UsageError('missing <report.json> (see "eventport report --help")', 'report');
  const outs = strs(p, 'out');
  for (const o of outs)
    if (formatFor(o) === undefined)
      throw new UsageError(`--out ${o}: use a .html, .md or .json file name`, 'report');
  const inputs: ConformanceReport[] = [];
  for (const file of p.positionals) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new UsageError(
        `${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
        'report',
      );
    }
    try {
      inputs.push(parseReport(text));
    } catch (err) {
      throw new UsageError(`${file}: ${(err as Error).message}`, 'report');
    }
  }
  const merged = mergeReports(...inputs);
  if (outs.length === 0) println(io.stdout, resultMatrix(merged));
  for (const o of outs) {
    const path = resolve(o);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, render(merged, formatFor(o)!));
    println(
      io.stdout,
      `${merged.brokers.length} broker${merged.brokers.length === 1 ? '' : 's'} written to ${o}`,
    );
  }
  return passed(merged) ? 0 : 1;
}
