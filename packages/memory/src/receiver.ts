import type { DriverReceiver, ReceivedMessage, ReceiverOptions } from '@eventport/core/driver';
import { EveryNth, GIVE_BACK_GRACE_MS, SHORT_LEASE_SHARE, type MemoryFaults } from './faults.js';
import type { Group, Lease } from './group.js';

const POLL_WAIT_MS = 1_000;

/**
 * One consumer's view of a group. Messages it received and did not settle go
 * back to the group when it closes (immediate redelivery to other consumers).
 */
export class MemoryReceiver implements DriverReceiver {
  readonly settlement = 'per-message' as const;
  private readonly duplicate: EveryNth;
  private readonly loseAck: EveryNth;
  private closed = false;
  private readonly leaseMs: number;

  constructor(
    private readonly group: Group,
    options: ReceiverOptions,
    private readonly faults: MemoryFaults,
  ) {
    this.leaseMs = options.leaseMs;
    this.duplicate = new EveryNth(faults.duplicate);
    this.loseAck = new EveryNth(faults.crashBeforeAck);
  }

  async receive(max: number, signal: AbortSignal): Promise<ReceivedMessage[]> {
    const deadline = Date.now() + POLL_WAIT_MS;
    for (;;) {
      if (this.closed || signal.aborted) return [];
      const leaseMs = this.faults.shortLease === true ? this.leaseMs * SHORT_LEASE_SHARE : this.leaseMs;
      const leases = this.group.take(max, leaseMs);
      if (leases.length > 0) return this.toMessages(leases);
      const left = deadline - Date.now();
      if (left <= 0) return [];
      await this.group.wait(left, signal);
    }
  }

  ack(messages: readonly ReceivedMessage[]): Promise<void> {
    for (const m of messages) {
      const lease = m.handle as Lease;
      if (lease.owner !== this) continue;
      lease.owner = undefined;
      if (this.loseAck.hit()) continue; // fault: the ack never reaches the broker
      this.group.ack(lease);
    }
    return Promise.resolve();
  }

  nack(message: ReceivedMessage, delayMs: number): Promise<void> {
    const lease = this.own(message);
    if (lease !== undefined) this.group.nack(lease, this.faults.delay === true ? 0 : delayMs);
    return Promise.resolve();
  }

  deadLetter(message: ReceivedMessage, reason: string): Promise<void> {
    const lease = this.own(message);
    if (lease !== undefined) this.group.deadLetter(lease, reason);
    return Promise.resolve();
  }

  extendLease(message: ReceivedMessage, ms: number): Promise<void> {
    if (this.faults.ignoreExtend === true) return Promise.resolve(); // fault: accepted, not applied
    this.group.extend(message.handle as Lease, ms);
    return Promise.resolve();
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    this.group.release(this);
    return this.faults.countGiveBacks === true ? this.giveBackCounted() : Promise.resolve();
  }

  /** Fault `countGiveBacks`: takes what arrives within a grace and gives it back, counted as a delivery. */
  private async giveBackCounted(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, GIVE_BACK_GRACE_MS));
    for (const lease of this.group.take(1_000, this.leaseMs)) this.group.nack(lease, 0);
  }

  /** Takes a message's lease out of this receiver's hands (undefined when already settled). */
  private own(message: ReceivedMessage): Lease | undefined {
    const lease = message.handle as Lease;
    if (lease.owner !== this) return undefined;
    lease.owner = undefined;
    return lease;
  }

  private toMessages(leases: Lease[]): ReceivedMessage[] {
    const dup = this.faults.duplicate !== undefined;
    const out: Lease[] = dup ? [] : leases;
    for (const l of leases) {
      l.owner = this;
      if (dup) {
        out.push(l);
        if (this.duplicate.hit()) out.push(l);
      }
    }
    if (this.faults.reorder === true) out.reverse();
    return this.faults.shortLease === true ? out.map((l) => this.declareFullLease(l)) : out;
  }

  /**
   * Fault `shortLease`: the message as a driver would hand it over that held it back and lost
   * track of its deadline: it declares a full lease from now while the broker's runs out sooner.
   */
  private declareFullLease(lease: Lease): ReceivedMessage {
    const { event, deliveryCount, partition, offset } = lease;
    return { event, deliveryCount, partition, offset, handle: lease, leaseUntil: Date.now() + this.leaseMs };
  }
}
