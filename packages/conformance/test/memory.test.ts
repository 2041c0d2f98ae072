// The suite against the embedded broker, through the jest entry: every check
// the declarations allow must pass, and every supported guarantee must come out
// verified.
import { MemoryBroker } from '@eventport/memory';
import { urlHarness, type BrokerReport } from '@eventport/conformance';
import { describeConformance } from '@eventport/conformance/jest';

const name = `conformance-selftest-${process.pid}`;
let report: BrokerReport | undefined;

describeConformance(
  () => urlHarness(`memory://${name}`, { isNativeClient: (raw) => raw instanceof MemoryBroker }),
  {
    title: 'conformance of memory://',
    onReport: (r) => (report = r),
  },
);

afterAll(() => {
  MemoryBroker.reset(name);
  expect(report).toBeDefined();
  const rows = report!.rows;
  const wrong = rows.filter((r) =>
    r.claim.level === 'unsupported' ? r.status !== 'unsupported' : r.status !== 'verified',
  );
  // push has no portable check (it needs an endpoint); memory declares it unsupported anyway
  expect(wrong.map((r) => `${r.row}: ${r.status} (${r.reason ?? r.evidence?.summary ?? ''})`)).toEqual([]);
  expect(report!.summary.failed).toBe(0);
  expect(rows.find((r) => r.row === 'push')?.status).toBe('unsupported');
  expect(rows.find((r) => r.row === 'order.global')?.status).toBe('unsupported');
});
