import type { CapabilityReport } from '@eventport/core';
import type { Timing } from './harness.js';

/**
 * The timing for checks of `lease-extension` on a broker whose shortest lease is longer than the
 * suite's (its capability entry's `limit`, ms: Event Grid locks for at least 60 s whatever is
 * asked). With the suite's short lease those checks would pass without a single renewal: their
 * handlers (up to 3 leases) would end inside the broker's first lock. So the lease becomes
 * `limit / 2.4` (handlers of 3 leases then outlast an unrenewed lock by a quarter) and the check's
 * time bound grows with it. Undefined when the broker's lease is not longer than the suite's.
 */
export function leaseTimingFor(capabilities: CapabilityReport, timing: Timing): Partial<Timing> | undefined {
  const shortest = capabilities.get('lease-extension').limit;
  if (shortest === undefined || shortest <= timing.leaseMs) return undefined;
  const leaseMs = Math.ceil(shortest / 2.4);
  return { leaseMs, checkTimeoutMs: Math.max(timing.checkTimeoutMs, 7 * leaseMs) };
}
