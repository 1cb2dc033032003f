/**
 * Filesystem helpers for unpacking and copying root filesystems: path resolution that can
 * never leave a root (symlinks are resolved as if the root were `/`, as a chroot would),
 * tree copies that keep modes, owners, times and hard links, and tree sizes.
 */
import { constants } from "node:fs";
import {
  chmod, copyFile, lchown, link, lstat, lutimes, mkdir, readdir, readlink, rm, symlink, utimes,
} from "node:fs/promises";
import { join, posix } from "node:path";

const MAX_SYMLINKS = 255;

/** Thrown for an archive path that tries to leave its root (`../x`, absolute hard link targets outside). */
export class UnsafePathError extends Error {
  override name = "UnsafePathError";
}

/**
 * Cleans an archive member name into a relative POSIX path ("" for the root itself).
 * Leading `/` and `./` are dropped; a path that climbs above the root is refused.
 */
export function cleanArchivePath(name: string): string {
  const n = posix.normalize("/" + name.replace(/\\/g, "/"));
  // normalize("/" + x) cannot climb above "/", so a name with ".." that would escape has been
  // clamped; refuse it instead of silently writing somewhere else.
  const parts = name.split("/").filter((p) => p !== "" && p !== ".");
  let depth = 0;
  for (const p of parts) {
    depth += p === ".." ? -1 : 1;
    if (depth < 0) throw new UnsafePathError(`archive path ${JSON.stringify(name)} leaves the root`);
  }
  return n === "/" ? "" : n.slice(1);
}

/**
 * Resolves `rel` inside `root`, following symlinks in every component (relative to the root,
 * never above it). With `followLast` false the final component is not followed, so the caller
 * can create or replace it. Missing components are kept as they are.
 */
export async function secureJoin(root: string, rel: string, followLast = true): Promise<string> {
  const pending = rel.split("/").filter((p) => p !== "" && p !== ".");
  const resolved: string[] = [];
  let links = 0;
  while (pending.length) {
    const comp = pending.shift()!;
    if (comp === "..") {
      resolved.pop();
      continue;
    }
    const candidate = [...resolved, comp];
    if (!followLast && pending.length === 0) {
      resolved.push(comp);
      break;
    }
    let st;
    try {
      st = await lstat(join(root, ...candidate));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT" || (e as NodeJS.ErrnoException).code === "ENOTDIR") {
        resolved.push(comp);
        continue;
      }
      throw e;
    }
    if (!st.isSymbolicLink()) {
      resolved.push(comp);
      continue;
    }
    if (++links > MAX_SYMLINKS) throw new UnsafePathError(`too many levels of symbolic links resolving ${rel}`);
    const target = await readlink(join(root, ...candidate));
    const tparts = target.split("/").filter((p) => p !== "" && p !== ".");
    if (target.startsWith("/")) resolved.length = 0;
    pending.unshift(...tparts);
  }
  return join(root, ...resolved);
}

export async function lstatOrUndefined(p: string): Promise<import("node:fs").Stats | undefined> {
  try {
    return await lstat(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT" || (e as NodeJS.ErrnoException).code === "ENOTDIR") return undefined;
    throw e;
  }
}

export function isRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

export interface CopyOptions {
  /** Hard-link regular files instead of copying them (layer snapshots that are never written in place). */
  hardlink?: boolean;
  /** Keep owners (only root can). */
  preserveOwner?: boolean;
  /** Relative paths (from the source root) to leave out, e.g. whiteout devices. */
  skip?: ReadonlySet<string>;
  /** Called for devices and fifos, which Node cannot create; the caller makes them afterwards. */
  onSpecial?: (rel: string, st: import("node:fs").Stats) => void;
}

/**
 * Copies the tree at `src` onto `dst` (created if missing), merging into existing
 * directories and replacing anything else that is in the way. Hard links inside the source
 * stay hard links in the copy. Directory modes and times are set last, deepest first.
 */
export async function copyTree(src: string, dst: string, opts: CopyOptions = {}): Promise<void> {
  const inodes = new Map<string, string>();
  const dirs: Array<{ path: string; st: import("node:fs").Stats }> = [];
  const rootSt = await lstat(src);
  await mkdir(dst, { recursive: true });
  dirs.push({ path: dst, st: rootSt });
  await copyChildren(src, dst, "", opts, inodes, dirs);
  for (let i = dirs.length - 1; i >= 0; i--) {
    const { path, st } = dirs[i]!;
    if (opts.preserveOwner) await lchown(path, st.uid, st.gid);
    await chmod(path, st.mode & 0o7777);
    await utimes(path, st.atime, st.mtime);
  }
}

async function copyChildren(
  src: string, dst: string, rel: string, opts: CopyOptions, inodes: Map<string, string>,
  dirs: Array<{ path: string; st: import("node:fs").Stats }>,
): Promise<void> {
  const names = await readdir(src);
  for (const name of names) {
    const s = join(src, name);
    const d = join(dst, name);
    const r = rel ? `${rel}/${name}` : name;
    if (opts.skip?.has(r)) continue;
    const st = await lstat(s);
    const existing = await lstatOrUndefined(d);
    if (st.isDirectory()) {
      if (existing && !existing.isDirectory()) await rm(d, { recursive: true, force: true });
      if (!existing || !existing.isDirectory()) await mkdir(d, { mode: 0o700 });
      else await chmod(d, 0o700 | (existing.mode & 0o777));
      dirs.push({ path: d, st });
      await copyChildren(s, d, r, opts, inodes, dirs);
      continue;
    }
    if (existing) await rm(d, { recursive: true, force: true });
    if (st.isSymbolicLink()) {
      await symlink(await readlink(s), d);
      if (opts.preserveOwner) await lchown(d, st.uid, st.gid);
      await lutimes(d, st.atime, st.mtime);
    } else if (st.isFile()) {
      const key = `${st.dev}:${st.ino}`;
      const first = st.nlink > 1 ? inodes.get(key) : undefined;
      if (first !== undefined) {
        await link(first, d);
        continue;
      }
      let linked = false;
      if (opts.hardlink) {
        try {
          await link(s, d);
          linked = true;
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code !== "EXDEV" && code !== "EPERM" && code !== "EMLINK") throw e;
        }
      }
      if (!linked) {
        await copyFile(s, d, constants.COPYFILE_FICLONE);
        if (opts.preserveOwner) await lchown(d, st.uid, st.gid);
        await chmod(d, st.mode & 0o7777);
        await utimes(d, st.atime, st.mtime);
      }
      if (st.nlink > 1) inodes.set(key, d);
    } else {
      opts.onSpecial?.(r, st);
    }
  }
}

/** Bytes used by a tree (file sizes; hard links counted once). */
export async function treeSize(root: string): Promise<number> {
  const seen = new Set<string>();
  let total = 0;
  const walk = async (p: string): Promise<void> => {
    let names: string[];
    try {
      names = await readdir(p);
    } catch {
      return;
    }
    for (const n of names) {
      const c = join(p, n);
      const st = await lstatOrUndefined(c);
      if (!st) continue;
      if (st.isDirectory()) {
        total += st.size;
        await walk(c);
      } else {
        const key = `${st.dev}:${st.ino}`;
        if (st.nlink > 1) {
          if (seen.has(key)) continue;
          seen.add(key);
        }
        total += st.size;
      }
    }
  };
  await walk(root);
  return total;
}

/** Removes a tree that may hold read-only directories (as an unpacked rootfs does for non-root users). */
export async function removeTree(p: string): Promise<void> {
  try {
    await rm(p, { recursive: true, force: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EACCES" && (e as NodeJS.ErrnoException).code !== "EPERM") throw e;
    await makeWritable(p);
    await rm(p, { recursive: true, force: true });
  }
}

async function makeWritable(p: string): Promise<void> {
  const st = await lstatOrUndefined(p);
  if (!st || !st.isDirectory()) return;
  await chmod(p, (st.mode & 0o777) | 0o700).catch(() => undefined);
  for (const n of await readdir(p).catch(() => [] as string[])) await makeWritable(join(p, n));
}
