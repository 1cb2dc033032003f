/**
 * Layer unpacking: one layer tar (plain or gzip) into a directory, hashing the uncompressed
 * stream to check its diffID. OCI whiteouts are handled in one of two formats:
 * - "diff" (for overlay lowerdirs, root only): `.wh.<name>` becomes a 0:0 character device and
 *   `.wh..wh..opq` the `trusted.overlay.opaque=y` xattr on its directory;
 * - "merged" (the destination already holds the parent layers): whiteouts delete what they
 *   hide, so the directory ends up as the whole root filesystem up to this layer.
 * Every path is resolved inside the destination; nothing can be written outside it.
 */
import { createReadStream, createWriteStream, type Stats } from "node:fs";
import {
  chmod, lchown, link, lstat, lutimes, mkdir, readdir, symlink, utimes,
} from "node:fs/promises";
import { join, posix } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import tar from "tar-stream";
import { DigestMismatchError, HashingStream } from "../digest.js";
import { cleanArchivePath, lstatOrUndefined, removeTree, secureJoin, UnsafePathError } from "./fsutil.js";
import { createSpecials, type Special } from "./specials.js";

export type LayerFormat = "diff" | "merged";

export const WHITEOUT_PREFIX = ".wh.";
export const WHITEOUT_OPAQUE = ".wh..wh..opq";
const WHITEOUT_META_PREFIX = ".wh..wh.";

export interface UnpackOptions {
  format: LayerFormat;
  /** Set owners, make devices and privileged xattrs (needs root). */
  privileged: boolean;
  /** When given, the uncompressed stream must hash to it. */
  expectedDiffID?: string;
  /** Lower layers' directories, top first ("diff" format), for the metadata of implied parents. */
  lowerDirs?: readonly string[];
}

export interface UnpackResult {
  diffID: string;
  /** Bytes of the uncompressed tar. */
  tarSize: number;
  /** Relative paths hidden by this layer's whiteouts. */
  whiteouts: string[];
  /** Relative directories made opaque by this layer. */
  opaques: string[];
  /** Extended attributes this layer sets (utf-8 values only), by relative path. */
  xattrs: Record<string, Record<string, string>>;
  /** Entries that could not be made without root (devices), by relative path. */
  skipped: string[];
}

/** An entry's content stream (tar-stream's streamx Readable). */
interface EntryBody extends AsyncIterable<unknown> {
  resume(): unknown;
}

interface DirMeta { path: string; mode: number; uid: number; gid: number; mtime: Date }

async function readHead(file: string, n: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let got = 0;
  for await (const c of createReadStream(file, { start: 0, end: n - 1 }) as AsyncIterable<Buffer>) {
    chunks.push(c);
    got += c.length;
  }
  return Buffer.concat(chunks, got);
}

/** Unpacks the layer blob at `blobPath` into `dest` (which exists; for "merged" it holds the parent). */
export async function unpackLayer(blobPath: string, dest: string, opts: UnpackOptions): Promise<UnpackResult> {
  const head = await readHead(blobPath, 4);
  let source: Readable = createReadStream(blobPath);
  const stages: NodeJS.ReadWriteStream[] = [];
  if (head[0] === 0x1f && head[1] === 0x8b) stages.push(createGunzip());
  else if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) {
    (source as ReturnType<typeof createReadStream>).destroy();
    throw new Error("zstd-compressed layers are not supported by this Node version");
  }
  const hasher = new HashingStream();
  const extract = tar.extract();
  const done = pipeline([source, ...stages, hasher, extract] as unknown as [Readable, NodeJS.WritableStream]);
  const u = new Unpacker(dest, opts);
  try {
    for await (const entry of extract) {
      await u.entry(entry.header, entry);
    }
    await done;
  } catch (e) {
    source.destroy();
    await done.catch(() => undefined);
    throw e;
  }
  const diffID = hasher.digest();
  if (opts.expectedDiffID && diffID !== opts.expectedDiffID) {
    throw new DigestMismatchError(opts.expectedDiffID, diffID, `uncompressed layer (diffID) of ${blobPath}`);
  }
  await u.finish();
  return { diffID, tarSize: hasher.bytes, ...u.result() };
}

class Unpacker {
  private readonly written = new Set<string>();
  private readonly dirs: DirMeta[] = [];
  private readonly specials: Special[] = [];
  private readonly whiteouts: string[] = [];
  private readonly opaques: string[] = [];
  private readonly xattrs: Record<string, Record<string, string>> = {};
  private readonly skipped: string[] = [];
  /** Resolved parent directories; cleared whenever a symlink or removal could change resolution. */
  private readonly dirCache = new Map<string, string>();

  constructor(private readonly dest: string, private readonly opts: UnpackOptions) {}

  async entry(h: tar.Header, body: EntryBody): Promise<void> {
    try {
      await this.handle(h, body);
    } finally {
      body.resume();
    }
  }

  private async handle(h: tar.Header, body: EntryBody): Promise<void> {
    const type = h.type ?? "file";
    const rel = cleanArchivePath(h.name);
    if (rel === "") return; // the root itself: keep the destination's own metadata
    const base = posix.basename(rel);
    const parentRel = posix.dirname(rel) === "." ? "" : posix.dirname(rel);

    if (base.startsWith(WHITEOUT_PREFIX)) {
      await this.whiteout(parentRel, base);
      return;
    }

    const parent = await this.ensureDir(parentRel);
    const target = join(parent, base);
    const existing = await lstatOrUndefined(target);
    const mode = (h.mode ?? 0o644) & 0o7777;
    const uid = h.uid ?? 0;
    const gid = h.gid ?? 0;
    const mtime = h.mtime ?? new Date(0);

    if (type === "directory") {
      if (existing && !existing.isDirectory()) await this.remove(target);
      if (!existing || !existing.isDirectory()) await mkdir(target, { mode: 0o700 });
      else await chmod(target, 0o700 | (existing.mode & 0o777));
      this.dirs.push({ path: target, mode, uid, gid, mtime });
      this.dirCache.delete(rel);
    } else {
      if (existing) await this.remove(target);
      switch (type) {
        case "file":
        case "contiguous-file":
          await pipeline(body as AsyncIterable<Buffer>, createWriteStream(target, { mode: 0o600 }));
          await this.setMeta(target, mode, uid, gid, mtime);
          break;
        case "symlink":
          await symlink(h.linkname ?? "", target);
          this.dirCache.clear();
          if (this.opts.privileged) await lchown(target, uid, gid);
          await lutimes(target, mtime, mtime);
          break;
        case "link": {
          const linkRel = cleanArchivePath(h.linkname ?? "");
          const src = await secureJoin(this.dest, linkRel, false);
          const srcSt = await lstatOrUndefined(src);
          if (!srcSt) throw new Error(`hard link ${rel} points at missing ${linkRel}`);
          await link(src, target);
          break;
        }
        case "character-device":
        case "block-device":
          if (!this.opts.privileged) {
            this.skipped.push(rel);
            break;
          }
          this.specials.push({
            kind: type === "character-device" ? "char" : "block", path: relInside(this.dest, target),
            major: h.devmajor ?? 0, minor: h.devminor ?? 0, mode, uid, gid, mtime,
          });
          break;
        case "fifo":
          this.specials.push({ kind: "fifo", path: relInside(this.dest, target), mode, uid, gid, mtime });
          break;
        default:
          this.skipped.push(rel);
          return;
      }
    }
    this.written.add(relInside(this.dest, target));
    const x = xattrsOf(h.pax as Record<string, string> | null | undefined, this.opts.privileged);
    if (x && (type === "directory" || type === "file" || type === "contiguous-file")) {
      this.xattrs[relInside(this.dest, target)] = x;
    }
  }

  private async whiteout(parentRel: string, base: string): Promise<void> {
    if (base === WHITEOUT_OPAQUE) {
      const dir = await this.ensureDir(parentRel);
      const dirRel = relInside(this.dest, dir);
      this.opaques.push(dirRel);
      if (this.opts.format === "merged") await this.pruneUnwritten(dir, dirRel);
      return;
    }
    if (base.startsWith(WHITEOUT_META_PREFIX)) return; // aufs bookkeeping (.wh..wh.plnk, ...)
    const name = base.slice(WHITEOUT_PREFIX.length);
    if (!name || name === "." || name === "..") return;
    const parent = await this.ensureDir(parentRel);
    const rel = relInside(this.dest, join(parent, name));
    // A whiteout hides lower layers only; something this layer wrote itself stays.
    if (this.written.has(rel)) return;
    this.whiteouts.push(rel);
    if (this.opts.format === "merged") {
      await this.remove(join(parent, name));
    } else {
      this.specials.push({ kind: "char", path: rel, major: 0, minor: 0, mode: 0, uid: 0, gid: 0, mtime: new Date(0) });
    }
  }

  /** Opaque directory in merged format: delete everything under it that this layer did not write. */
  private async pruneUnwritten(dir: string, dirRel: string): Promise<void> {
    for (const name of await readdir(dir)) {
      const rel = dirRel ? `${dirRel}/${name}` : name;
      const p = join(dir, name);
      if (this.written.has(rel)) {
        const st = await lstatOrUndefined(p);
        if (st?.isDirectory()) await this.pruneUnwritten(p, rel);
        continue;
      }
      await this.remove(p);
    }
  }

  private async remove(p: string): Promise<void> {
    await removeTree(p);
    this.dirCache.clear();
  }

  /**
   * Resolves a parent directory inside the destination, creating missing components. A
   * created directory takes its metadata from the same path in a lower layer when there is
   * one (so a layer without parent entries does not reset them in the overlay view), else
   * 0755. Without root, a read-only existing directory is opened up until finish().
   */
  private async ensureDir(rel: string): Promise<string> {
    const cached = this.dirCache.get(rel);
    if (cached) return cached;
    const resolved = rel === "" ? this.dest : await secureJoin(this.dest, rel);
    if (resolved !== this.dest && !resolved.startsWith(this.dest + "/")) throw new UnsafePathError(`${rel} resolves outside the layer`);
    await this.makeWritable(this.dest);
    let cur = this.dest;
    let curRel = "";
    for (const part of relInside(this.dest, resolved).split("/").filter(Boolean)) {
      cur = join(cur, part);
      curRel = curRel ? `${curRel}/${part}` : part;
      const st = await lstatOrUndefined(cur);
      if (st?.isDirectory()) {
        await this.makeWritable(cur, st);
        continue;
      }
      if (st) await this.remove(cur);
      await mkdir(cur, { mode: 0o755 });
      const lower = await this.lowerDir(curRel);
      if (lower) this.dirs.push({ path: cur, mode: lower.mode & 0o7777, uid: lower.uid, gid: lower.gid, mtime: lower.mtime });
      else if (!this.opts.privileged) await chmod(cur, 0o755);
    }
    this.dirCache.set(rel, resolved);
    return resolved;
  }

  private readonly opened = new Set<string>();

  private async makeWritable(p: string, st?: Stats): Promise<void> {
    if (this.opts.privileged || this.opened.has(p)) return;
    this.opened.add(p);
    st ??= await lstat(p);
    if ((st.mode & 0o700) === 0o700) return;
    await chmod(p, (st.mode & 0o7777) | 0o700);
    this.dirs.push({ path: p, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtime });
  }

  private async lowerDir(rel: string): Promise<Stats | undefined> {
    for (const lower of this.opts.lowerDirs ?? []) {
      const st = await lstatOrUndefined(join(lower, rel));
      if (st) return st.isDirectory() ? st : undefined;
    }
    return undefined;
  }

  private async setMeta(p: string, mode: number, uid: number, gid: number, mtime: Date): Promise<void> {
    // chown clears setuid bits, so it goes first.
    if (this.opts.privileged) await lchown(p, uid, gid);
    await chmod(p, mode);
    await utimes(p, mtime, mtime);
  }

  async finish(): Promise<void> {
    const dirRels = new Set(this.dirs.map((d) => relInside(this.dest, d.path)));
    const dirX: Special[] = [];
    const fileX: Special[] = [];
    const opaqueX = this.opts.format === "diff" ? this.opaques : [];
    for (const d of opaqueX) dirX.push({ kind: "xattrs", path: d, xattrs: { ...(this.xattrs[d] ?? {}), "trusted.overlay.opaque": "y" } });
    for (const [p, x] of Object.entries(this.xattrs)) {
      if (opaqueX.includes(p)) continue;
      (dirRels.has(p) ? dirX : fileX).push({ kind: "xattrs", path: p, xattrs: x });
    }
    await createSpecials(this.dest, [...this.specials, ...fileX]);
    // Directories get their final metadata last, deepest first, after everything inside them exists.
    const byDepth = [...this.dirs].sort((a, b) => b.path.length - a.path.length);
    for (const d of byDepth) await this.setMeta(d.path, d.mode, d.uid, d.gid, d.mtime);
    // tar re-applies each directory's current metadata from the header it is given, plus the xattrs.
    await createSpecials(this.dest, dirX);
  }

  result(): Omit<UnpackResult, "diffID" | "tarSize"> {
    return {
      whiteouts: this.whiteouts, opaques: this.opaques, xattrs: this.xattrs, skipped: this.skipped,
    };
  }
}

function relInside(root: string, p: string): string {
  if (p === root) return "";
  return p.slice(root.length + 1);
}

/** Xattrs from PAX headers; binary values tar-stream could not decode are dropped, as are privileged ones for non-root. */
function xattrsOf(pax: Record<string, string> | null | undefined, privileged: boolean): Record<string, string> | undefined {
  if (!pax) return undefined;
  let out: Record<string, string> | undefined;
  for (const [k, v] of Object.entries(pax)) {
    if (!k.startsWith("SCHILY.xattr.")) continue;
    const name = k.slice("SCHILY.xattr.".length);
    if (v.includes("\uFFFD")) continue;
    if (!privileged && !name.startsWith("user.")) continue;
    if (name.startsWith("trusted.overlay.")) continue; // never let an image forge overlay metadata
    (out ??= {})[name] = v;
  }
  return out;
}
