/**
 * Owners known to be gone (upstream's absentOwnerCache): a bounded LRU set keyed by namespace
 * and uid. A uid never comes back, so an entry never turns stale; the namespace is part of the
 * key because a namespaced dependent looks its owner up in its own namespace only.
 */
export class AbsentOwners {
  private readonly keys = new Map<string, true>();

  constructor(private readonly max = 500) {}

  static key(namespace: string | undefined, uid: string): string {
    return `${namespace ?? ""}|${uid}`;
  }

  has(key: string): boolean {
    if (!this.keys.has(key)) return false;
    // Refresh recency.
    this.keys.delete(key);
    this.keys.set(key, true);
    return true;
  }

  add(key: string): void {
    this.keys.delete(key);
    this.keys.set(key, true);
    if (this.keys.size > this.max) this.keys.delete(this.keys.keys().next().value!);
  }

  get size(): number {
    return this.keys.size;
  }
}
