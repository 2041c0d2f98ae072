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
  /**
   * Around each `send` of a batch: call `send()` to reach the broker (or don't), or
   * `sendSome(entries)` to send only part of it (a request that failed after others went out).
   */
  send?(
    batch: readonly OutgoingEvent[],
    send: () => Promise<SendOutcome[]>,
    sendSome: (entries: readonly OutgoingEvent[]) => Promise<SendOutcome[]>,
  ): Promise<SendOutcome[]>;
  /** Sees each batch a receiver returned. */
  received?(messages: readonly ReceivedMessage[]): void;
  /** Around each `ack`: call `ack()` to reach the broker (or don't: the ack is lost). */
  ack?(messages: readonly ReceivedMessage[], ack: () => Promise<void>): Promise<void>;
  /** Around each `commit` (log brokers). */
  commit?(partition: string, nextOffset: number, commit: () => Promise<void>): Promise<void>;
  /** Around each lease extension (brokers with per-message leases; absent where the driver has none). */
  extendLease?(message: ReceivedMessage, ms: number, extend: () => Promise<void>): Promise<void>;
}

/** A `wrapDriver` function applying `tap` to every sender and receiver the driver opens. */
export function tapDriver(tap: DriverTap): (driver: Driver) => Driver {
  return (driver) =>
    delegate(driver, {
      openSender: async (topic: string, options: SenderOptions) =>
        tapSender(await driver.openSender(topic, options), tap),
      openReceiver: async (topic: string, options: ReceiverOptions) =>
        tapReceiver(await driver.openReceiver(topic, options), tap),
    });
}

function tapSender(sender: DriverSender, tap: DriverTap): DriverSender {
  const around = tap.send;
  if (around === undefined) return sender;
  return delegate(sender, {
    send: (batch: readonly OutgoingEvent[]) =>
      around.call(
        tap,
        batch,
        () => sender.send(batch),
        (entries) => sender.send(entries),
      ),
  });
}

function tapReceiver(r: DriverReceiver, tap: DriverTap): DriverReceiver {
  const overrides: Partial<DriverReceiver> = {
    receive: async (max, signal) => {
      const messages = await r.receive(max, signal);
      if (messages.length > 0) tap.received?.(messages);
      return messages;
    },
    ack: (messages) => (tap.ack !== undefined ? tap.ack(messages, () => r.ack(messages)) : r.ack(messages)),
  };
  // an optional method stays absent when the driver lacks it: the portable layer checks for it
  if (r.commit !== undefined && tap.commit !== undefined) {
    const commit = r.commit.bind(r);
    const around = tap.commit.bind(tap);
    overrides.commit = (partition, next) => around(partition, next, () => commit(partition, next));
  }
  if (r.extendLease !== undefined && tap.extendLease !== undefined) {
    const extend = r.extendLease.bind(r);
    const around = tap.extendLease.bind(tap);
    overrides.extendLease = (message, ms) => around(message, ms, () => extend(message, ms));
  }
  return delegate(r, overrides);
}

/**
 * `target` with some members replaced; everything else (including optional SPI
 * methods added later) is forwarded, bound to `target`.
 */
function delegate<T extends object>(target: T, overrides: Partial<T>): T {
  return new Proxy(target, {
    get(t, prop) {
      if (Object.prototype.hasOwnProperty.call(overrides, prop))
        return (overrides as Record<PropertyKey, unknown>)[prop];
      const value = Reflect.get(t, prop, t) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(t) : value;
    },
    has(t, prop) {
      return Object.prototype.hasOwnProperty.call(overrides, prop) || Reflect.has(t, prop);
    },
  });
}
