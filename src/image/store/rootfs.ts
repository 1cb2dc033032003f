/**
 * Container root filesystems from stored images. As root with "diff" layers, a container gets
 * an overlay mount (lowerdirs = the image's layers, upper/work in the container's directory);
 * otherwise, or when overlay cannot be mounted, a full copy. A ref file per container keeps
 * its image from being collected; preparing again after a restart adopts what is there.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdir, readFile, readdir, rm, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { copyTree, lstatOrUndefined, removeTree } from "./fsutil.js";
import { createSpecials, type Special } from "./specials.js";
import { specialFromStat, writeAtomic, type ImageRecord, type ImageStore } from "./store.js";

const run = promisify(execFile);

export type RootfsKind = "overlay" | "copy";

export interface PreparedRootfs {
  /** The directory to use as the container's root (`<containerDir>/rootfs`). */
  path: string;
  kind: RootfsKind;
  imageId: string;
}

export interface PrepareOptions {
  /** "auto" (default): overlay when possible, else copy. */
  mode?: "auto" | RootfsKind;
}

interface RootfsFile {
  kind: RootfsKind;
  imageId: string;
  lowerdirs?: string[];
}

interface RefFile {
  containerDir: string;
  imageId: string;
  createdAt: string;
}

const ROOTFS_FILE = "rootfs.json";

/** True when this process may mount overlayfs (root and the kernel knows overlay). */
export function overlaySupported(): boolean {
  if (process.platform !== "linux" || process.getuid?.() !== 0) return false;
  try {
    return /\toverlay$/m.test(readFileSync("/proc/filesystems", "utf8"));
  } catch {
    return false;
  }
}

function refPath(store: ImageStore, containerDir: string): string {
  return join(store.root, "refs", createHash("sha256").update(containerDir).digest("hex").slice(0, 32) + ".json");
}

/**
 * Prepares `<containerDir>/rootfs` from an image. Idempotent: a container directory that is
 * already prepared is reused (and an overlay that is no longer mounted, after a reboot, is
 * mounted again with its upper directory intact).
 */
export async function prepareRootfs(store: ImageStore, refOrId: string, containerDir: string, opts: PrepareOptions = {}): Promise<PreparedRootfs> {
  const dir = resolve(containerDir);
  const target = join(dir, "rootfs");
  await mkdir(dir, { recursive: true });
  const existing = await readRootfsFile(dir);
  if (existing) {
    if (existing.kind === "overlay" && !(await isMountPoint(target))) await mountOverlay(store, dir, existing.lowerdirs ?? []);
    return { path: target, kind: existing.kind, imageId: existing.imageId };
  }
  const image = await store.requireImage(refOrId);
  const release = store.hold([image.id, ...image.layers.map((l) => l.chainID)]);
  try {
    await writeAtomic(refPath(store, dir), JSON.stringify({ containerDir: dir, imageId: image.id, createdAt: new Date().toISOString() } satisfies RefFile));
    await store.ensureLayers(image.layers);
    await store.touch(image.id);
    const mode = opts.mode ?? "auto";
    const canOverlay = store.layerFormat === "diff" && overlaySupported();
    if (mode === "overlay" && !canOverlay) throw new Error("overlay root filesystems need root, overlayfs and a store with diff layers");
    if (mode !== "copy" && canOverlay) {
      const lowerdirs = await lowerdirsFor(store, image);
      try {
        await mountOverlay(store, dir, lowerdirs);
        await writeAtomic(join(dir, ROOTFS_FILE), JSON.stringify({ kind: "overlay", imageId: image.id, lowerdirs } satisfies RootfsFile));
        return { path: target, kind: "overlay", imageId: image.id };
      } catch (e) {
        await cleanupOverlayDirs(dir);
        if (mode === "overlay") throw e;
      }
    }
    await copyImage(store, image, target);
    await writeAtomic(join(dir, ROOTFS_FILE), JSON.stringify({ kind: "copy", imageId: image.id } satisfies RootfsFile));
    return { path: target, kind: "copy", imageId: image.id };
  } catch (e) {
    await rm(refPath(store, dir), { force: true });
    throw e;
  } finally {
    release();
  }
}

/** Unmounts and deletes what prepareRootfs made in `containerDir` (the directory itself stays). */
export async function releaseRootfs(store: ImageStore, containerDir: string): Promise<void> {
  const dir = resolve(containerDir);
  const target = join(dir, "rootfs");
  if (await isMountPoint(target)) await unmount(target);
  await cleanupOverlayDirs(dir);
  await removeTree(target);
  await rm(join(dir, ROOTFS_FILE), { force: true });
  await rm(refPath(store, dir), { force: true });
}

/** Image IDs that prepared root filesystems still use; refs whose container directory is gone are dropped. */
export async function imagesInUse(store: ImageStore): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const refsDir = join(store.root, "refs");
  for (const n of await readdir(refsDir).catch(() => [] as string[])) {
    if (!n.endsWith(".json")) continue;
    let ref: RefFile;
    try {
      ref = JSON.parse(await readFile(join(refsDir, n), "utf8")) as RefFile;
    } catch {
      continue;
    }
    const alive = await lstatOrUndefined(ref.containerDir);
    if (!alive) {
      await rm(join(refsDir, n), { force: true });
      continue;
    }
    out.set(ref.imageId, [...(out.get(ref.imageId) ?? []), ref.containerDir]);
  }
  return out;
}

async function readRootfsFile(dir: string): Promise<RootfsFile | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, ROOTFS_FILE), "utf8")) as RootfsFile;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

/** Lowerdirs relative to the store's layers directory, top layer first (overlay's order). */
async function lowerdirsFor(store: ImageStore, image: ImageRecord): Promise<string[]> {
  if (image.layers.length === 0) {
    await mkdir(join(store.root, "layers", ".empty"), { recursive: true });
    return [".empty"];
  }
  return image.layers.map((l) => `${l.chainID.slice(7)}/rootfs`).reverse();
}

async function mountOverlay(store: ImageStore, dir: string, lowerdirs: string[]): Promise<void> {
  const upper = join(dir, "upper");
  const work = join(dir, "work");
  const target = join(dir, "rootfs");
  for (const d of [upper, work, target]) await mkdir(d, { recursive: true });
  for (const p of [upper, work]) {
    if (/[,:\\]/.test(p)) throw new Error(`container directory ${dir} has characters overlay options cannot hold`);
  }
  // Relative lowerdirs, resolved from the layers directory (mount's cwd), keep the option
  // string short enough for images with many layers.
  const options = `lowerdir=${lowerdirs.join(":")},upperdir=${upper},workdir=${work}`;
  if (options.length > 4000) throw new Error(`too many layers for one overlay mount (${lowerdirs.length})`);
  try {
    await run("mount", ["-t", "overlay", "overlay", "-o", options, target], { cwd: join(store.root, "layers") });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`mounting overlay on ${target} failed: ${(err.stderr ?? "").trim() || err.message}`);
  }
}

async function unmount(target: string): Promise<void> {
  try {
    await run("umount", [target]);
  } catch {
    // Busy (a process still has it open): detach it now, the kernel frees it when the last user goes.
    await run("umount", ["-l", target]);
  }
}

async function cleanupOverlayDirs(dir: string): Promise<void> {
  await removeTree(join(dir, "upper"));
  await removeTree(join(dir, "work"));
}

/** True when `p` is a mount point (listed in this process's mountinfo). */
export async function isMountPoint(p: string): Promise<boolean> {
  if (process.platform !== "linux") return false;
  let info: string;
  try {
    info = await readFile("/proc/self/mountinfo", "utf8");
  } catch {
    return false;
  }
  const want = resolve(p);
  for (const line of info.split("\n")) {
    const f = line.split(" ");
    if (f.length < 5) continue;
    const mp = f[4]!.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (mp === want) return true;
  }
  return false;
}

/** A full copy of the image's filesystem at `target`, from merged or diff layers. */
async function copyImage(store: ImageStore, image: ImageRecord, target: string): Promise<void> {
  await removeTree(target);
  await mkdir(target, { recursive: true, mode: 0o755 });
  if (image.layers.length === 0) return;
  const preserveOwner = store.privileged;
  if (store.layerFormat === "merged") {
    const specials: Special[] = [];
    await copyTree(store.layerRootfs(image.layers[image.layers.length - 1]!.chainID), target, {
      preserveOwner, onSpecial: (rel, st) => specials.push(specialFromStat(rel, st)),
    });
    await createSpecials(target, specials);
    return;
  }
  // Diff layers: replay them bottom to top, doing what overlay would do with the whiteouts.
  const xattrs: Record<string, Record<string, string>> = {};
  for (const l of image.layers) {
    const meta = await store.readLayerMeta(l.chainID);
    if (!meta) throw new Error(`layer ${l.chainID} is not unpacked`);
    for (const d of meta.opaques) {
      const p = join(target, d);
      const st = await lstatOrUndefined(p);
      if (st?.isDirectory()) for (const n of await readdir(p)) await removeTree(join(p, n));
    }
    for (const w of meta.whiteouts) await removeTree(join(target, w));
    const specials: Special[] = [];
    await copyTree(store.layerRootfs(l.chainID), target, {
      preserveOwner, skip: new Set(meta.whiteouts), onSpecial: (rel, st) => specials.push(specialFromStat(rel, st)),
    });
    await createSpecials(target, specials);
    Object.assign(xattrs, meta.xattrs);
  }
  const kept: Special[] = [];
  for (const [p, x] of Object.entries(xattrs)) {
    if (await stat(join(target, p)).catch(() => undefined)) kept.push({ kind: "xattrs", path: p, xattrs: x });
  }
  await createSpecials(target, kept);
}
