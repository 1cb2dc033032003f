/**
 * The content-addressed image store under one root directory:
 *
 *   blobs/sha256/<hex>          manifests, configs and layer blobs, verified before they land
 *   ingest/<hex>                partial downloads (resumed by the next attempt)
 *   layers/<chainID hex>/rootfs unpacked layers, once per chain ID; layer.json beside it
 *   images.json                 the index: image ID (config digest) → names, digests, layers, size
 *   refs/<hash>.json            container root filesystems prepared from an image (in use)
 *
 * The layer format is fixed when the store is created: "diff" (one directory per layer with
 * overlay whiteouts, as root) or "merged" (each chain ID holds the whole filesystem, whiteouts
 * applied by deletion, for unprivileged use). Root filesystems, removal and GC live in
 * rootfs.ts and gc.ts; this module owns the layout, blobs, layers and the index.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { chainIDs, digestHex, DigestMismatchError, sha256Digest, sha256File } from "../digest.js";
import type { ImageConfig, Platform } from "../oci.js";
import {
  digestedName, normalizeReference, parseReference, repositoryName, taggedName, tryParseReference,
} from "../reference.js";
import { copyTree, isRoot, lstatOrUndefined, removeTree } from "./fsutil.js";
import { coordinationFor, type StoreCoordination } from "./lock.js";
import { createSpecials, gnuTarAvailable, type Special } from "./specials.js";
import { unpackLayer, type LayerFormat } from "./unpack.js";

export interface LayerRef {
  /** Digest of the blob as stored (compressed or not). */
  digest: string;
  mediaType: string;
  /** Size of the blob. */
  size: number;
  diffID: string;
  chainID: string;
}

export interface ImageRecord {
  /** The image ID: its config digest (as CRI reports it). */
  id: string;
  /** Canonical tagged names (`docker.io/library/busybox:latest`). */
  names: string[];
  /** `repo@digest` forms this image was pulled or imported as. */
  repoDigests: string[];
  manifestDigest: string;
  manifestMediaType: string;
  indexDigest?: string;
  configDigest: string;
  layers: LayerRef[];
  /** Bytes of config and layer blobs (what the node reports as the image's size). */
  size: number;
  platform: Platform;
  created?: string;
  source: "registry" | "archive";
  addedAt: string;
  lastUsed: string;
}

/** What unpacking recorded about one layer directory (layer.json). */
export interface LayerMeta {
  chainID: string;
  diffID: string;
  parent?: string;
  format: LayerFormat;
  /** Bytes of the uncompressed layer tar (an estimate of the disk it takes). */
  size: number;
  whiteouts: string[];
  opaques: string[];
  xattrs: Record<string, Record<string, string>>;
  /** Entries left out because only root can make them (device nodes). */
  skipped: string[];
}

interface IndexFile {
  schemaVersion: 1;
  images: ImageRecord[];
}

interface StoreFile {
  schemaVersion: 1;
  layerFormat: LayerFormat;
}

export interface StoreOptions {
  /** Layer format for a new store (default: "diff" when root and GNU tar are present, else "merged"). */
  layerFormat?: LayerFormat;
}

export class ImageNotFoundError extends Error {
  constructor(readonly ref: string) {
    super(`No such image: ${ref}`);
    this.name = "ImageNotFoundError";
  }
}

export class ImageStore {
  readonly root: string;
  readonly layerFormat: LayerFormat;
  readonly privileged: boolean;
  /** @internal shared with rootfs.ts and gc.ts */
  readonly coord: StoreCoordination;

  private constructor(root: string, layerFormat: LayerFormat) {
    this.root = root;
    this.layerFormat = layerFormat;
    this.privileged = isRoot();
    this.coord = coordinationFor(root);
  }

  /** Opens (creating when missing) the store at `root`. */
  static async open(rootDir: string, opts: StoreOptions = {}): Promise<ImageStore> {
    const root = resolve(rootDir);
    await mkdir(root, { recursive: true });
    for (const d of ["blobs/sha256", "ingest", "layers", "refs", "tmp"]) await mkdir(join(root, d), { recursive: true });
    const storeFile = join(root, "store.json");
    let format: LayerFormat;
    if (existsSync(storeFile)) {
      format = (JSON.parse(readFileSync(storeFile, "utf8")) as StoreFile).layerFormat;
    } else {
      format = opts.layerFormat ?? (isRoot() && gnuTarAvailable() ? "diff" : "merged");
      await writeAtomic(storeFile, JSON.stringify({ schemaVersion: 1, layerFormat: format } satisfies StoreFile, null, 2));
    }
    if (format === "diff" && !isRoot()) {
      throw new Error(`image store ${root} holds overlay-format layers, which only root can unpack and mount`);
    }
    return new ImageStore(root, format);
  }

  // ---- blobs ----

  blobPath(digest: string): string {
    return join(this.root, "blobs", "sha256", digestHex(digest));
  }

  async hasBlob(digest: string): Promise<boolean> {
    return (await lstatOrUndefined(this.blobPath(digest)))?.isFile() ?? false;
  }

  async readBlob(digest: string): Promise<Buffer> {
    return readFile(this.blobPath(digest));
  }

  /** Stores bytes as a blob (verifying them against `expected` when given) and returns the digest. */
  async putBlob(bytes: Buffer, expected?: string): Promise<string> {
    const digest = sha256Digest(bytes);
    if (expected && expected !== digest) throw new DigestMismatchError(expected, digest);
    if (!(await this.hasBlob(digest))) await writeAtomic(this.blobPath(digest), bytes);
    return digest;
  }

  /**
   * Moves a file into the blob store after hashing it (it must be on the store's filesystem).
   * With `expected`, the digest (and size) must match or the file is deleted and an error thrown.
   */
  async adoptBlobFile(file: string, expected?: { digest: string; size?: number }): Promise<string> {
    const { digest, size } = await sha256File(file);
    if (expected && (expected.digest !== digest || (expected.size !== undefined && expected.size >= 0 && expected.size !== size))) {
      await rm(file, { force: true });
      throw new DigestMismatchError(expected.digest, digest, `blob (size ${size})`);
    }
    if (await this.hasBlob(digest)) await rm(file, { force: true });
    else await rename(file, this.blobPath(digest));
    return digest;
  }

  /**
   * Makes the blob present: if it is missing, `download` fills the partial file at the path
   * it is given (resuming what is there) and the store verifies and moves it into place.
   * Concurrent calls for one digest share one download.
   */
  async fetchBlob(desc: { digest: string; size: number }, download: (partialPath: string) => Promise<unknown>): Promise<boolean> {
    if (await this.hasBlob(desc.digest)) return false;
    let fetched = false;
    await this.coord.blobs.do(desc.digest, async () => {
      if (await this.hasBlob(desc.digest)) return;
      const partial = join(this.root, "ingest", digestHex(desc.digest));
      await download(partial);
      await this.adoptBlobFile(partial, desc);
      fetched = true;
    });
    return fetched;
  }

  // ---- layers ----

  layerDir(chainID: string): string {
    return join(this.root, "layers", digestHex(chainID));
  }

  layerRootfs(chainID: string): string {
    return join(this.layerDir(chainID), "rootfs");
  }

  async readLayerMeta(chainID: string): Promise<LayerMeta | undefined> {
    try {
      return JSON.parse(await readFile(join(this.layerDir(chainID), "layer.json"), "utf8")) as LayerMeta;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
  }

  /** Unpacks every layer of the chain that is not unpacked yet (each chain ID once, ever). */
  async ensureLayers(layers: ReadonlyArray<Pick<LayerRef, "digest" | "diffID">>): Promise<LayerMeta[]> {
    const chains = chainIDs(layers.map((l) => l.diffID));
    const out: LayerMeta[] = [];
    for (let i = 0; i < layers.length; i++) {
      const chainID = chains[i]!;
      const parent = i > 0 ? chains[i - 1] : undefined;
      let meta = await this.readLayerMeta(chainID);
      if (!meta) {
        const lowers = chains.slice(0, i).reverse();
        await this.coord.layers.do(chainID, () => this.unpackOne(layers[i]!, chainID, parent, lowers));
        meta = await this.readLayerMeta(chainID);
        if (!meta) throw new Error(`layer ${chainID} did not unpack`);
      }
      out.push(meta);
    }
    return out;
  }

  private async unpackOne(layer: Pick<LayerRef, "digest" | "diffID">, chainID: string, parent: string | undefined, lowers: string[]): Promise<void> {
    if (await this.readLayerMeta(chainID)) return;
    if (!(await this.hasBlob(layer.digest))) throw new Error(`layer blob ${layer.digest} is not in the store`);
    const tmp = join(this.root, "layers", `.tmp-${digestHex(chainID)}-${randomBytes(4).toString("hex")}`);
    const rootfs = join(tmp, "rootfs");
    await mkdir(tmp, { recursive: true });
    try {
      if (this.layerFormat === "merged" && parent) {
        const specials: Special[] = [];
        await copyTree(this.layerRootfs(parent), rootfs, {
          hardlink: true, preserveOwner: this.privileged, onSpecial: (rel, st) => specials.push(specialFromStat(rel, st)),
        });
        if (specials.length) await createSpecials(rootfs, specials);
      } else {
        await mkdir(rootfs, { mode: 0o755 });
      }
      const r = await unpackLayer(this.blobPath(layer.digest), rootfs, {
        format: this.layerFormat, privileged: this.privileged, expectedDiffID: layer.diffID,
        ...(this.layerFormat === "diff" ? { lowerDirs: lowers.map((c) => this.layerRootfs(c)) } : {}),
      });
      const meta: LayerMeta = {
        chainID, diffID: r.diffID, ...(parent ? { parent } : {}), format: this.layerFormat, size: r.tarSize,
        whiteouts: r.whiteouts, opaques: r.opaques, xattrs: r.xattrs, skipped: r.skipped,
      };
      await writeFile(join(tmp, "layer.json"), JSON.stringify(meta));
      try {
        await rename(tmp, this.layerDir(chainID));
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== "ENOTEMPTY" && code !== "EEXIST") throw e;
        await removeTree(tmp); // unpacked by someone else meanwhile
      }
    } catch (e) {
      await removeTree(tmp);
      throw e;
    }
  }

  // ---- index ----

  private indexPath(): string {
    return join(this.root, "images.json");
  }

  /** @internal Reads the index from disk (always fresh: another process may have written it). */
  async readIndex(): Promise<IndexFile> {
    try {
      const doc = JSON.parse(await readFile(this.indexPath(), "utf8")) as IndexFile;
      return { schemaVersion: 1, images: doc.images ?? [] };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return { schemaVersion: 1, images: [] };
      throw e;
    }
  }

  /** @internal Read-modify-write of the index under the store's mutex. */
  async updateIndex<T>(fn: (idx: IndexFile) => T | Promise<T>): Promise<T> {
    return this.coord.index.run(async () => {
      const idx = await this.readIndex();
      const r = await fn(idx);
      await writeAtomic(this.indexPath(), JSON.stringify(idx, null, 1));
      return r;
    });
  }

  async listImages(): Promise<ImageRecord[]> {
    return (await this.readIndex()).images;
  }

  /** Finds an image by name, `name@digest`, image ID, manifest digest or unique ID prefix. */
  async getImage(refOrId: string): Promise<ImageRecord | undefined> {
    return findImage((await this.readIndex()).images, refOrId)?.image;
  }

  async requireImage(refOrId: string): Promise<ImageRecord> {
    const img = await this.getImage(refOrId);
    if (!img) throw new ImageNotFoundError(refOrId);
    return img;
  }

  /** The image's config (Entrypoint, Cmd, Env, User, WorkingDir, ...). */
  async imageConfig(refOrId: string): Promise<ImageConfig> {
    const img = await this.requireImage(refOrId);
    return JSON.parse((await this.readBlob(img.configDigest)).toString("utf8")) as ImageConfig;
  }

  /**
   * Records an image. Its names move to it from any image that held them (a re-pulled tag
   * points at the new image); an image already known by ID gains the names and digests.
   */
  async addImage(rec: Omit<ImageRecord, "addedAt" | "lastUsed"> & Partial<Pick<ImageRecord, "addedAt" | "lastUsed">>): Promise<ImageRecord> {
    const now = new Date().toISOString();
    rec = { ...rec, names: rec.names.map((n) => normalizeReference(n)), repoDigests: rec.repoDigests.map((n) => normalizeReference(n)) };
    return this.updateIndex((idx) => {
      for (const other of idx.images) {
        if (other.id === rec.id) continue;
        other.names = other.names.filter((n) => !rec.names.includes(n));
      }
      let cur = idx.images.find((i) => i.id === rec.id);
      if (cur) {
        Object.assign(cur, {
          ...rec,
          names: union(cur.names, rec.names),
          repoDigests: union(cur.repoDigests, rec.repoDigests),
          addedAt: cur.addedAt,
          lastUsed: now,
        });
      } else {
        cur = { ...rec, addedAt: rec.addedAt ?? now, lastUsed: rec.lastUsed ?? now } as ImageRecord;
        idx.images.push(cur);
      }
      return structuredClone(cur);
    });
  }

  /** Marks an image as used now (least-recently-used images go first in GC). */
  async touch(id: string): Promise<void> {
    await this.updateIndex((idx) => {
      const img = idx.images.find((i) => i.id === id);
      if (img) img.lastUsed = new Date().toISOString();
    });
  }

  /** Adds a name to an image (`docker tag`). */
  async tagImage(refOrId: string, name: string): Promise<ImageRecord> {
    const canonical = normalizeReference(name);
    const img = await this.requireImage(refOrId);
    return this.addImage({ ...img, names: [canonical], repoDigests: [] });
  }

  /** Holds blobs and chains against GC while a pull or import is writing them. */
  hold(keys: Iterable<string>): () => void {
    return this.coord.holds.hold(keys);
  }

  /** Bytes held by the store: blobs plus unpacked layers (uncompressed tar size). */
  async diskBytes(): Promise<number> {
    let total = 0;
    const blobDir = join(this.root, "blobs", "sha256");
    for (const n of await readdir(blobDir)) total += (await stat(join(blobDir, n)).catch(() => undefined))?.size ?? 0;
    for (const n of await readdir(join(this.root, "layers"))) {
      if (n.startsWith(".")) continue;
      const m = await this.readLayerMeta(`sha256:${n}`).catch(() => undefined);
      total += m?.size ?? 0;
    }
    return total;
  }
}

/** How a lookup matched: a name lookup of an image with several names only untags it on removal. */
export interface ImageMatch {
  image: ImageRecord;
  by: "name" | "digest" | "id";
  /** The canonical name when matched by name. */
  name?: string;
}

export function findImage(images: readonly ImageRecord[], refOrId: string): ImageMatch | undefined {
  const s = refOrId.trim();
  if (/^sha256:[a-f0-9]{64}$/.test(s)) {
    const byId = images.find((i) => i.id === s);
    if (byId) return { image: byId, by: "id" };
    const byManifest = images.find((i) => i.manifestDigest === s || i.indexDigest === s);
    return byManifest ? { image: byManifest, by: "digest" } : undefined;
  }
  const ref = tryParseReference(s);
  if (ref) {
    if (ref.digest) {
      const want = digestedName(ref, ref.digest);
      const hit = images.find((i) => i.repoDigests.includes(want)) ??
        images.find((i) => (i.manifestDigest === ref.digest || i.indexDigest === ref.digest) &&
          [...i.names, ...i.repoDigests].some((n) => n.startsWith(repositoryName(ref) + ":") || n.startsWith(repositoryName(ref) + "@")));
      if (hit) return { image: hit, by: "digest" };
    } else {
      const name = taggedName(ref)!;
      const hit = images.find((i) => i.names.includes(name));
      if (hit) return { image: hit, by: "name", name };
    }
  }
  const hex = s.startsWith("sha256:") ? s.slice(7) : s;
  if (/^[a-f0-9]{4,64}$/.test(hex)) {
    const hits = images.filter((i) => i.id.slice(7).startsWith(hex));
    if (hits.length === 1) return { image: hits[0]!, by: "id" };
  }
  return undefined;
}

/** Canonical names for a reference string as the index stores them (tag name, repo digest). */
export function namesFor(reference: string, digest: string): { names: string[]; repoDigests: string[] } {
  const ref = parseReference(reference);
  const tagged = taggedName(ref);
  return { names: tagged ? [tagged] : [], repoDigests: [digestedName(ref, digest)] };
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])];
}

/** Writes a file through a temp file and rename, so readers never see half of it. */
export async function writeAtomic(path: string, data: string | Buffer): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

/** A Special describing a device or fifo found while copying a tree. */
export function specialFromStat(rel: string, st: import("node:fs").Stats): Special {
  const base = { path: rel, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtime };
  if (st.isFIFO()) return { kind: "fifo", ...base };
  const rdev = st.rdev;
  const major = ((rdev >> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
  const minor = (rdev & 0xff) | ((rdev >> 12) & 0xfff00);
  return { kind: st.isBlockDevice() ? "block" : "char", major, minor, ...base };
}
