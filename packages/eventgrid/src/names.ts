/**
 * Event Grid names (namespace topics, event subscriptions): 3-50 characters of letters,
 * digits and hyphens. EventPort names (e.g. the default dead-letter topic `orders.dlq`) may
 * hold other characters: each character outside [A-Za-z0-9-] becomes a hyphen, so
 * `orders.dlq` is the namespace topic `orders-dlq`. Length is left to the service to check.
 */
export function resourceName(name: string): string {
  return name.replace(/[^A-Za-z0-9-]/g, '-');
}
