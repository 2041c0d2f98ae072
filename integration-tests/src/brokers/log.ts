/**
 * Progress messages of the broker machinery. They go to stderr (stdout stays clean for
 * `brokers status --json`) and can be silenced with EVENTPORT_BROKERS_QUIET=1.
 */
export type Logger = (message: string) => void;

export const log: Logger = (message) => {
  if (process.env.EVENTPORT_BROKERS_QUIET === '1') return;
  process.stderr.write(`[brokers] ${message}\n`);
};
