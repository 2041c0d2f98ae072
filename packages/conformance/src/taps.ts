import type {
  Driver,
  DriverReceiver,
  DriverSender,
  OutgoingEvent,
  ReceivedMessage,
  ReceiverOptions,
  SendOutcome,
  SenderOptions,
} from '@eventport/core/driver';

/**
 * Hooks between the portable layer and a driver, for injecting faults that a
 * real broker cannot be asked for and for observing what crosses the SPI.
 * Used through `connect(target, { wrapDriver: tapDriver(tap) })`.
 */
export interface DriverTap {
  /** Around each `send` of a batch: call `send()` to reach the broker (or don't). */
  send?(batch: readonly OutgoingEvent[], send: () => Promise<SendOutcome[]>): Promise<SendOutcome[]>;
  /** Sees each batch a receiver returned. */
  received?(messages: readonly ReceivedMessage[]): void;
  /** Around each `ack`: call `ack()` to reach the broker (or don't: the ack is lost). */
  ack?(messages: readonly ReceivedMessage[], ack: () => Promise<void>): Promise<void>;
  /** Around each `commit` (log brokers). */
  commit?(partition: string, nextOffset: number, commit: () => Promise<void>): Promise<void>;
}

/** A `wrapDriver` function applying `tap` to every sender and receiver the driver opens. */
export function tapDriver(tap: DriverTap): (driver: Driver) => Driver {
  return (driver) => new TappedDriver(driver, tap);
}

class TappedDriver implements Driver {
  readonly createTopic: Driver['createTopic'];
  readonly deleteTopic: Driver['deleteTopic'];

  constructor(
    private readonly inner: Driver,
    private readonly tap: DriverTap,
  ) {
    this.createTopic = inner.createTopic?.bind(inner);
    this.deleteTopic = inner.deleteTopic?.bind(inner);
  }

  get name(): string {
    return this.inner.name;
  }

  get capabilities(): Driver['capabilities'] {
    return this.inner.capabilities;
  }

  describe(): string {
    return this.inner.describe();
  }

  async openSender(topic: string, options: SenderOptions): Promise<DriverSender> {
    const sender = await this.inner.openSender(topic, options);
    const tap = this.tap;
    if (tap.send === undefined) return sender;
    const around = tap.send.bind(tap);
    return {
      send: (batch) => around(batch, () => sender.send(batch)),
      close: () => sender.close(),
    };
  }

  async openReceiver(topic: string, options: ReceiverOptions): Promise<DriverReceiver> {
    const r = await this.inner.openReceiver(topic, options);
    const tap = this.tap;
    const wrapped: {
      -readonly [K in keyof DriverReceiver]: DriverReceiver[K];
    } = {
      settlement: r.settlement,
      receive: async (max, signal) => {
        const messages = await r.receive(max, signal);
        if (messages.length > 0) tap.received?.(messages);
        return messages;
      },
      ack: (messages) => (tap.ack !== undefined ? tap.ack(messages, () => r.ack(messages)) : r.ack(messages)),
      close: () => r.close(),
    };
    // Optional methods stay absent when the driver lacks them: the portable layer checks for them.
    if (r.nack !== undefined) wrapped.nack = r.nack.bind(r);
    if (r.deadLetter !== undefined) wrapped.deadLetter = r.deadLetter.bind(r);
    if (r.extendLease !== undefined) wrapped.extendLease = r.extendLease.bind(r);
    if (r.commit !== undefined) {
      const commit = r.commit.bind(r);
      wrapped.commit = (partition, next) =>
        tap.commit !== undefined
          ? tap.commit(partition, next, () => commit(partition, next))
          : commit(partition, next);
    }
    return wrapped;
  }

  raw(): unknown {
    return this.inner.raw();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
