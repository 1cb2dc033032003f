/**
 * One watch on storage, shared by every API watcher (upstream's watch cache, reduced to its
 * fan-out). Events are kept in a ring buffer so that watchers starting from a recent
 * resourceVersion replay from memory; older starting points are served by a storage watch of
 * their own, which replays history and then goes live. No watcher ever polls.
 */
import type { Backend, KeyValue, WatchEvent, Watcher } from "../../storage/backend.js";
import { CompactedError } from "../../storage/backend.js";
import type { KubeObject } from "../../machinery/object.js";
import { decodeKV, withResourceVersion } from "../codec.js";

/** A storage event with its decodings computed at most once and shared by all watchers. */
export class HubEvent {
  private parsed?: KubeObject;
  private parsedPrev?: KubeObject | null;
  private json?: string;

  constructor(readonly raw: WatchEvent) {}

  get key(): string {
    return this.raw.kv.key;
  }
  get revision(): number {
    return this.raw.kv.modRevision;
  }
  get type(): "put" | "delete" {
    return this.raw.type;
  }
  /** True when the put created the key. */
  get created(): boolean {
    return this.raw.type === "put" && this.raw.kv.createRevision === this.raw.kv.modRevision;
  }

  /** The object (for deletes: the last state, with the delete's revision). Do not mutate. */
  object(): KubeObject {
    return (this.parsed ??= decodeKV(this.raw.kv));
  }

  /** The object as JSON with its resourceVersion, without parsing the stored value. */
  objectJson(): string {
    return (this.json ??= withResourceVersion(this.raw.kv.value, this.raw.kv.modRevision));
  }

  prevObject(): KubeObject | undefined {
    if (this.parsedPrev === undefined) this.parsedPrev = this.raw.prev ? decodeKV(this.raw.prev) : null;
    return this.parsedPrev ?? undefined;
  }
}

export interface HubSubscription {
  close(): void;
  /**
   * True when this subscriber is fed live by the hub, so `hub.revision` bounds what it has
   * been sent (bookmarks may use it); false while a storage watch replays older history.
   */
  readonly live: boolean;
}

interface Subscriber {
  prefix: string;
  after: number;
  onEvents(events: HubEvent[]): void;
  onError(err: Error): void;
}

export class WatchHub {
  private readonly ring: HubEvent[] = [];
  private readonly subscribers = new Set<Subscriber>();
  private storageWatch?: Watcher;
  /** Every revision ≤ this has been seen by the hub (events buffered or none for our prefix). */
  private seenThrough = 0;
  /** The lowest revision the ring can replay after. */
  private ringFloor = 0;

  constructor(
    private readonly backend: Backend,
    private readonly capacity = 20_000,
    private readonly prefix = "/registry/",
  ) {}

  async start(): Promise<void> {
    const rev = await this.backend.currentRevision();
    this.seenThrough = rev;
    this.ringFloor = rev;
    this.storageWatch = this.backend.watch(this.prefix, {
      afterRevision: rev,
      onEvents: (evs) => this.dispatch(evs),
      onError: (err) => {
        for (const s of this.subscribers) s.onError(err);
        this.subscribers.clear();
      },
    });
  }

  /** The newest revision the hub has delivered (for bookmarks). */
  get revision(): number {
    return this.seenThrough;
  }

  /**
   * Delivers events under `prefix` with revision > `after`. Throws CompactedError when that
   * history is gone.
   */
  subscribe(prefix: string, after: number, onEvents: (events: HubEvent[]) => void, onError: (err: Error) => void): HubSubscription {
    if (after >= this.ringFloor) {
      const sub: Subscriber = { prefix, after, onEvents, onError };
      const replay = this.ring.filter((e) => e.revision > after && e.key.startsWith(prefix));
      if (replay.length) onEvents(replay);
      this.subscribers.add(sub);
      return { close: () => this.subscribers.delete(sub), live: true };
    }
    // Older than the buffer: a storage watch of its own (storage replays, then goes live).
    const w = this.backend.watch(prefix, {
      afterRevision: after,
      onEvents: (evs) => onEvents(evs.map((e) => new HubEvent(e))),
      onError,
    });
    return { close: () => w.close(), live: false };
  }

  private dispatch(evs: WatchEvent[]): void {
    const events = evs.map((e) => new HubEvent(e));
    for (const e of events) this.ring.push(e);
    if (this.ring.length > this.capacity) {
      const drop = this.ring.length - this.capacity;
      this.ringFloor = this.ring[drop - 1]!.revision;
      this.ring.splice(0, drop);
    }
    this.seenThrough = Math.max(this.seenThrough, events[events.length - 1]?.revision ?? 0);
    for (const s of this.subscribers) {
      const mine = events.filter((e) => e.key.startsWith(s.prefix));
      if (mine.length) {
        try {
          s.onEvents(mine);
        } catch (err) {
          this.subscribers.delete(s);
          s.onError(err instanceof Error ? err : new Error(String(err)));
        }
      }
    }
  }

  /** Drops buffered events at or below a compacted revision. */
  compacted(revision: number): void {
    let i = 0;
    while (i < this.ring.length && this.ring[i]!.revision <= revision) i++;
    if (i > 0) this.ring.splice(0, i);
    this.ringFloor = Math.max(this.ringFloor, revision);
  }

  close(): void {
    this.storageWatch?.close();
    this.subscribers.clear();
  }
}

export { CompactedError };
export type { KeyValue };
