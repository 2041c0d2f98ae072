import type {
  Driver,
  DriverFactory,
  DriverReceiver,
  DriverSender,
  ReceiverOptions,
  SenderOptions,
  TopicOptions,
  CapabilityReport,
} from '@eventport/core/driver';
import { ClosedError, TopicNotFoundError } from '@eventport/core/driver';
import { memoryCapabilities } from './capabilities.js';
import { parseMemoryConfig, type MemoryConfig } from './config.js';
import { MemoryBroker } from './memory-broker.js';
import { MemoryReceiver } from './receiver.js';
import { MemorySender } from './sender.js';

/** The driver behind `memory://NAME`: one connection to a shared in-process broker. */
export class MemoryDriver implements Driver {
  readonly name = 'memory';
  readonly capabilities: CapabilityReport;
  readonly broker: MemoryBroker;
  private readonly open = new Set<{ close(): Promise<void> }>();
  private closed = false;

  constructor(readonly config: MemoryConfig) {
    this.broker = MemoryBroker.instance(config.name, config);
    this.capabilities = memoryCapabilities(
      config.maxEventSize,
      Object.keys(config.faults).length > 0,
      config.retentionMs,
    );
  }

  describe(): string {
    const faults = Object.keys(this.config.faults);
    return `memory://${this.config.name}${faults.length ? ` (faults: ${faults.join(', ')})` : ''}`;
  }

  openSender(topic: string, options: SenderOptions): Promise<DriverSender> {
    return this.track(() => {
      this.requireTopic(topic);
      return new MemorySender(this.broker, topic, options.idempotent, this.config.faults);
    });
  }

  openReceiver(topic: string, options: ReceiverOptions): Promise<DriverReceiver> {
    return this.track(() => {
      this.requireTopic(topic);
      const ordered = options.orderedByKey && this.config.faults.reorder !== true;
      const group = this.broker.group(topic, options.group, options.from, {
        orderedByKey: ordered,
        deadLetter: options.deadLetter,
      });
      return new MemoryReceiver(group, options, this.config.faults);
    });
  }

  createTopic(topic: string, options?: TopicOptions): Promise<void> {
    this.broker.createTopic(topic, options?.partitions);
    return Promise.resolve();
  }

  deleteTopic(topic: string): Promise<void> {
    this.broker.deleteTopic(topic);
    return Promise.resolve();
  }

  /** The MemoryBroker instance (inspect topics, records, groups). */
  raw(): MemoryBroker {
    return this.broker;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.open].map((o) => o.close()));
  }

  /** autoCreateTopics=false is this connection's setting, even on an instance others created with it on. */
  private requireTopic(topic: string): void {
    if (!this.config.autoCreateTopics && !this.broker.hasTopic(topic)) throw new TopicNotFoundError(topic);
  }

  private track<T extends { close(): Promise<void> }>(make: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new ClosedError(this.describe()));
    try {
      const o = make();
      this.open.add(o);
      return Promise.resolve(o);
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }
}

/** Registered for the `memory` scheme. */
export const memoryDriverFactory: DriverFactory = {
  scheme: 'memory',
  packageName: '@eventport/memory',
  create: (url, options) => new MemoryDriver(parseMemoryConfig(url, options)),
};
