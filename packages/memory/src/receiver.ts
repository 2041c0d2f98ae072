import type { DriverReceiver, ReceivedMessage, ReceiverOptions } from '@eventport/core/driver';
import { EveryNth, type MemoryFaults } from './faults.js';
import type { Group } from './group.js';

const POLL_WAIT_MS = 1_000;

/**
 * One consumer's view of a group. Messages it received and did not settle go
 * back to the group when it closes (immediate redelivery to other consumers).
 */
export class MemoryReceiver implements DriverReceiver {
  readonly settlement = 'per-message' as const;
  private readonly mine = new Set<number>();
  private readonly duplicate: EveryNth;
  private readonly loseAck: EveryNth;
  private closed = false;

  constructor(
    private readonly group: Group,
    options: ReceiverOptions,
    private readonly faults: MemoryFaults,
  ) {
    group.leaseMs = options.leaseMs;
    this.duplicate = new EveryNth(faults.duplicate);
    this.loseAck = new EveryNth(faults.crashBeforeAck);
  }

  async receive(max: number, signal: AbortSignal): Promise<ReceivedMessage[]> {
    const deadline = Date.now() + POLL_WAIT_MS;
    for (;;) {
      if (this.closed || signal.aborted) return [];
      const leases = this.group.take(max);
      if (leases.length > 0) return this.toMessages(leases);
      const left = deadline - Date.now();
      if (left <= 0) return [];
      await this.group.wait(left, signal);
    }
  }

  ack(messages: readonly ReceivedMessage[]): Promise<void> {
    for (const m of messages) {
      const token = m.handle as number;
      if (!this.mine.delete(token)) continue;
      if (this.loseAck.hit()) continue; // fault: the ack never reaches the broker
      this.group.ack(token);
    }
    return Promise.resolve();
  }

  nack(message: ReceivedMessage, delayMs: number): Promise<void> {
    const token = message.handle as number;
    if (this.mine.delete(token)) this.group.nack(token, this.faults.delay === true ? 0 : delayMs);
    return Promise.resolve();
  }

  deadLetter(message: ReceivedMessage, reason: string): Promise<void> {
    const token = message.handle as number;
    if (this.mine.delete(token)) this.group.deadLetter(token, reason);
    return Promise.resolve();
  }

  extendLease(message: ReceivedMessage, ms: number): Promise<void> {
    this.group.extend(message.handle as number, ms);
    return Promise.resolve();
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.group.release(this.mine);
      this.mine.clear();
    }
    return Promise.resolve();
  }

  private toMessages(leases: ReturnType<Group['take']>): ReceivedMessage[] {
    const out: ReceivedMessage[] = [];
    for (const l of leases) {
      this.mine.add(l.token);
      const m: ReceivedMessage = {
        event: l.record.event,
        deliveryCount: l.deliveryCount,
        partition: String(l.record.partition),
        offset: l.record.offset,
        handle: l.token,
      };
      out.push(m);
      if (this.duplicate.hit()) out.push(m);
    }
    if (this.faults.reorder === true) out.reverse();
    return out;
  }
}
