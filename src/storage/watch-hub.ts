/**
 * In-process watch fan-out shared by the backends. A backend calls `publish` right after a
 * write is committed; the hub hands each event to every watcher whose prefix matches, with no
 * polling. A watcher that starts behind the hub's revision first replays history from the
 * backend (`HistorySource`), in chunks so a long replay does not block the event loop, and
 * then turns live.
 *
 * No gap, no duplicate: every watcher keeps a cursor (the last revision it was given) and is
 * only ever handed events above it. A replay chunk reads history up to the hub's revision at
 * that instant — everything at or below it is already committed, since publishing happens
 * synchronously after commit — and a watcher that is still replaying ignores live events: its
 * next chunk reads them from history instead.
 *
 * Watchers on the same prefix are handed the same event array: consumers must not mutate it.
 */

import { CompactedError, type WatchEvent, type WatchOptions, type Watcher } from "./backend.js";

export interface HistorySource {
  /** Events for keys under `prefix` with after < revision ≤ upto, in revision order, at most `limit`. */
  history(prefix: string, after: number, upto: number, limit: number): WatchEvent[];
}

const REPLAY_CHUNK = 1000;

class Subscription implements Watcher {
  live = false;
  closed = false;

  constructor(
    private readonly hub: WatchHub,
    readonly prefix: string,
    readonly opts: WatchOptions,
    public cursor: number,
  ) {}

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.hub.remove(this);
  }

  deliver(events: WatchEvent[]): void {
    if (this.closed || events.length === 0) return;
    try {
      this.opts.onEvents(events);
    } catch (err) {
      // A consumer that throws cannot keep up a consistent stream; end it rather than skip events.
      this.fail(err instanceof Error ? err : new Error(String(err)));
    }
  }

  fail(err: Error): void {
    if (this.closed) return;
    this.close();
    try {
      this.opts.onError?.(err);
    } catch {
      // The watch is already over; nothing sensible is left to do with a failing error handler.
    }
  }
}

export class WatchHub {
  private notified: number;
  private readonly groups = new Map<string, Set<Subscription>>();
  private readonly backlog: WatchEvent[][] = [];
  private delivering = false;
  private closedWith: Error | undefined;

  constructor(private readonly source: HistorySource, revision: number) {
    this.notified = revision;
  }

  /** The newest revision handed to watchers. */
  get revision(): number {
    return this.notified;
  }

  /** How many watchers are open (for tests and metrics). */
  get size(): number {
    let n = 0;
    for (const g of this.groups.values()) n += g.size;
    return n;
  }

  watch(prefix: string, opts: WatchOptions, compacted: number): Watcher {
    if (this.closedWith) throw this.closedWith;
    if (opts.afterRevision < compacted) throw new CompactedError(opts.afterRevision, compacted);
    const sub = new Subscription(this, prefix, opts, opts.afterRevision);
    let group = this.groups.get(prefix);
    if (!group) this.groups.set(prefix, (group = new Set()));
    group.add(sub);
    if (sub.cursor >= this.notified) sub.live = true;
    else setImmediate(() => this.replay(sub));
    return sub;
  }

  /** Hands committed events (in revision order) to watchers. */
  publish(events: WatchEvent[]): void {
    if (events.length === 0 || this.closedWith) return;
    this.notified = events[events.length - 1]!.kv.modRevision;
    this.backlog.push(events);
    this.drain();
  }

  /** History at or below `revision` is going away: replays that still need it cannot finish. */
  compacted(revision: number): void {
    for (const group of this.groups.values()) {
      for (const sub of group) {
        if (!sub.live && sub.cursor < revision) sub.fail(new CompactedError(sub.cursor, revision));
      }
    }
  }

  closeAll(err: Error): void {
    if (this.closedWith) return;
    this.closedWith = err;
    for (const group of [...this.groups.values()]) for (const sub of [...group]) sub.fail(err);
    this.groups.clear();
  }

  remove(sub: Subscription): void {
    const group = this.groups.get(sub.prefix);
    if (!group) return;
    group.delete(sub);
    if (group.size === 0) this.groups.delete(sub.prefix);
  }

  /**
   * Delivers queued batches one after another. A consumer may write from inside its callback
   * (the memory backend then publishes synchronously); such batches wait in the backlog so
   * every watcher still sees events in revision order.
   */
  private drain(): void {
    if (this.delivering) return;
    this.delivering = true;
    try {
      let batch: WatchEvent[] | undefined;
      while ((batch = this.backlog.shift())) this.fanOut(batch);
    } finally {
      this.delivering = false;
    }
  }

  private fanOut(events: WatchEvent[]): void {
    const last = events[events.length - 1]!.kv.modRevision;
    for (const [prefix, group] of this.groups) {
      const matching = prefix === "" ? events : events.filter((e) => e.kv.key.startsWith(prefix));
      if (matching.length === 0) continue;
      for (const sub of group) {
        if (!sub.live || sub.cursor >= last) continue;
        const fresh = sub.cursor < matching[0]!.kv.modRevision ? matching : matching.filter((e) => e.kv.modRevision > sub.cursor);
        sub.cursor = last;
        sub.deliver(fresh);
      }
    }
  }

  private replay(sub: Subscription): void {
    if (sub.closed || this.closedWith) return;
    const upto = this.notified;
    let events: WatchEvent[];
    try {
      events = this.source.history(sub.prefix, sub.cursor, upto, REPLAY_CHUNK);
    } catch (err) {
      sub.fail(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    // Move the cursor before delivering: the callback may cause new (deferred) publishes.
    const done = events.length < REPLAY_CHUNK;
    sub.cursor = done ? upto : events[events.length - 1]!.kv.modRevision;
    if (done) sub.live = true;
    const wasDelivering = this.delivering;
    this.delivering = true;
    try {
      sub.deliver(events);
    } finally {
      this.delivering = wasDelivering;
    }
    if (!wasDelivering) this.drain();
    if (!done) setImmediate(() => this.replay(sub));
  }
}
