import { format } from 'node:util';
import { logger as azureLogger } from '@azure/event-hubs';
import { redactSecrets, type Logger } from '@eventport/core/driver';

/**
 * Routes @azure/event-hubs' warning and error lines to the loggers of the open drivers (one level
 * down: the client reports transient link and connection trouble it recovers from as warnings).
 * Azure's logger is process-wide, so this hooks it once; with no driver open its lines go where they
 * went before (stderr, when AZURE_LOG_LEVEL asks for them).
 */
const live = new Set<Logger>();
let hooked = false;

export function attachClientLogs(logger: Logger): () => void {
  if (!hooked) {
    hooked = true;
    for (const level of ['warning', 'error'] as const) {
      const target = azureLogger[level];
      const previous = target.log.bind(target);
      target.log = (...args: unknown[]) => {
        if (live.size === 0) {
          if (process.env.AZURE_LOG_LEVEL) previous(...args); // the user asked for Azure's own output
          return;
        }
        const text = redactSecrets(`event-hubs: ${format(...args).replace(/^azure:event-hubs:\w+ /, '')}`);
        for (const l of live) {
          if (level === 'error') l.info(text);
          else l.debug(text);
        }
      };
      target.enabled = true;
    }
  }
  live.add(logger);
  return () => live.delete(logger);
}
