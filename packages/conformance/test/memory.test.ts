// The suite against the embedded broker, through the jest entry: every check
// the declarations allow must pass, and every supported guarantee must come out
// verified. push has no portable check (it needs an endpoint); memory declares it
// unsupported anyway.
import { describeMemorySuite } from './memory-suite.js';

describeMemorySuite(`conformance-selftest-${process.pid}`, '', 'conformance of memory://', [
  'push',
  'order.global',
]);
