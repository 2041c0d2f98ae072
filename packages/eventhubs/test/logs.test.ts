import { logger as azureLogger } from '@azure/event-hubs';
import type { Logger } from '@eventport/core';
import { attachClientLogs } from '../src/logs.js';

function recorder(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const push = (m: string): void => void lines.push(m);
  return { lines, debug: push, info: (m) => push(`info: ${m}`), warn: push, error: push };
}

test("the client's warnings and errors reach the connection's logger, redacted; detached loggers get nothing", () => {
  const a = recorder();
  const detach = attachClientLogs(a);
  azureLogger.warning('link %s detached', 'orders/0');
  azureLogger.error('failed with SharedAccessKey=abcdefghijklmnop0123456789');
  azureLogger.verbose('not forwarded');
  expect(a.lines[0]).toBe('event-hubs: link orders/0 detached');
  expect(a.lines[1]).toMatch(/^info: event-hubs: failed with /);
  expect(a.lines[1]).not.toContain('abcdefghijklmnop0123456789');
  expect(a.lines).toHaveLength(2);
  detach();
  azureLogger.warning('after close');
  expect(a.lines).toHaveLength(2);
});
