/**
 * Local processes: start detached in their own process group with output appended to a log
 * file, remember the group leader in a pid file, stop or kill the whole group by that id.
 * A started process outlives the Node process that started it.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { sleep } from './wait.js';

export interface LaunchPlan {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env?: Record<string, string>;
}

/** Spawns `plan` detached; resolves with the pid once the OS has started it. */
export function spawnDetached(plan: LaunchPlan, logFile: string): Promise<number> {
  const out = fs.openSync(logFile, 'a');
  fs.writeSync(out, `\n=== ${new Date().toISOString()} ${plan.command} ${plan.args.join(' ')}\n`);
  return new Promise<number>((resolve, reject) => {
    const child = spawn(plan.command, [...plan.args], {
      cwd: plan.cwd,
      env: { ...process.env, ...plan.env },
      detached: true,
      stdio: ['ignore', out, out],
    });
    child.once('error', (error) => reject(new Error(`cannot start ${plan.command}: ${error.message}`)));
    child.once('spawn', () => {
      child.unref();
      if (child.pid === undefined) reject(new Error(`cannot start ${plan.command}: no pid`));
      else resolve(child.pid);
    });
  }).finally(() => fs.closeSync(out));
}

/** True if a process with this pid exists (and, where /proc exists, its command line contains `marker`). */
export function isAlive(pid: number, marker?: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (!marker) return true;
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (cmdline.length === 0) return false; // a zombie has an empty command line
    return cmdline.includes(marker);
  } catch {
    // No /proc (not Linux) or the process is gone.
    return fs.existsSync('/proc') ? false : true;
  }
}

/** True while any process of the group led by `pid` exists. */
export function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/**
 * SIGTERM to the group, then SIGKILL if it is still there after `graceMs`.
 * Resolves once no process of the group is left (bounded by graceMs + 5 s).
 */
export async function stopGroup(pid: number, graceMs: number): Promise<'terminated' | 'killed'> {
  signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!groupAlive(pid)) return 'terminated';
    await sleep(100);
  }
  await killGroup(pid);
  return 'killed';
}

/** SIGKILL to the whole group; resolves when it is gone (at most 5 s). */
export async function killGroup(pid: number): Promise<void> {
  signalGroup(pid, 'SIGKILL');
  const deadline = Date.now() + 5000;
  while (groupAlive(pid) && Date.now() < deadline) await sleep(50);
  if (groupAlive(pid)) throw new Error(`process group ${pid} survived SIGKILL for 5 s`);
}

export function readPid(file: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The last `lines` lines of a log file, or a note saying there is none. */
export function tail(file: string, lines = 40): string {
  try {
    const size = fs.statSync(file).size;
    const length = Math.min(size, 64 * 1024);
    const buffer = Buffer.alloc(length);
    const fd = fs.openSync(file, 'r');
    try {
      fs.readSync(fd, buffer, 0, length, size - length);
    } finally {
      fs.closeSync(fd);
    }
    return buffer.toString('utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return `(no log at ${file})`;
  }
}
