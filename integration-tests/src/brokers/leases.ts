/**
 * Sharing locally run services between concurrent users (two jest runs, a jest run and a developer
 * who ran `brokers up`). In the service's run folder:
 *
 *   owner            `cli` (started by `brokers up`: runs until `brokers down`) or `test-run`
 *                    (started by a jest global setup: stopped when its last test run releases it)
 *   leases/<pid>     one file per live test run using the service
 *
 * Callers hold the service's start lock while reading or changing these files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isAlive } from './proc.js';

export type Owner = 'cli' | 'test-run';

export function readOwner(dir: string): Owner {
  try {
    return fs.readFileSync(path.join(dir, 'owner'), 'utf8').trim() === 'test-run' ? 'test-run' : 'cli';
  } catch {
    return 'cli'; // unknown owner: never stopped automatically
  }
}

export function writeOwner(dir: string, owner: Owner): void {
  fs.writeFileSync(path.join(dir, 'owner'), owner);
}

export function addLease(dir: string, holder: number): void {
  fs.mkdirSync(path.join(dir, 'leases'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'leases', String(holder)), new Date().toISOString());
}

export function removeLease(dir: string, holder: number): void {
  fs.rmSync(path.join(dir, 'leases', String(holder)), { force: true });
}

/** Holders whose process still lives; leases of dead processes are deleted on the way. */
export function liveLeases(dir: string): number[] {
  const leases = path.join(dir, 'leases');
  if (!fs.existsSync(leases)) return [];
  return fs.readdirSync(leases).flatMap((name) => {
    const pid = Number(name);
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) return [pid];
    fs.rmSync(path.join(leases, name), { force: true });
    return [];
  });
}
