/** The demo's domain: orders and how the two downstream services react to them. */
export interface Order {
  readonly orderId: string;
  readonly customer: string;
  readonly amountCents: number;
  readonly items: readonly string[];
}

const CUSTOMERS = ['ada', 'grace', 'linus', 'barbara'];
const ITEMS = ['keyboard', 'mouse', 'monitor', 'cable', 'dock'];

/** A deterministic list of orders; the one at `poisonIndex` has a negative amount. */
export function sampleOrders(count: number, poisonIndex: number): Order[] {
  return Array.from({ length: count }, (_, i) => ({
    orderId: `order-${String(i + 1).padStart(3, '0')}`,
    customer: CUSTOMERS[i % CUSTOMERS.length]!,
    amountCents: i === poisonIndex ? -100 : 1_000 + ((i * 7_919) % 50_000),
    items: [ITEMS[i % ITEMS.length]!, ITEMS[(i * 3) % ITEMS.length]!],
  }));
}

/** Billing refuses negative amounts: a poison event that no retry can fix. */
export function charge(order: Order): number {
  if (order.amountCents < 0) throw new Error(`refusing to charge a negative amount for ${order.orderId}`);
  return order.amountCents;
}
