/**
 * In-process coordination for the store: a mutex for read-modify-write of the index, and
 * single-flight maps so that one blob or layer is fetched or unpacked once at a time,
 * however many pulls ask for it. Keyed by store root, so two ImageStore objects on the
 * same directory share them.
 */

export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const prev = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => (release = r));
    await prev;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

export class SingleFlight<T> {
  private readonly inflight = new Map<string, Promise<T>>();

  /** Runs fn for key unless a run for key is in flight, in which case it shares that run's result. */
  do(key: string, fn: () => Promise<T>): Promise<T> {
    const running = this.inflight.get(key);
    if (running) return running;
    const p = fn().finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  has(key: string): boolean {
    return this.inflight.has(key);
  }
}

/** Counted holds on keys (blob digests, chain IDs) that garbage collection must not remove. */
export class Holds {
  private readonly counts = new Map<string, number>();

  hold(keys: Iterable<string>): () => void {
    const list = [...keys];
    for (const k of list) this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const k of list) {
        const n = (this.counts.get(k) ?? 1) - 1;
        if (n <= 0) this.counts.delete(k);
        else this.counts.set(k, n);
      }
    };
  }

  has(key: string): boolean {
    return this.counts.has(key);
  }
}

export interface StoreCoordination {
  index: Mutex;
  blobs: SingleFlight<void>;
  layers: SingleFlight<void>;
  holds: Holds;
}

const byRoot = new Map<string, StoreCoordination>();

export function coordinationFor(root: string): StoreCoordination {
  let c = byRoot.get(root);
  if (!c) {
    c = { index: new Mutex(), blobs: new SingleFlight(), layers: new SingleFlight(), holds: new Holds() };
    byRoot.set(root, c);
  }
  return c;
}
