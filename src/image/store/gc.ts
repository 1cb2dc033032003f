/**
 * Removing images and collecting garbage. `removeImage` untags or deletes (as `docker rmi`
 * does); `sweep` deletes blobs and layer directories no image references; `gc` frees disk as
 * the kubelet's image GC does: when usage reaches highPercent, least-recently-used images
 * that no container uses are deleted until usage would be at lowPercent.
 */
import { readdir, rm, stat, statfs } from "node:fs/promises";
import { join } from "node:path";
import { removeTree } from "./fsutil.js";
import { imagesInUse } from "./rootfs.js";
import { findImage, ImageNotFoundError, type ImageRecord, type ImageStore } from "./store.js";

export interface RemoveResult {
  untagged: string[];
  deleted: string[];
  freedBytes: number;
}

export class ImageInUseError extends Error {
  constructor(readonly ref: string, readonly imageId: string, readonly containers: string[]) {
    super(`conflict: unable to remove repository reference "${ref}" (must force) - container ${containers[0]} is using its referenced image ${imageId.slice(7, 19)}`);
    this.name = "ImageInUseError";
  }
}

/**
 * Removes a name, or the image. A name of an image that has other names is only untagged;
 * otherwise the image is deleted with its unreferenced blobs and layers. An image that a
 * prepared root filesystem uses is kept unless `force`.
 */
export async function removeImage(store: ImageStore, refOrId: string, opts: { force?: boolean } = {}): Promise<RemoveResult> {
  const inUse = await imagesInUse(store);
  const result = await store.updateIndex((idx) => {
    const m = findImage(idx.images, refOrId);
    if (!m) throw new ImageNotFoundError(refOrId);
    const img = m.image;
    if (m.by === "name" && img.names.length > 1) {
      img.names = img.names.filter((n) => n !== m.name);
      return { untagged: [m.name!], deleted: [] as string[] };
    }
    const users = inUse.get(img.id);
    if (users?.length && !opts.force) throw new ImageInUseError(refOrId, img.id, users);
    idx.images = idx.images.filter((i) => i.id !== img.id);
    return { untagged: [...img.names, ...img.repoDigests], deleted: [img.id] };
  });
  const freedBytes = result.deleted.length ? await sweep(store) : 0;
  return { ...result, freedBytes };
}

/**
 * Deletes blobs and unpacked layers that no image references and nothing holds, and
 * leftovers of interrupted work (temp dirs, stale partial downloads). Returns bytes freed
 * (blob sizes plus the uncompressed size of removed layers).
 */
export async function sweep(store: ImageStore, opts: { partialMaxAgeMs?: number; tmpMaxAgeMs?: number } = {}): Promise<number> {
  return store.coord.index.run(async () => {
    const images = (await store.readIndex()).images;
    const blobs = new Set<string>();
    const chains = new Set<string>();
    for (const i of images) {
      blobs.add(i.manifestDigest);
      blobs.add(i.configDigest);
      if (i.indexDigest) blobs.add(i.indexDigest);
      for (const l of i.layers) {
        blobs.add(l.digest);
        chains.add(l.chainID);
      }
    }
    const held = (d: string): boolean => store.coord.holds.has(d) || store.coord.blobs.has(d) || store.coord.layers.has(d);
    let freed = 0;
    const blobDir = join(store.root, "blobs", "sha256");
    for (const n of await readdir(blobDir)) {
      const d = `sha256:${n}`;
      if (n.includes(".tmp-")) {
        freed += await removeIfOlder(join(blobDir, n), opts.tmpMaxAgeMs ?? 3_600_000);
        continue;
      }
      if (blobs.has(d) || held(d)) continue;
      const st = await stat(join(blobDir, n)).catch(() => undefined);
      await rm(join(blobDir, n), { force: true });
      freed += st?.size ?? 0;
    }
    const layersDir = join(store.root, "layers");
    for (const n of await readdir(layersDir)) {
      if (n === ".empty") continue;
      if (n.startsWith(".tmp-")) {
        const chain = `sha256:${n.slice(5, 69)}`;
        if (!held(chain)) freed += await removeIfOlder(join(layersDir, n), opts.tmpMaxAgeMs ?? 3_600_000, true);
        continue;
      }
      const chain = `sha256:${n}`;
      if (chains.has(chain) || held(chain)) continue;
      const meta = await store.readLayerMeta(chain).catch(() => undefined);
      await removeTree(join(layersDir, n));
      freed += meta?.size ?? 0;
    }
    const ingest = join(store.root, "ingest");
    for (const n of await readdir(ingest)) {
      if (held(`sha256:${n}`)) continue;
      freed += await removeIfOlder(join(ingest, n), opts.partialMaxAgeMs ?? 24 * 3_600_000);
    }
    // Archive imports unpack into tmp/; one older than the limit was interrupted.
    const tmp = join(store.root, "tmp");
    for (const n of await readdir(tmp).catch(() => [] as string[])) {
      freed += await removeIfOlder(join(tmp, n), opts.tmpMaxAgeMs ?? 3_600_000, true);
    }
    return freed;
  });
}

async function removeIfOlder(p: string, maxAgeMs: number, tree = false): Promise<number> {
  const st = await stat(p).catch(() => undefined);
  if (!st || Date.now() - st.mtimeMs < maxAgeMs) return 0;
  if (tree) await removeTree(p);
  else await rm(p, { force: true });
  return st.isFile() ? st.size : 0;
}

export interface DiskUsage {
  capacity: number;
  available: number;
}

export interface GcOptions {
  /** Start collecting when the filesystem is at least this full (kubelet default 85). */
  highPercent: number;
  /** Collect until usage would be at this (kubelet default 80). */
  lowPercent: number;
  /** Images first seen less than this long ago are kept (kubelet's minimum age; default 0). */
  minAgeMs?: number;
  /** Image IDs or names that running containers use, besides the store's own refs. */
  inUse?: Iterable<string>;
  /** Measures the filesystem (default: statfs of the store root). */
  diskUsage?: () => Promise<DiskUsage>;
}

export interface GcResult {
  usagePercent: number;
  /** Bytes the thresholds asked to free (0 below highPercent). */
  wanted: number;
  freedBytes: number;
  removed: string[];
}

export async function diskUsageOf(path: string): Promise<DiskUsage> {
  const s = await statfs(path);
  return { capacity: s.blocks * s.bsize, available: s.bavail * s.bsize };
}

/** Image GC by disk-usage thresholds, least recently used first. */
export async function gc(store: ImageStore, opts: GcOptions): Promise<GcResult> {
  if (!(opts.lowPercent >= 0 && opts.highPercent <= 100 && opts.lowPercent <= opts.highPercent)) {
    throw new Error(`invalid image GC thresholds: low ${opts.lowPercent}%, high ${opts.highPercent}%`);
  }
  const measure = opts.diskUsage ?? (() => diskUsageOf(store.root));
  const usage = await measure();
  const usagePercent = usage.capacity > 0 ? 100 - Math.floor((usage.available * 100) / usage.capacity) : 0;
  if (usagePercent < opts.highPercent) {
    await sweep(store);
    return { usagePercent, wanted: 0, freedBytes: 0, removed: [] };
  }
  const wanted = Math.floor((usage.capacity * (100 - opts.lowPercent)) / 100) - usage.available;
  const users = await imagesInUse(store);
  const images = await store.listImages();
  const protectedIds = new Set(users.keys());
  for (const r of opts.inUse ?? []) {
    const m = findImage(images, r);
    if (m) protectedIds.add(m.image.id);
  }
  const now = Date.now();
  const candidates = images
    .filter((i) => !protectedIds.has(i.id) && !store.coord.holds.has(i.id))
    .filter((i) => now - Date.parse(i.addedAt) >= (opts.minAgeMs ?? 0))
    .sort(byLeastRecentlyUsed);
  let freedBytes = 0;
  const removed: string[] = [];
  for (const img of candidates) {
    if (freedBytes >= wanted) break;
    await store.updateIndex((idx) => {
      idx.images = idx.images.filter((i) => i.id !== img.id);
    });
    freedBytes += await sweep(store);
    removed.push(img.id);
  }
  return { usagePercent, wanted, freedBytes, removed };
}

function byLeastRecentlyUsed(a: ImageRecord, b: ImageRecord): number {
  return Date.parse(a.lastUsed) - Date.parse(b.lastUsed) || Date.parse(a.addedAt) - Date.parse(b.addedAt) || a.id.localeCompare(b.id);
}
