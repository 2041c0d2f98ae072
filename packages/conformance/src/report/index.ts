import { toHtml } from './html.js';
import { toMarkdown } from './markdown.js';
import { toJson, type ConformanceReport } from './model.js';

export * from './model.js';
export { toMarkdown, summaryLine, STATUS_ICON } from './markdown.js';
export { toHtml } from './html.js';

/** Report formats, chosen by file extension. */
export type ReportFormat = 'json' | 'md' | 'html';

/** The format for a file name (`.json`, `.md`/`.markdown`, `.html`/`.htm`), or undefined. */
export function formatFor(file: string): ReportFormat | undefined {
  const ext = file.toLowerCase().split('.').pop();
  if (ext === 'json') return 'json';
  if (ext === 'md' || ext === 'markdown') return 'md';
  if (ext === 'html' || ext === 'htm') return 'html';
  return undefined;
}

/** Renders a report in a format. */
export function render(report: ConformanceReport, format: ReportFormat): string {
  if (format === 'json') return toJson(report);
  if (format === 'md') return toMarkdown(report);
  return toHtml(report);
}
