/**
 * The `eventport` command as a library: `main(argv, io)` runs it in-process
 * (tests inject stdout/stderr); the rest builds the capability matrix.
 */
export { main, HELP, VERSION, type CliDeps } from './main.js';
export { nodeIo, type CliIo, type Out } from './io.js';
export { UsageError } from './args.js';
export {
  discoverAdapters,
  allVariants,
  type AdapterInfo,
  type CapabilityVariantsExport,
  type DiscoverOptions,
} from './adapters.js';
export { textMatrix, markdownMatrix, replaceBetweenMarkers, MATRIX_START, MATRIX_END } from './matrix.js';
export { resultMatrix } from './commands/conformance.js';
