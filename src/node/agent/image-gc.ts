/**
 * Image garbage collection on the node, as kubelet's image GC manager runs it: when the disk
 * that holds the image store is at least imageGCHighThresholdPercent full (default 85), the
 * least recently used images that no container uses are deleted until usage would be at
 * imageGCLowThresholdPercent (default 80). `gc()` in src/image/store/gc.ts does the choosing;
 * this module decides when to call it and reports what it did.
 *
 * kubelet collects every 5 minutes. Here the disk is also measured every 10 s (one statfs),
 * so that a pull that fills the disk is followed by a collection within seconds rather than
 * minutes; a collection that could not free enough is not retried before the next 5-minute
 * round. Images younger than 2 minutes (kubelet's imageMinimumGCAge) are kept, so an image
 * pulled for a container that has not started yet is not taken from under it.
 */
import { diskUsageOf, gc, type GcResult, type ImageStore } from "../../image/index.js";
import type { DiskUsage } from "../../image/store/gc.js";
import { checkImageGCThresholds, defaultImageGCHighPercent, defaultImageGCLowPercent } from "./housekeeping.js";

export interface ImageGCOptions {
  /** Default 85. 100 turns image GC off, as in kubelet. */
  highPercent?: number;
  /** Default 80; must be below highPercent. */
  lowPercent?: number;
  /** The full round (kubelet's ImageGCPeriod). Default 5 min. */
  intervalMs?: number;
  /** How often the disk is measured between rounds. Default 10 s. */
  checkIntervalMs?: number;
  /** Default 2 min (kubelet's imageMinimumGCAge). */
  minAgeMs?: number;
  /** Images (names or IDs) of the containers on this node, besides those the store sees in use. */
  inUse?: () => Promise<Iterable<string>>;
  /** Default: statfs of the store root. */
  diskUsage?: () => Promise<DiskUsage>;
  /** After a collection that deleted images (the agent then refreshes the Node's image list). */
  onCollected?: (r: GcResult, names: string[]) => void;
  /** When fewer bytes could be freed than the thresholds asked for (kubelet's FreeDiskSpaceFailed). */
  onFailed?: (message: string, r: GcResult) => void;
  onError?: (err: unknown, what: string) => void;
}

/** kubelet's message for FreeDiskSpaceFailed. */
export function freeDiskSpaceFailedMessage(r: GcResult): string {
  return `Failed to garbage collect required amount of images. Attempted to free ${r.wanted} bytes, but only found ${r.freedBytes} bytes eligible to free.`;
}

export class ImageGarbageCollector {
  private readonly high: number;
  private readonly low: number;
  private readonly intervalMs: number;
  private readonly checkIntervalMs: number;
  private readonly measure: () => Promise<DiskUsage>;
  private timer?: NodeJS.Timeout;
  private running?: Promise<GcResult | undefined>;
  private lastRound = 0;
  private lastFailed = false;
  private stopped = false;

  constructor(private readonly store: ImageStore, private readonly opts: ImageGCOptions = {}) {
    this.high = opts.highPercent ?? defaultImageGCHighPercent;
    this.low = opts.lowPercent ?? defaultImageGCLowPercent;
    checkImageGCThresholds(this.high, this.low);
    this.intervalMs = opts.intervalMs ?? 5 * 60_000;
    this.checkIntervalMs = opts.checkIntervalMs ?? 10_000;
    if (!(this.intervalMs > 0 && this.checkIntervalMs > 0)) throw new Error("image GC intervals must be > 0");
    this.measure = opts.diskUsage ?? (() => diskUsageOf(store.root));
  }

  get enabled(): boolean {
    return this.high < 100;
  }

  start(): void {
    if (this.timer || this.stopped || !this.enabled) return;
    // The first full round comes one interval after start, as kubelet's does.
    this.lastRound = Date.now();
    this.timer = setInterval(() => void this.tick(), Math.min(this.checkIntervalMs, this.intervalMs));
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  private async tick(): Promise<void> {
    if (this.running || this.stopped) return;
    const due = Date.now() - this.lastRound >= this.intervalMs;
    // Between rounds only a full disk triggers a collection, and not again right after one that
    // could not free enough (it would find the same images in use).
    if (!due && this.lastFailed) return;
    if (!due) {
      try {
        if (percentUsed(await this.measure()) < this.high) return;
      } catch (err) {
        this.opts.onError?.(err, "image GC: measuring the disk");
        return;
      }
    }
    await this.collect().catch((err: unknown) => this.opts.onError?.(err, "image GC"));
  }

  /** One collection now (also used by tests); undefined when another one is running. */
  async collect(): Promise<GcResult | undefined> {
    if (this.running) return this.running;
    this.running = this.collectOnce();
    try {
      return await this.running;
    } finally {
      this.running = undefined;
    }
  }

  private async collectOnce(): Promise<GcResult> {
    this.lastRound = Date.now();
    const usage = await this.measure();
    const full = percentUsed(usage) >= this.high;
    // Only a full disk needs the containers' images (an API list) and the names for the log.
    const inUse = full && this.opts.inUse ? await this.opts.inUse() : undefined;
    const before = full ? await this.store.listImages() : [];
    const r = await gc(this.store, {
      highPercent: this.high,
      lowPercent: this.low,
      minAgeMs: this.opts.minAgeMs ?? 2 * 60_000,
      ...(inUse ? { inUse } : {}),
      diskUsage: async () => usage,
    });
    this.lastFailed = r.wanted > 0 && r.freedBytes < r.wanted;
    if (r.removed.length) {
      const removed = new Set(r.removed);
      const names = before.filter((i) => removed.has(i.id)).map((i) => i.names[0] ?? i.repoDigests[0] ?? i.id);
      this.opts.onCollected?.(r, names);
    }
    if (this.lastFailed) this.opts.onFailed?.(freeDiskSpaceFailedMessage(r), r);
    return r;
  }
}

/** Usage as gc() computes it: 100 − the available share, rounded down. */
export function percentUsed(u: DiskUsage): number {
  return u.capacity > 0 ? 100 - Math.floor((u.available * 100) / u.capacity) : 0;
}

/** The images a pod's containers name, and the image IDs its status reports. */
export function podImages(pod: {
  spec?: { containers?: Array<{ image?: string }>; initContainers?: Array<{ image?: string }>; ephemeralContainers?: Array<{ image?: string }> };
  status?: { containerStatuses?: Array<{ imageID?: string }>; initContainerStatuses?: Array<{ imageID?: string }> };
}): string[] {
  const out: string[] = [];
  for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []), ...(pod.spec?.ephemeralContainers ?? [])]) {
    if (c.image) out.push(c.image);
  }
  for (const s of [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])]) {
    // `docker-pullable://` and similar prefixes are not part of the reference.
    if (s.imageID) out.push(s.imageID.replace(/^[a-z-]+:\/\//, ""));
  }
  return out;
}
