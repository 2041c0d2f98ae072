/**
 * The Event Hubs emulator a benchmark round runs against, with its CPU time readable.
 *
 * Default: a private emulator — `@eventport/eventhubs-emulator`'s built CLI as a child process,
 * memory only, on a free loopback port, 4 partitions per hub, stopped (SIGTERM) by `close()`.
 * With EVENTHUB_CONNECTION_STRING set: that emulator (left running by `close()`); its CPU is known
 * only when EVENTHUBS_EMULATOR_PID names its process.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export interface Emulator {
  /** A namespace connection string (development key, UseDevelopmentEmulator=true). */
  readonly connectionString: string;
  /** CPU seconds (user + system) the emulator process used so far; NaN when unknown. */
  cpuSeconds(): number;
  close(): Promise<void>;
}

const READY_MS = 20_000;

/** CPU seconds of a process from /proc/<pid>/stat (Linux; NaN elsewhere). */
function processCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, 100 ticks per second
  } catch {
    return NaN;
  }
}

export async function startEmulator(): Promise<Emulator> {
  const external = process.env.EVENTHUB_CONNECTION_STRING;
  if (external !== undefined && external !== '') {
    const pid = process.env.EVENTHUBS_EMULATOR_PID ? Number(process.env.EVENTHUBS_EMULATOR_PID) : undefined;
    return { connectionString: external, cpuSeconds: () => processCpuSeconds(pid), close: async () => {} };
  }
  const require = createRequire(import.meta.url);
  const cli = path.join(
    path.dirname(require.resolve('@eventport/eventhubs-emulator/package.json')),
    'dist',
    'cli.js',
  );
  if (!fs.existsSync(cli)) throw new Error(`${cli} missing: run npx tsc --build packages/eventhubs-emulator`);
  const child = spawn(
    process.execPath,
    [cli, '--port', '0', '--partitions', '4', '--retention-hours', '0', '--quiet'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`emulator not ready in ${READY_MS} ms`)), READY_MS);
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString();
      const m = /ready on [^\s:]+:(\d+)/.exec(seen);
      if (m !== null) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        child.stdout!.resume(); // keep draining its log lines
        resolve(Number(m[1]));
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`emulator exited (${code}) before it was ready`));
    });
  }).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw err;
  });
  return {
    connectionString: `Endpoint=sb://127.0.0.1:${port};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true`,
    cpuSeconds: () => processCpuSeconds(child.pid),
    close: async () => {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
