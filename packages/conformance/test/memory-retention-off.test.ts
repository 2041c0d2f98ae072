// The suite against the embedded broker with retention off (retentionMs=0:
// records every group has taken are dropped). Every guarantee it declares must
// come out verified; replay and retention are declared unsupported and must be
// reported so (their check is not run).
import { describeMemorySuite } from './memory-suite.js';

describeMemorySuite(
  `conformance-retention-off-${process.pid}`,
  '?retentionMs=0',
  'conformance of memory:// with retention off',
  ['replay', 'retention'],
);
