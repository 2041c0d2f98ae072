/**
 * Installs a Debian package when a file it provides is missing (root only): `apt-get install -y`,
 * and if that fails, `apt-get update` once and retry.
 */
import fs from 'node:fs';
import { withLock } from '../lock.js';
import type { Logger } from '../log.js';
import { runChecked } from '../run.js';

export async function ensureDebianPackage(file: string, pkg: string, log: Logger): Promise<void> {
  if (fs.existsSync(file)) return;
  await withLock(`apt-${pkg}`, 15 * 60_000, async () => {
    if (fs.existsSync(file)) return;
    if (typeof process.getuid === 'function' && process.getuid() !== 0) {
      throw new Error(`${file} is missing; install it with: sudo apt-get install -y ${pkg}`);
    }
    const env = { DEBIAN_FRONTEND: 'noninteractive' };
    log(`apt-get install -y ${pkg}`);
    try {
      await runChecked('apt-get', ['install', '-y', '--no-install-recommends', pkg], {
        timeoutMs: 10 * 60_000,
        env,
      });
    } catch {
      await runChecked('apt-get', ['update'], { timeoutMs: 5 * 60_000, env });
      await runChecked('apt-get', ['install', '-y', '--no-install-recommends', pkg], {
        timeoutMs: 10 * 60_000,
        env,
      });
    }
    if (!fs.existsSync(file)) throw new Error(`apt-get installed ${pkg} but ${file} is still missing`);
  });
}
