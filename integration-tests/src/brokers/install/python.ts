/**
 * Makes a Python module importable: uses the interpreter's own packages when they have it,
 * otherwise `pip install --target <cache>/python <requirement>` once and returns that folder for
 * PYTHONPATH. A pip --target folder needs neither a venv nor write access to the system site.
 */
import fs from 'node:fs';
import path from 'node:path';
import { withLock } from '../lock.js';
import type { Logger } from '../log.js';
import { cacheRoot } from '../paths.js';
import { runChecked, runCommand } from '../run.js';

export const PYTHON = process.env.EVENTPORT_PYTHON ?? 'python3';

async function canImport(modules: readonly string[], pythonPath: string | undefined): Promise<boolean> {
  const env: Record<string, string> = pythonPath ? { PYTHONPATH: pythonPath } : {};
  const result = await runCommand(PYTHON, ['-c', modules.map((m) => `import ${m}`).join('; ')], {
    timeoutMs: 60_000,
    env,
  });
  return result.code === 0;
}

/**
 * Resolves with the PYTHONPATH to use ('' when the interpreter already has `modules`).
 * Throws with pip's output when the install fails.
 */
export async function ensurePythonModules(
  modules: readonly string[],
  requirement: string,
  log: Logger,
): Promise<string> {
  const target = path.join(cacheRoot(), 'python');
  const marker = path.join(target, '.complete');
  if (fs.existsSync(marker) && (await canImport(modules, target))) return target;
  if (await canImport(modules, undefined)) return '';
  return withLock('install-python', 15 * 60_000, async () => {
    if (fs.existsSync(marker) && (await canImport(modules, target))) return target;
    log(`pip install --target ${target} "${requirement}" (first run only)`);
    await runChecked(
      PYTHON,
      [
        '-m',
        'pip',
        'install',
        '--disable-pip-version-check',
        '--no-input',
        '--upgrade',
        '--target',
        target,
        requirement,
      ],
      { timeoutMs: 10 * 60_000 },
    );
    fs.writeFileSync(marker, new Date().toISOString());
    if (!(await canImport(modules, target)))
      throw new Error(`pip installed ${requirement} but ${modules.join(', ')} still fail to import`);
    return target;
  });
}
