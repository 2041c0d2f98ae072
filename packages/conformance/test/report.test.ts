import { CapabilityReport, connect, type Guarantee } from '@eventport/core';
import type { Driver } from '@eventport/core/driver';
import { MemoryBroker, memoryCapabilities } from '@eventport/memory';
import {
  CHECKS,
  CheckFailed,
  NotVerified,
  defineCheck,
  describeTarget,
  formatFor,
  mergeReports,
  openSession,
  parseReport,
  passed,
  runCheck,
  runConformance,
  selectChecks,
  strictVariant,
  toConformanceReport,
  toHtml,
  toJson,
  toMarkdown,
  urlHarness,
  type BrokerReport,
  type Harness,
} from '@eventport/conformance';

const instances: string[] = [];
function memoryHarness(extra: Partial<Harness> = {}, caps?: CapabilityReport): Harness {
  const name = `report-test-${instances.length}-${process.pid}`;
  instances.push(name);
  const base = urlHarness(`memory://${name}`);
  // a memory broker that declares `caps` instead of its own: what a different adapter would say
  const wrap =
    caps === undefined
      ? undefined
      : (d: Driver): Driver => Object.assign(Object.create(d) as Driver, { capabilities: caps });
  return {
    ...base,
    connect: (extras) =>
      connect(`memory://${name}`, {
        ...extras,
        wrapDriver: (d) => (extras?.wrapDriver ?? ((x) => x))(wrap ? wrap(d) : d),
      }),
    ...extra,
  };
}
afterAll(() => instances.forEach((n) => MemoryBroker.reset(n)));

/** Memory's declarations with some guarantees declared unsupported. */
function without(...gs: Guarantee[]): CapabilityReport {
  const base = memoryCapabilities(1024 * 1024, false);
  const entries = { ...base.entries };
  for (const g of gs) entries[g] = { level: 'unsupported', detail: `test: no ${g}` };
  return new CapabilityReport('fake', 'default', entries);
}

describe('gating by declared capabilities only', () => {
  it('skips exactly the checks whose required guarantees are declared unsupported', async () => {
    const caps = without('fan-out', 'dead-letter', 'replay');
    const report = await runConformance(memoryHarness({}, caps), {
      only: ['fan-out', 'dead-letter', 'replay', 'retention', 'escape-hatch', 'declared-unsupported'],
    });
    const status = Object.fromEntries(report.checks.map((c) => [c.id, c.status]));
    expect(status).toEqual({
      'declared-unsupported': 'passed',
      'escape-hatch': 'passed',
      'fan-out': 'skipped',
      'dead-letter': 'skipped',
      replay: 'skipped',
    });
    const row = (g: string) => report.rows.find((r) => r.row === g)!;
    expect(row('fan-out')).toMatchObject({
      status: 'unsupported',
      reason: 'test: no fan-out',
      claim: { level: 'unsupported' },
    });
    // retention is declared, but its only check needs replay, which is not
    expect(row('retention')).toMatchObject({ status: 'not-verified', claim: { level: 'native' } });
    expect(row('retention').reason).toMatch(/replay: needs replay \(declared unsupported: test: no replay\)/);
    expect(row('declared-unsupported').evidence?.summary).toMatch(
      /require refused for each of 5 unsupported guarantees/,
    );
    expect(report.label).toBe('fake');
  });

  it('every guarantee of the vocabulary has a row, and every check is gated by its requirements', () => {
    const suite = selectChecks(undefined);
    expect(suite).toHaveLength(CHECKS.length);
    for (const c of CHECKS) for (const g of c.verifies) expect(c.requires).toContain(g);
  });

  it('selects by check id or guarantee name; unknown names are errors', () => {
    expect(selectChecks(['consume.at-least-once']).map((c) => c.id)).toEqual([
      'redelivery',
      'handler-attempts',
      'handler-attempts-takeover',
      'durability',
    ]);
    expect(selectChecks(['drain', 'order.per-key']).map((c) => c.id)).toEqual([
      'per-key-order',
      'per-key-order-publish-fault',
      'per-key-order-near-lease',
      'drain',
    ]);
    expect(() => selectChecks(['fanout'])).toThrow(/"fanout" is neither a check nor a guarantee/);
  });
});

describe('runCheck turns every outcome into a result', () => {
  const session = () => openSession(memoryHarness({ timing: { checkTimeoutMs: 300 } }));
  const check = (run: () => Promise<never>) =>
    defineCheck({ id: 'custom', title: 'custom', verifies: ['pull'], run });

  it('a hang is bounded by checkTimeoutMs and cleans up', async () => {
    let topic = '';
    const s = await session();
    const hang = defineCheck({
      id: 'hang',
      title: 'hangs',
      run: async (ctx) => {
        topic = await ctx.topic();
        return new Promise(() => undefined);
      },
    });
    const r = await runCheck(s, hang);
    expect(r).toMatchObject({
      status: 'failed',
      evidence: { summary: 'the check did not finish within 300 ms' },
    });
    const raw = (await s.harness.connect()).raw<MemoryBroker>();
    expect(raw.hasTopic(topic)).toBe(false);
  });

  it('NotVerified, CheckFailed and unexpected errors', async () => {
    const s = await session();
    expect(
      await runCheck(
        s,
        check(() => Promise.reject(new NotVerified('no way to tell'))),
      ),
    ).toMatchObject({ status: 'not-verified', reason: 'no way to tell' });
    expect(
      await runCheck(
        s,
        check(() => Promise.reject(new CheckFailed('bad', { firstBad: '#1' }))),
      ),
    ).toMatchObject({
      status: 'failed',
      evidence: { summary: 'bad', firstBad: '#1' },
    });
    expect(
      await runCheck(
        s,
        check(() => Promise.reject(new RangeError('boom'))),
      ),
    ).toMatchObject({
      status: 'failed',
      evidence: { summary: 'unexpected error: RangeError: boom' },
    });
  });
});

describe('harness helpers', () => {
  it('strictVariant turns off topic auto-creation', () => {
    expect(strictVariant('memory://x?partitions=2')).toBe('memory://x?partitions=2&autoCreateTopics=false');
    expect(strictVariant({ kind: 'memory', name: 'x' })).toEqual({
      kind: 'memory',
      name: 'x',
      autoCreateTopics: false,
    });
  });
  it('describeTarget removes secrets', () => {
    expect(describeTarget('kafka://user:hunter2@h:9092?password=x')).not.toMatch(/hunter2|password=x/);
    expect(describeTarget({ kind: 'sqs', secretAccessKey: 'abc', region: 'eu' })).not.toMatch(/abc/);
    expect(describeTarget({ kind: 'eventgrid', key: 'SUPERSECRETKEY', endpoint: 'h' })).not.toMatch(
      /SUPERSECRETKEY/,
    );
    const pubsub = describeTarget({
      kind: 'pubsub',
      projectId: 'p',
      credentials: { client_email: 'a', private_key: 'PRIVKEY' },
    } as never);
    expect(pubsub).not.toMatch(/PRIVKEY/);
    expect(pubsub).toContain('projectId=p');
  });
  it('formatFor picks the format by extension', () => {
    expect(['a.json', 'b.MD', 'c.markdown', 'd.html', 'e.htm', 'f.txt'].map(formatFor)).toEqual([
      'json',
      'md',
      'md',
      'html',
      'html',
      undefined,
    ]);
  });
});

describe('report model', () => {
  let clean: BrokerReport;
  let faulty: BrokerReport;
  beforeAll(async () => {
    clean = await runConformance(memoryHarness(), { only: ['fan-out', 'escape-hatch'] });
    const name = `report-test-faulty-${process.pid}`;
    instances.push(name);
    faulty = await runConformance(urlHarness(`memory://${name}?fault=drop`, { timing: { timeoutMs: 500 } }), {
      only: ['fan-out', 'escape-hatch'],
    });
  }, 30_000);

  it('puts the claim beside the result', () => {
    const fan = clean.rows.find((r) => r.row === 'fan-out')!;
    expect(fan).toMatchObject({ status: 'verified', claim: { level: 'native' }, checks: ['fan-out'] });
    expect(clean.rows.find((r) => r.row === 'push')).toMatchObject({ status: 'unsupported' });
    expect(clean.rows.find((r) => r.row === 'replay')).toMatchObject({
      status: 'not-verified',
      reason: 'not selected in this run',
    });
    const bad = faulty.rows.find((r) => r.row === 'fan-out')!;
    expect(bad).toMatchObject({
      status: 'failed',
      evidence: { firstBad: 'event #9 never arrived', counts: { sent: 500, received: 450 } },
    });
    expect(passed(clean)).toBe(true);
    expect(passed(faulty)).toBe(false);
  });

  it('merges brokers into one matrix; the same label keeps its latest run', () => {
    const m = mergeReports(toConformanceReport([clean]), faulty, {
      ...clean,
      startedAt: '2000-01-01T00:00:00.000Z',
    });
    expect(m.brokers.map((b) => b.label)).toEqual(['memory', 'memory (faulty)']);
    expect(m.brokers[0]!.startedAt).toBe(clean.startedAt);
    expect(passed(m)).toBe(false);
  });

  it('JSON round-trips; anything else is refused', () => {
    const m = mergeReports(clean, faulty);
    expect(parseReport(toJson(m))).toEqual(m);
    expect(parseReport(JSON.stringify(clean)).brokers[0]).toEqual(clean);
    expect(() => parseReport('{')).toThrow(/invalid JSON/);
    expect(() => parseReport('{"a":1}')).toThrow(/not a conformance report/);
    expect(() => parseReport(JSON.stringify({ ...m, version: 9 }))).toThrow(
      /unsupported conformance report version 9/,
    );
  });

  it('Markdown: one matrix, failures with evidence', () => {
    const md = toMarkdown(mergeReports(clean, faulty));
    expect(md).toMatch(/^\| guarantee \/ check \| memory \| memory \(faulty\) \|$/m);
    expect(md).toMatch(/^\| `fan-out` \| ✅ verified \(native\) \| ❌ \*\*failed\*\* \(native\) \|$/m);
    expect(md).toMatch(/^\| `push` \| ⛔ unsupported \| ⛔ unsupported \|$/m);
    expect(md).toMatch(
      /- \*\*fan-out\*\* \(claimed native\): subscription 1: 450 of 500 events arrived — first bad: event #9 never arrived/,
    );
  });

  it('HTML escapes what it shows', () => {
    const evil = {
      ...faulty,
      label: '<script>alert(1)</script>',
      rows: faulty.rows.map((r) => ({ ...r, reason: '"><img src=x onerror=alert(1)>' })),
    };
    const html = toHtml(toConformanceReport([evil]));
    expect(html).not.toMatch(/<script>alert|<img src=x/);
    expect(html).toMatch(/&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  });
});
