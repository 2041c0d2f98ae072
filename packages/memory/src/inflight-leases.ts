/** What the in-flight list needs of a lease: whether it is still out (set only by the list). */
export interface Outstanding {
  live: boolean;
}

/**
 * The leases a group handed out and has not settled, in hand-out order. A lease
 * carries its own `live` flag, so adding and settling cost no hashing (a Set's
 * add and delete per delivery showed in the profile); settled leases are cleared
 * from the head as they go (acks come mostly in hand-out order) and the list is
 * compacted when settled ones pile up behind a long-held lease, so memory stays
 * proportional to what is in flight. Not thread-safe (nothing in JS is).
 */
export class InflightLeases<L extends Outstanding> {
  private items: (L | undefined)[] = [];
  private head = 0;
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(lease: L): void {
    lease.live = true;
    this.items.push(lease);
    this.count++;
  }

  has(lease: L): boolean {
    return lease.live;
  }

  /** Takes a lease out of flight; false when it was not in flight (settled or expired already). */
  delete(lease: L): boolean {
    if (!lease.live) return false;
    lease.live = false;
    this.count--;
    this.trim();
    return true;
  }

  /** The leases in flight now, oldest first (a copy: the caller may settle them while going through it). */
  snapshot(): L[] {
    const out: L[] = [];
    for (let i = this.head; i < this.items.length; i++) {
      const lease = this.items[i]!;
      if (lease.live) out.push(lease);
    }
    return out;
  }

  private trim(): void {
    const items = this.items;
    while (this.head < items.length && !items[this.head]!.live) items[this.head++] = undefined;
    if (this.head === items.length) {
      items.length = 0;
      this.head = 0;
    } else if (items.length - this.head > 2 * this.count + 1024) {
      this.items = this.snapshot();
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= items.length) {
      this.items = items.slice(this.head);
      this.head = 0;
    }
  }
}
