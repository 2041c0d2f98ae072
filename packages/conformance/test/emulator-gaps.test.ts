/**
 * Emulator gaps declared on a harness: the check does not run, its result and its report rows say
 * "not verified (emulator gap: why)", never verified — even on a broker where it would pass.
 */
import { runConformance, urlHarness } from '@eventport/conformance';

it('a gap keyed by check id or by guarantee keeps the check from running and reports why', async () => {
  const name = `gaps-${process.pid}`;
  const harness = {
    ...urlHarness(`memory://${name}`, { timing: { timeoutMs: 2_000 } }),
    emulatorGaps: {
      'round-trip': 'the test broker drops headers',
      'fan-out': 'the test broker has no groups',
    },
  };
  const report = await runConformance(harness, { only: ['round-trip', 'fan-out', 'topic-isolation'] });
  const byId = new Map(report.checks.map((c) => [c.id, c]));
  expect(byId.get('round-trip')).toMatchObject({
    status: 'not-verified',
    durationMs: 0,
    reason: 'not verified (emulator gap: the test broker drops headers)',
  });
  expect(byId.get('fan-out')?.reason).toBe('not verified (emulator gap: the test broker has no groups)');
  expect(byId.get('topic-isolation')?.status).toBe('passed');
  const fanOutRow = report.rows.find((r) => r.row === 'fan-out');
  expect(fanOutRow?.status).toBe('not-verified');
  expect(fanOutRow?.reason).toMatch(/emulator gap: the test broker has no groups/);
});

it('a gap on a guarantee that no selected check proves marks its row, not "no portable check"', async () => {
  const { connect } = await import('@eventport/core');
  const { buildRows } = await import('@eventport/conformance');
  const broker = await connect(`memory://gaps-rows-${process.pid}`);
  try {
    const rows = buildRows(broker.capabilities, [], [], { 'fan-out': 'the test broker has no groups' });
    const fanOut = rows.find((r) => r.row === 'fan-out');
    expect(fanOut).toMatchObject({
      status: 'not-verified',
      reason: 'not verified (emulator gap: the test broker has no groups)',
    });
    const replay = rows.find((r) => r.row === 'replay');
    expect(replay?.reason).toBe('the suite has no portable check for replay');
  } finally {
    await broker.close();
  }
});

it("a harness's timingFor overrides the timing of the checks it names, and only those", async () => {
  const harness = {
    ...urlHarness(`memory://timing-for-${process.pid}`, { timing: { timeoutMs: 2_000 } }),
    timingFor: (check: { readonly id: string }) =>
      check.id === 'round-trip' ? { checkTimeoutMs: 1 } : undefined,
  };
  const report = await runConformance(harness, { only: ['round-trip', 'topic-isolation'] });
  const byId = new Map(report.checks.map((c) => [c.id, c]));
  expect(byId.get('round-trip')?.status).toBe('failed');
  expect(byId.get('round-trip')?.evidence?.summary).toMatch(/did not finish within 1 ms/);
  expect(byId.get('topic-isolation')?.status).toBe('passed');
});
