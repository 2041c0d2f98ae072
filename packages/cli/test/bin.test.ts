// The built `eventport` bin, spawned as users run it: exit codes and stderr.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../../..');
const binPath = join(root, 'packages/cli/bin/eventport.js');
const script = join(root, 'packages/cli/scripts/capability-matrix.mjs');

beforeAll(() => {
  // npm test builds first; a bare `jest` run builds the CLI (and what it references) here
  if (!existsSync(join(root, 'packages/cli/dist/main.js')))
    execFileSync('npx', ['tsc', '--build', 'packages/cli'], { cwd: root, stdio: 'inherit' });
}, 180_000);

function node(file: string, args: string[]) {
  const r = spawnSync(process.execPath, [file, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, EVENTPORT_LOG_LEVEL: 'warn' },
  });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

describe('the eventport bin', () => {
  it('prints its version', () => {
    expect(node(binPath, ['--version'])).toEqual({ status: 0, out: '0.1.0\n', err: '' });
  });

  it('bad flags: exit 2, one line, no stack', () => {
    const r = node(binPath, ['conformance', 'memory://', '--frobnicate']);
    expect(r.status).toBe(2);
    expect(r.err).toBe(
      'eventport: unknown option --frobnicate for "eventport conformance" (see "eventport conformance --help")\n',
    );
  });

  it('unknown scheme: exit 1, one line naming the package', () => {
    const r = node(binPath, ['produce', 'nats://127.0.0.1:4222/orders', 'orders', '--data', '1']);
    expect(r.status).toBe(1);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/^eventport: no adapter for "nats:\/\/" is installed .*install @eventport\/nats/);
  });

  it('conformance memory:// passes (a part of the suite) with plain lines when not a TTY', () => {
    const r = node(binPath, ['conformance', 'memory://', '--only', 'round-trip,missing-topic,escape-hatch']);
    expect(r.err).toBe('');
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/^PASS {2}missing-topic/m);
    expect(r.out).toMatch(/^round-trip\s+✓ verified$/m);
  });
});

describe('scripts/capability-matrix.mjs', () => {
  it('rewrites the matrix between the markers and --check detects staleness', () => {
    const dir = mkdtempSync(join(tmpdir(), 'eventport-matrix-'));
    const readme = join(dir, 'README.md');
    writeFileSync(
      readme,
      '# X\n\n<!-- capability-matrix:start -->\nold\n<!-- capability-matrix:end -->\n\nafter\n',
    );
    const stale = node(script, ['--check', '--readme', readme]);
    expect(stale.status).toBe(1);
    expect(stale.err).toMatch(/is stale; run: node packages\/cli\/scripts\/capability-matrix.mjs/);
    const write = node(script, ['--readme', readme]);
    expect(write.status).toBe(0);
    const doc = readFileSync(readme, 'utf8');
    expect(doc).toMatch(/<!-- capability-matrix:start -->\n\| guarantee \| memory/);
    expect(doc).toMatch(/\| `consume\.exactly-once` \| <span title="[^"]+">emulated<\/span>/);
    expect(doc).toMatch(/<!-- capability-matrix:end -->\n\nafter\n$/);
    expect(node(script, ['--check', '--readme', readme]).status).toBe(0);
  });

  it('fails clearly without the markers', () => {
    const dir = mkdtempSync(join(tmpdir(), 'eventport-matrix-'));
    const readme = join(dir, 'README.md');
    writeFileSync(readme, '# no markers\n');
    const r = node(script, ['--check', '--readme', readme]);
    expect(r.status).toBe(1);
    expect(r.err).toMatch(
      /markers <!-- capability-matrix:start --> and <!-- capability-matrix:end --> were not found/,
    );
  });
});
