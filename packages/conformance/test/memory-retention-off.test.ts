// The suite against the embedded broker with retention off (retentionMs=0:
// records every group has taken are dropped). Every guarantee it declares must
// come out verified; replay and retention are declared unsupported and must be
// reported so (their check is not run).
import { MemoryBroker } from '@eventport/memory';
import { urlHarness, type BrokerReport } from '@eventport/conformance';
import { describeConformance } from '@eventport/conformance/jest';

const name = `conformance-retention-off-${process.pid}`;
let report: BrokerReport | undefined;

describeConformance(
  () =>
    urlHarness(`memory://${name}?retentionMs=0`, { isNativeClient: (raw) => raw instanceof MemoryBroker }),
  {
    title: 'conformance of memory:// with retention off',
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
  expect(wrong.map((r) => `${r.row}: ${r.status} (${r.reason ?? r.evidence?.summary ?? ''})`)).toEqual([]);
  expect(report!.summary.failed).toBe(0);
  expect(rows.find((r) => r.row === 'replay')?.status).toBe('unsupported');
  expect(rows.find((r) => r.row === 'retention')?.status).toBe('unsupported');
});
