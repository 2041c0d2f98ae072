import { MemoryBroker } from '@eventport/memory';
import { urlHarness, type BrokerReport } from '@eventport/conformance';
import { describeConformance } from '@eventport/conformance/jest';

/**
 * The suite against one embedded broker (`memory://<name><query>`), through the jest entry:
 * every check the declarations allow must pass, every supported guarantee must come out verified,
 * every unsupported one reported unsupported — and the rows in `unsupported` must be among them.
 */
export function describeMemorySuite(
  name: string,
  query: string,
  title: string,
  unsupported: readonly string[],
): void {
  let report: BrokerReport | undefined;
  describeConformance(
    () => urlHarness(`memory://${name}${query}`, { isNativeClient: (raw) => raw instanceof MemoryBroker }),
    { title, onReport: (r) => (report = r) },
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
    for (const row of unsupported) expect(rows.find((r) => r.row === row)?.status).toBe('unsupported');
  });
}
