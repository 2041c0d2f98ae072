/**
 * `npm run brokers -- <command> [broker...]`
 *
 *   up [kafka] [sqs] [pubsub] [azurite]   start (all when none named) and wait until ready; the
 *                                         brokers keep running after this script exits. Data
 *                                         folders start empty unless --keep-data is given
 *   down [broker...]                      stop (all when none named)
 *   status [broker...] [--json]           one line per broker: state, endpoint, pid, log
 *   restart <broker>                      graceful stop + start, data kept
 *   kill <broker>                         SIGKILL, data kept (bring it back: up <broker> --keep-data)
 *   env [broker...]                       print the env vars tests use, as shell exports
 *
 * Names: kafka, elasticmq, moto, pubsub, azurite; groups sqs (elasticmq + moto), sns (moto), all.
 * Exit code 0 on success, 1 on failure (the message names the broker and shows its log tail).
 */
import {
  Brokers,
  resolveServices,
  SERVICE_NAMES,
  type ServiceName,
  type ServiceStatus,
} from '../brokers/index.js';

const USAGE = `usage: brokers <up|down|status|restart|kill|env> [broker...] [--keep-data] [--json]
brokers: ${SERVICE_NAMES.join(', ')}; groups: sqs (elasticmq + moto), sns (moto), all (default)`;

function formatStatus(s: ServiceStatus): string {
  const parts = [s.service.padEnd(10), s.state.padEnd(9), s.runtime.padEnd(8), s.endpoint];
  if (s.pid !== undefined) parts.push(`pid ${s.pid}`);
  if (s.logFile) parts.push(`log ${s.logFile}`);
  if (s.detail && s.state !== 'ready') parts.push(`(${s.detail})`);
  return parts.join('  ');
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const json = rest.includes('--json');
  const names = rest.filter((a) => !a.startsWith('--'));
  const selected = names.length > 0 ? names : ['all'];
  const brokers = new Brokers();
  switch (command) {
    case 'up': {
      const started = Date.now();
      const running = await brokers.up(selected, { fresh: !rest.includes('--keep-data') });
      for (const r of running)
        console.log(`${r.service.padEnd(10)} ready  ${r.endpoint}${r.reused ? '  (already running)' : ''}`);
      console.log(`all ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return 0;
    }
    case 'down':
      await brokers.down(selected);
      return 0;
    case 'status': {
      const statuses = await brokers.status(selected);
      if (json) console.log(JSON.stringify(statuses, null, 2));
      else statuses.forEach((s) => console.log(formatStatus(s)));
      return 0;
    }
    case 'restart':
    case 'kill': {
      const services = resolveServices(names);
      if (services.length !== 1) throw new Error(`${command} takes exactly one broker`);
      const [service] = services as [ServiceName];
      if (command === 'kill') await brokers.kill(service);
      else console.log(`${service} ready  ${(await brokers.restart(service)).endpoint}`);
      return 0;
    }
    case 'env': {
      const statuses = await brokers.status(selected);
      const env = Object.assign({}, ...statuses.map((s) => s.env ?? {})) as Record<string, string>;
      for (const [key, value] of Object.entries(env)) console.log(`export ${key}=${shellQuote(value)}`);
      return 0;
    }
    default:
      console.error(USAGE);
      return command === undefined || command === 'help' || command === '--help' ? 0 : 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
