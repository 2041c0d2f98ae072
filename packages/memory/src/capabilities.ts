import { CapabilityReport } from '@eventport/core/driver';

/** What the embedded broker honours. It is the reference: nearly everything is native. */
export function memoryCapabilities(
  maxEventSize: number,
  faulty: boolean,
  retentionMs = Infinity,
): CapabilityReport {
  const retained = retentionMs > 0;
  return new CapabilityReport('memory', faulty ? 'faulty' : retained ? 'default' : 'retention-off', {
    'publish.at-most-once': {
      level: 'native',
      detail: 'in-process append; at-most-once sends are not retried',
    },
    'publish.at-least-once': { level: 'native', detail: 'the append is synchronous and acknowledged' },
    'publish.idempotent': {
      level: 'native',
      detail: 'resends with the same source+id within 5 minutes are dropped',
    },
    'consume.at-most-once': { level: 'emulated', detail: 'EventPort acknowledges before the handler runs' },
    'consume.at-least-once': { level: 'native', detail: 'leases: unacknowledged events are redelivered' },
    'consume.exactly-once': {
      level: 'emulated',
      detail: 'idempotent consumer: processed source+id pairs are remembered in the idempotency store',
    },
    'order.per-key': { level: 'native', detail: 'a key with an event in flight holds its later events back' },
    'order.global': { level: 'unsupported', detail: 'topics are partitioned; order holds per key only' },
    'fan-out': { level: 'native', detail: 'each group has its own cursor over the log' },
    'competing-consumers': { level: 'native', detail: 'consumers of a group share its events one by one' },
    nack: { level: 'native', detail: 'a nacked event returns to its group' },
    'redelivery-delay': { level: 'native', detail: 'nack with delay; the event is invisible until then' },
    'dead-letter': { level: 'native', detail: 'moved to the dead-letter topic with reason and attempts' },
    replay: retained
      ? { level: 'native', detail: 'a group can start at the earliest record, an offset or a time' }
      : { level: 'unsupported', detail: 'retentionMs=0: records every group has taken are dropped' },
    retention: retained
      ? { level: 'native', detail: 'records are kept after consumption until retentionMs (default forever)' }
      : { level: 'unsupported', detail: 'retentionMs=0: records every group has taken are dropped' },
    'delayed-delivery': { level: 'native', detail: 'the record is appended when its delay has passed' },
    'batch.publish': { level: 'native', detail: 'a batch is appended in one call' },
    'batch.consume': { level: 'native', detail: 'receivers take up to maxInFlight events per call' },
    'lease-extension': { level: 'native', detail: 'a lease can be extended while a handler runs' },
    'max-event-size': { level: 'native', detail: 'maxEventSize option (default 1 MiB)', limit: maxEventSize },
    pull: { level: 'native', detail: 'receivers pull with a wait' },
    push: { level: 'unsupported', detail: 'the embedded broker has no endpoints to push to' },
  });
}
