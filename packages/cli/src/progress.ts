import type { ProgressEvent } from '@eventport/conformance';
import type { CheckResult } from '@eventport/conformance';
import { println, type Out } from './io.js';

const WORD: Readonly<Record<CheckResult['status'], string>> = {
  passed: 'PASS',
  failed: 'FAIL',
  'not-verified': 'N/V ',
  skipped: 'SKIP',
};

/** One line per finished check. */
export function resultLine(r: CheckResult): string {
  const text =
    r.status === 'passed' || r.status === 'failed' ? (r.evidence?.summary ?? '') : (r.reason ?? '');
  const bad =
    r.status === 'failed' && r.evidence?.firstBad !== undefined ? ` — first bad: ${r.evidence.firstBad}` : '';
  return `${WORD[r.status]}  ${r.id.padEnd(22)} ${`${r.durationMs} ms`.padStart(8)}  ${text}${bad}`;
}

/**
 * Progress of a conformance run: on a terminal a bar redrawn in place on stderr
 * (result lines still go to stdout above it); otherwise plain lines only.
 */
export function progressReporter(stdout: Out, stderr: Out, tty: boolean): (e: ProgressEvent) => void {
  let label = '';
  let width = 24;
  const bar = (done: number, total: number, current: string): void => {
    const filled = total === 0 ? width : Math.round((done / total) * width);
    stderr.write(
      `\r\x1b[2K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${label}${current ? `: ${current}` : ''}`,
    );
  };
  const clear = (): void => void stderr.write('\r\x1b[2K');
  return (e) => {
    if (e.type === 'start') {
      label = e.label;
      width = Math.max(10, Math.min(30, (stderr.columns ?? 80) - 50));
      println(stdout, `conformance of ${e.label}: ${e.total} checks`);
      if (tty) bar(0, e.total, '');
    } else if (e.type === 'check-start') {
      if (tty) bar(e.index, e.total, e.check.id);
    } else {
      if (tty) clear();
      println(stdout, resultLine(e.result));
      if (tty) {
        if (e.index + 1 < e.total) bar(e.index + 1, e.total, '');
        else clear();
      }
    }
  };
}
