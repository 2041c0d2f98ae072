import { connect } from '@eventport/core';
import type { CapabilityReport } from '@eventport/core';
import { DEFAULT_TIMING } from '@eventport/conformance';
import { leaseTimingFor } from '../src/lease-timing';

async function withLeaseLimit(limit: number | undefined): Promise<CapabilityReport> {
  const broker = await connect(`memory://lease-timing-${process.pid}`);
  const real = broker.capabilities;
  await broker.close();
  return {
    ...real,
    get: (g: Parameters<CapabilityReport['get']>[0]) =>
      g === 'lease-extension' ? { ...real.get(g), ...(limit === undefined ? {} : { limit }) } : real.get(g),
  } as CapabilityReport;
}

it("a broker whose shortest lease is longer than the suite's gets lease checks scaled to it", async () => {
  const timing = { ...DEFAULT_TIMING, leaseMs: 2_000, checkTimeoutMs: 120_000 };
  expect(leaseTimingFor(await withLeaseLimit(60_000), timing)).toEqual({
    leaseMs: 25_000,
    checkTimeoutMs: 175_000,
  });
  expect(leaseTimingFor(await withLeaseLimit(undefined), timing)).toBeUndefined();
  expect(leaseTimingFor(await withLeaseLimit(1_000), timing)).toBeUndefined();
});
