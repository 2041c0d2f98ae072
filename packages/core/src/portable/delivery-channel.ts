import type { Event } from '../event/types.js';
import type { Delivery } from '../api/delivery.js';
import type { Subscription } from '../api/subscription.js';

interface Item {
  readonly ctx: Delivery;
  readonly done: () => void;
}

/**
 * Bridges the push-style engine to pull-style async iteration. The engine's
 * handler parks each delivery here until the loop asks for the next one:
 * asking for the next delivery completes the previous one (ack unless it was
 * settled explicitly); leaving the loop closes the subscription with no drain,
 * so the current delivery is given back for redelivery.
 */
export class DeliveryChannel {
  private readonly items: Item[] = [];
  private waiter: ((item: Item | undefined) => void) | undefined;
  private closed = false;

  readonly handler = (_event: Event, ctx: Delivery): Promise<void> => {
    if (this.closed) return Promise.resolve();
    return new Promise<void>((done) => {
      const item = { ctx, done };
      if (this.waiter !== undefined) {
        const w = this.waiter;
        this.waiter = undefined;
        w(item);
      } else this.items.push(item);
    });
  };

  iterator(opened: Promise<Subscription>): AsyncIterator<Delivery> {
    let current: Item | undefined;
    const finish = async (): Promise<IteratorResult<Delivery>> => {
      this.closed = true;
      this.waiter?.(undefined);
      const sub = await opened.catch(() => undefined);
      await sub?.close({ drainTimeoutMs: 0 });
      current?.done();
      current = undefined;
      for (const item of this.items.splice(0)) item.done();
      return { done: true, value: undefined };
    };
    return {
      next: async (): Promise<IteratorResult<Delivery>> => {
        const sub = await opened;
        current?.done();
        current = undefined;
        if (this.closed) return { done: true, value: undefined };
        const item = this.items.shift() ?? (await this.take(sub));
        if (item === undefined) return finish();
        current = item;
        return { done: false, value: item.ctx };
      },
      return: finish,
    };
  }

  private take(sub: Subscription): Promise<Item | undefined> {
    return new Promise((resolve, reject) => {
      this.waiter = resolve;
      sub.done.then(() => resolve(undefined), reject);
    });
  }
}
