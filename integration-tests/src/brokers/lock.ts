/**
 * A cross-process lock made of an exclusive `mkdir`, so that two jest runs or a jest run and
 * `brokers up` never install or start the same service at once. A lock whose owner process is
 * gone is taken over. Waiting is bounded.
 */
import fs from 'node:fs';
import path from 'node:path';
import { lockDir } from './paths.js';
import { sleep } from './wait.js';

function ownerAlive(dir: string): boolean {
  try {
    const pid = Number(fs.readFileSync(path.join(dir, 'owner'), 'utf8'));
    if (!Number.isInteger(pid) || pid <= 0) return false;
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Runs `fn` while holding the lock `name`; throws if the lock cannot be had within `timeoutMs`. */
export async function withLock<T>(name: string, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  const dir = path.join(lockDir(), `${name}.lock`);
  fs.mkdirSync(lockDir(), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'owner'), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // A lock just created may not have its owner file yet: give it a moment before judging.
      const stat = fs.statSync(dir, { throwIfNoEntry: false });
      if (!stat) continue;
      if (Date.now() - stat.mtimeMs > 2000 && !ownerAlive(dir)) {
        fs.rmSync(dir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline)
        throw new Error(`lock ${name} still held by another process after ${timeoutMs} ms`);
      await sleep(200);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
