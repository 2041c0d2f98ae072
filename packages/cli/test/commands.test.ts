import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryBroker } from '@eventport/memory';
import { main } from '../src/main';
import { lines, onlyMemory, testIo } from './helpers';

const dir = mkdtempSync(join(tmpdir(), 'eventport-cli-'));
const names: string[] = [];
/** A memory:// URL of its own (the in-process broker is shared by name). */
function memory(query = ''): string {
  const name = `cli-${names.length}-${process.pid}`;
  names.push(name);
  return `memory://${name}${query}`;
}
afterAll(() => names.forEach((n) => MemoryBroker.reset(n)));

async function run(argv: string[], io = testIo()) {
  const code = await main(argv, io, { discover: onlyMemory });
  return { code, out: io.out(), err: io.err(), io };
}

describe('help and version', () => {
  it('--version', async () => {
    const r = await run(['--version']);
    expect([r.code, r.out]).toEqual([0, '0.1.0\n']);
  });
  it.each(['capabilities', 'conformance', 'produce', 'consume', 'doctor', 'report'])(
    '%s --help',
    async (cmd) => {
      const r = await run([cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(new RegExp(`^Usage: eventport ${cmd}`));
    },
  );
  it('--help lists every command and says memory:// is in-process', async () => {
    const r = await run(['--help']);
    expect(r.out).toMatch(/capabilities.*\n.*conformance.*\n.*produce.*\n.*consume.*\n.*doctor/);
    expect(r.out).toMatch(/memory:\/\/ is an in-process broker/);
  });
});

describe('capabilities', () => {
  it('prints the matrix of installed adapters', async () => {
    const r = await run(['capabilities']);
    expect(r.code).toBe(0);
    const [head, , first] = lines(r.out);
    expect(head).toMatch(/^guarantee\s+memory$/);
    expect(first).toMatch(/^publish\.at-most-once\s+native$/);
    expect(r.out).toMatch(/^order\.global\s+—$/m);
    expect(r.out).toMatch(/^max-event-size\s+native \(1 MiB\)$/m);
  });
  it('--broker memory --json', async () => {
    const r = await run(['capabilities', '--broker', 'memory', '--json']);
    expect(r.code).toBe(0);
    const data = JSON.parse(r.out) as {
      scheme: string;
      variants: { broker: string; guarantees: Record<string, { level: string }> }[];
    }[];
    expect(data).toHaveLength(1);
    expect(data[0]!.scheme).toBe('memory');
    expect(data[0]!.variants[0]!.guarantees['consume.exactly-once']!.level).toBe('emulated');
  });
  it('--broker memory shows each detail', async () => {
    const r = await run(['capabilities', '--broker', 'memory']);
    expect(r.out).toMatch(/capabilities of memory/);
    expect(r.out).toMatch(/dead-letter\s+native\s+moved to the dead-letter topic/);
  });
  it("uses an adapter's declared variants", async () => {
    const { memoryCapabilities } = await import('@eventport/memory');
    const io = testIo();
    const code = await main(['capabilities'], io, {
      discover: {
        importer: async (pkg) => {
          if (pkg !== '@eventport/memory')
            throw Object.assign(new Error('no'), { code: 'ERR_MODULE_NOT_FOUND' });
          return {
            capabilityVariants: () => [memoryCapabilities(1024, false), memoryCapabilities(2048, true)],
          };
        },
      },
    });
    expect(code).toBe(0);
    expect(lines(io.out())[0]).toMatch(/^guarantee\s+memory\s+memory \(faulty\)$/);
    expect(io.out()).toMatch(/max-event-size\s+native \(1 KiB\)\s+native \(2 KiB\)/);
  });
});

describe('produce and consume (one process: memory:// is in-process)', () => {
  it('produces JSON with a key and consumes it from the earliest position', async () => {
    const url = memory();
    const p = await run([
      'produce',
      url,
      'orders',
      '--data',
      '{"order":42}',
      '--key',
      'cust-1',
      '--type',
      'order.created',
      '--ext',
      'tenant=acme',
    ]);
    expect(p.code).toBe(0);
    expect(p.out).toMatch(/^sent [0-9a-f-]{36} to orders \(partition \d+, offset 0\)\n$/);
    expect(p.err).toMatch(/note: memory:\/\/ is an in-process broker/);
    const c = await run([
      'consume',
      url,
      'orders',
      '--from',
      'earliest',
      '--count',
      '1',
      '--json',
      '--timeout-ms',
      '5000',
    ]);
    expect(c.code).toBe(0);
    const doc = JSON.parse(lines(c.out)[0]!) as Record<string, unknown>;
    expect(doc).toMatchObject({
      type: 'order.created',
      source: '/eventport/cli',
      data: { order: 42 },
      key: 'cust-1',
      tenant: 'acme',
      specversion: '1.0',
    });
  });

  it('produces a binary file and a JSON file, pretty-prints them', async () => {
    const url = memory();
    const files = { 'blob.bin': Uint8Array.from([0, 1, 2, 255]), 'order.json': '{"n":1}' };
    expect((await run(['produce', url, 't', '--file', 'blob.bin'], testIo({ files }))).code).toBe(0);
    expect(
      (await run(['produce', url, 't', '--file', 'order.json', '--subject', 's1'], testIo({ files }))).code,
    ).toBe(0);
    const c = await run(['consume', url, 't', '--from', 'earliest', '--count', '2', '--timeout-ms', '5000']);
    expect(c.code).toBe(0);
    expect(c.out).toMatch(/── eventport\.cli {2}id=\S+ {2}source=\/eventport\/cli.*\n<4 bytes> 00 01 02 ff/);
    expect(c.out).toMatch(/subject=s1.*\n\{\n {2}"n": 1\n\}/);
  });

  it('a second consume of the same group gets nothing new; --count with a timeout exits 1', async () => {
    const url = memory();
    await run(['produce', url, 't', '--data', '1']);
    expect(
      (
        await run([
          'consume',
          url,
          't',
          '--group',
          'g',
          '--from',
          'earliest',
          '--count',
          '1',
          '--timeout-ms',
          '5000',
        ])
      ).code,
    ).toBe(0);
    const again = await run(['consume', url, 't', '--group', 'g', '--count', '1', '--timeout-ms', '200']);
    expect(again.code).toBe(1);
    expect(lines(again.err).pop()).toBe('eventport: received 0 of 1 events before the 200 ms timeout');
  });

  it('tails until interrupted', async () => {
    const url = memory();
    const io = testIo();
    const running = run(['consume', url, 't', '--from', 'latest'], io);
    await new Promise((r) => setTimeout(r, 100));
    await run(['produce', url, 't', '--data', '"hello"']);
    for (let i = 0; i < 100 && !io.out().includes('hello'); i++) await new Promise((r) => setTimeout(r, 10));
    io.interrupt();
    const r = await running;
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\nhello\n/);
  });
});

describe('doctor', () => {
  it('passes every step on memory://', async () => {
    const r = await run(['doctor', memory()]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/✓ url/);
    expect(r.out).toMatch(/✓ adapter\s+@eventport\/memory/);
    expect(r.out).toMatch(/✓ capabilities\s+memory: \d+ native, \d+ emulated, \d+ unsupported/);
    expect(r.out).toMatch(/✓ round trip\s+sent and received a probe event/);
    expect(r.out).toMatch(/all checks passed/);
  });
});

describe('conformance', () => {
  it('passes on memory:// and writes HTML, Markdown and JSON reports', async () => {
    const html = join(dir, 'r.html');
    const md = join(dir, 'r.md');
    const json = join(dir, 'r.json');
    const r = await run([
      'conformance',
      memory(),
      '--only',
      'round-trip',
      'fan-out',
      '--only',
      'order.per-key,dead-letter',
      '--report',
      html,
      '--report',
      md,
      '--report',
      json,
    ]);
    expect(r.code).toBe(0);
    // order.per-key selects the three checks that prove it
    expect(r.out).toMatch(/conformance of memory: 6 checks/);
    expect(r.out).toMatch(/^PASS {2}round-trip/m);
    expect(r.out).toMatch(/^PASS {2}per-key-order /m);
    expect(r.out).toMatch(/^PASS {2}per-key-order-publish-fault /m);
    expect(r.out).toMatch(/^PASS {2}per-key-order-near-lease /m);
    expect(r.out).toMatch(/^fan-out\s+✓ verified \(native\)$/m);
    expect(r.out).toMatch(/^order\.global\s+– unsupported$/m);
    expect(r.out).toMatch(/^replay\s+\? not verified \(native\)$/m);
    expect(readFileSync(html, 'utf8')).toMatch(
      /<td class="cell verified" data-broker="memory" data-row="fan-out"/,
    );
    expect(readFileSync(md, 'utf8')).toMatch(/\| `fan-out` \| ✅ verified \(native\) \|/);
    expect(JSON.parse(readFileSync(json, 'utf8'))).toMatchObject({
      format: 'eventport-conformance',
      brokers: [{ label: 'memory' }],
    });
  });

  it('exits 1 when a claim fails, with the evidence', async () => {
    const json = join(dir, 'drop.json');
    const r = await run([
      'conformance',
      memory('?fault=drop'),
      '--only',
      'fan-out',
      '--report',
      json,
      '--timeout-ms',
      '1000',
    ]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(
      /^FAIL {2}fan-out .*450 of 500 events arrived — first bad: event #9 never arrived/m,
    );
    expect(r.out).toMatch(/✗ fan-out \(claimed native\): subscription 1: 450 of 500 events arrived/);

    // merged with a passing run: one matrix, exit 1 because one broker failed
    const ok = join(dir, 'ok.json');
    expect((await run(['conformance', memory(), '--only', 'fan-out', '--report', ok])).code).toBe(0);
    const merged = join(dir, 'merged.html');
    const m = await run(['report', ok, json, '--out', merged]);
    expect(m.code).toBe(1);
    expect(m.out).toMatch(/2 brokers written to/);
    const page = readFileSync(merged, 'utf8');
    expect(page).toMatch(/data-broker="memory" data-row="fan-out" data-status="verified"/);
    expect(page).toMatch(/data-broker="memory \(faulty\)" data-row="fan-out" data-status="failed"/);
    const text = await run(['report', ok]);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/^fan-out\s+✓ verified \(native\)$/m);
  });

  it('two URLs with the same label become two columns', async () => {
    const r = await run(['conformance', memory(), memory('?partitions=1'), '--only', 'escape-hatch']);
    expect(r.code).toBe(0);
    expect(lines(r.out).find((l) => l.startsWith('guarantee'))).toMatch(
      /^guarantee\s+memory\s+memory memory:\/\/cli-\d+-\d+\?partitions=1$/,
    );
  });

  it('--merge adds an earlier report; a bad one is a usage error', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"hello": 1}');
    const r = await run(['conformance', memory(), '--merge', bad]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--merge .*bad.json: not a conformance report/);
  });

  it('--list names every check and what it verifies', async () => {
    const r = await run(['conformance', '--list']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^exactly-once\s+consume\.exactly-once$/m);
    expect(r.out).toMatch(/^drain\s+\(basic check\)$/m);
  });

  it('draws a progress bar on a terminal', async () => {
    const io = testIo({ tty: true });
    const r = await run(['conformance', memory(), '--only', 'escape-hatch,lifecycle'], io);
    expect(r.code).toBe(0);
    expect(r.err).toContain('\r\u001b[2K[');
    expect(r.err).toMatch(/\[\.+\] 0\/2 memory/);
    expect(r.err).toMatch(/\[#+\.*\] 1\/2 memory/);
    expect(r.out).toMatch(/^PASS {2}lifecycle/m);
  });
});
