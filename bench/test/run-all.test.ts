/**
 * Smoke of the benchmark runner (`npm run bench -- all`), not a timed assertion: the built runner
 * runs the memory benchmark with a tiny count and a contender that cannot run here, and the
 * results file it writes has the shape a regression diff relies on.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

jest.setTimeout(120_000);

const root = path.resolve(__dirname, '..', '..');
const runner = path.join(root, 'bench', 'dist', 'run-all.js');

beforeAll(() => {
  // `npm test` builds first; a missing build is made here
  if (!existsSync(runner)) spawnSync('npx', ['tsc', '--build', 'bench'], { cwd: root, stdio: 'inherit' });
});

it('runs the memory benchmark, skips what cannot run with a reason, and writes results.json', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'eventport-bench-'));
  try {
    const out = path.join(dir, 'results.json');
    const run = spawnSync(process.execPath, [runner, 'memory', 'eventgrid', '--quick', `--out=${out}`], {
      cwd: root,
      encoding: 'utf8',
      timeout: 100_000,
      // Event Grid has a benchmark: pointed at a port where nothing listens, it cannot run
      env: { ...process.env, EVENTGRID_ENDPOINT: 'http://127.0.0.1:1' },
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const results = JSON.parse(readFileSync(out, 'utf8'));
    expect(results).toMatchObject({ node: process.version, quick: true, cpus: expect.any(Number) });
    expect(results.loadAverage).toHaveLength(2);
    expect(results.contenders.eventgrid).toEqual({
      status: 'skipped',
      reason: expect.stringContaining('no broker answers on 127.0.0.1:1'),
    });
    const memory = results.contenders.memory;
    expect(memory.status).toBe('ran');
    expect(memory.memory.pairs.map((p: { concurrency: number }) => p.concurrency)).toEqual([1, 64]);
    for (const pair of memory.memory.pairs) {
      for (const r of [...pair.bare, ...pair.eventport]) {
        expect(r).toMatchObject({ events: 5_000 });
        for (const k of [
          'eventsPerSec',
          'p50Ms',
          'p99Ms',
          'peakRssMiB',
          'retainedHeapMiB',
          'gcMs',
          'cpuUsPerEvent',
        ]) {
          expect(r[k]).toBeGreaterThan(k === 'gcMs' ? -1 : 0);
        }
      }
      expect(pair.ratios).toHaveLength(1);
      expect(pair.medianRatio).toBeGreaterThan(0);
      expect(pair.cpuRatios).toHaveLength(1);
      expect(pair.medianCpuRatio).toBeGreaterThan(0);
    }
    expect(run.stdout).toContain('eventgrid: skipped: no broker answers on 127.0.0.1:1');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('refuses an unknown contender with exit code 2', () => {
  const run = spawnSync(process.execPath, [runner, 'rabbitmq', '--quick'], { cwd: root, encoding: 'utf8' });
  expect(run.status).toBe(2);
  expect(run.stderr).toContain('unknown contender rabbitmq');
});
