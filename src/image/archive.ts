/**
 * Air-gapped images: importing OCI image layout tarballs (`oci-layout`, `index.json`,
 * `blobs/`) and docker-archive tarballs (`docker save`: `manifest.json` + layer tars),
 * plain or gzip-compressed, into the store; scanning an images folder at start-up as k3s
 * does with agent/images; and the functions behind `timonel image import|ls|rm`.
 */
import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, open, readFile, readdir, rm, stat } from "node:fs/promises";
import { join, posix, resolve } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import tar from "tar-stream";
import { chainIDs, DigestMismatchError, HashingStream, sha256Digest } from "./digest.js";
import {
  formatPlatform, hostPlatform, MediaType, parseManifestDocument, selectManifest,
  type Descriptor, type ImageConfig, type ImageIndex, type ImageManifest, type Platform,
} from "./oci.js";
import { digestedName, normalizeReference, parseReference, repositoryName } from "./reference.js";
import { cleanArchivePath } from "./store/fsutil.js";
import { removeImage, type RemoveResult } from "./store/gc.js";
import { writeAtomic, ImageStore, type ImageRecord, type LayerRef } from "./store/store.js";

export interface ImportOptions {
  /** Platform to import from multi-platform archives (default: the host's). */
  platform?: Platform;
  /** Repository for OCI layouts whose ref.name annotation is only a tag. */
  baseName?: string;
}

export interface ImportResult {
  file: string;
  format: "oci-layout" | "docker-archive";
  images: ImageRecord[];
}

interface Member {
  path: string; // temp file
  digest: string;
  size: number;
}

interface Extracted {
  dir: string;
  files: Map<string, Member>;
  links: Map<string, string>;
}

/** Imports every image in an OCI layout or docker-archive tarball (optionally gzip-compressed). */
export async function importArchive(store: ImageStore, file: string, opts: ImportOptions = {}): Promise<ImportResult> {
  const ex = await extractArchive(store, file);
  try {
    if (ex.files.has("manifest.json")) return { file, format: "docker-archive", images: await importDocker(store, ex) };
    if (ex.files.has("index.json")) return { file, format: "oci-layout", images: await importOCI(store, ex, opts) };
    throw new Error(`${file}: not an image archive (no manifest.json for docker-archive, no index.json for an OCI layout)`);
  } finally {
    await rm(ex.dir, { recursive: true, force: true });
  }
}

async function extractArchive(store: ImageStore, file: string): Promise<Extracted> {
  const head = Buffer.alloc(4);
  const fh = await open(file, "r");
  try {
    await fh.read(head, 0, 4, 0);
  } finally {
    await fh.close();
  }
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) {
    throw new Error(`${file}: zstd-compressed archives are not supported; decompress it first`);
  }
  const dir = join(store.root, "tmp", `import-${randomBytes(6).toString("hex")}`);
  await mkdir(dir, { recursive: true });
  const files = new Map<string, Member>();
  const links = new Map<string, string>();
  const extract = tar.extract();
  const stages: NodeJS.ReadWriteStream[] = head[0] === 0x1f && head[1] === 0x8b ? [createGunzip()] : [];
  const done = pipeline([createReadStream(file), ...stages, extract] as unknown as [Readable, NodeJS.WritableStream]);
  let n = 0;
  try {
    for await (const entry of extract) {
      const h = entry.header;
      const rel = cleanArchivePath(h.name);
      if (h.type === "file" || h.type === "contiguous-file") {
        const tmp = join(dir, String(n++));
        const hasher = new HashingStream();
        await pipeline(entry as unknown as AsyncIterable<Buffer>, hasher, createWriteStream(tmp));
        files.set(rel, { path: tmp, digest: hasher.digest(), size: hasher.bytes });
      } else if (h.type === "symlink") {
        const target = h.linkname.startsWith("/") ? cleanArchivePath(h.linkname) : cleanArchivePath(posix.join(posix.dirname(rel), h.linkname));
        links.set(rel, target);
        entry.resume();
      } else if (h.type === "link") {
        links.set(rel, cleanArchivePath(h.linkname));
        entry.resume();
      } else {
        entry.resume();
      }
    }
    await done;
  } catch (e) {
    await done.catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    throw new Error(`${file}: cannot read archive: ${(e as Error).message}`, { cause: e });
  }
  return { dir, files, links };
}

function member(ex: Extracted, rel: string): Member {
  let p = cleanArchivePath(rel);
  for (let i = 0; i < 16 && !ex.files.has(p); i++) {
    const next = ex.links.get(p);
    if (next === undefined) break;
    p = next;
  }
  const m = ex.files.get(p);
  if (!m) throw new Error(`archive member ${rel} is missing`);
  return m;
}

/** A member's bytes, from the store when an earlier image of the archive already adopted it. */
async function readMember(store: ImageStore | undefined, m: Member): Promise<Buffer> {
  try {
    return await readFile(m.path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT" || !store) throw e;
    return readFile(store.blobPath(m.digest));
  }
}

async function memberJSON<T>(ex: Extracted, rel: string, store?: ImageStore): Promise<{ value: T; bytes: Buffer; digest: string }> {
  const m = member(ex, rel);
  const bytes = await readMember(store, m);
  try {
    return { value: JSON.parse(bytes.toString("utf8")) as T, bytes, digest: m.digest };
  } catch (e) {
    throw new Error(`archive member ${rel}: invalid JSON: ${(e as Error).message}`);
  }
}

async function adopt(store: ImageStore, m: Member, expected?: string): Promise<void> {
  if (expected && expected !== m.digest) throw new DigestMismatchError(expected, m.digest, "archive blob");
  if (await store.hasBlob(m.digest)) return;
  try {
    await store.adoptBlobFile(m.path, { digest: m.digest, size: m.size });
  } catch (e) {
    // The same member can back several layers: moved already by an earlier one.
    if ((e as NodeJS.ErrnoException).code !== "ENOENT" || !(await store.hasBlob(m.digest))) throw e;
  }
}

async function layerMediaType(store: ImageStore, m: Member): Promise<string> {
  const head = Buffer.alloc(2);
  const fh = await open(m.path, "r").catch(() => open(store.blobPath(m.digest), "r"));
  try {
    await fh.read(head, 0, 2, 0);
  } finally {
    await fh.close();
  }
  return head[0] === 0x1f && head[1] === 0x8b ? MediaType.ociLayerGzip : MediaType.ociLayer;
}

interface DockerManifestEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

async function importDocker(store: ImageStore, ex: Extracted): Promise<ImageRecord[]> {
  const { value: entries } = await memberJSON<DockerManifestEntry[]>(ex, "manifest.json");
  if (!Array.isArray(entries)) throw new Error("manifest.json is not a list");
  const out: ImageRecord[] = [];
  for (const e of entries) {
    const cfg = await memberJSON<ImageConfig>(ex, e.Config, store);
    const diffIDs = cfg.value.rootfs?.diff_ids ?? [];
    if (diffIDs.length !== e.Layers.length) throw new Error(`${e.Config}: ${e.Layers.length} layers but ${diffIDs.length} diff IDs`);
    const configDigest = sha256Digest(cfg.bytes);
    const members = e.Layers.map((l) => member(ex, l));
    const chains = chainIDs(diffIDs);
    const release = store.hold([configDigest, ...members.map((m) => m.digest), ...chains]);
    try {
      const descs: Descriptor[] = [];
      for (const m of members) {
        descs.push({ mediaType: await layerMediaType(store, m), digest: m.digest, size: m.size });
        await adopt(store, m);
      }
      await store.putBlob(cfg.bytes);
      const manifest: ImageManifest = {
        schemaVersion: 2, mediaType: MediaType.ociManifest,
        config: { mediaType: MediaType.ociConfig, digest: configDigest, size: cfg.bytes.length }, layers: descs,
      };
      const manifestDigest = await store.putBlob(Buffer.from(JSON.stringify(manifest)));
      const layers: LayerRef[] = descs.map((d, i) => ({ digest: d.digest, mediaType: d.mediaType, size: d.size, diffID: diffIDs[i]!, chainID: chains[i]! }));
      await store.ensureLayers(layers);
      out.push(await store.addImage({
        id: configDigest, names: (e.RepoTags ?? []).map((t) => normalizeReference(t)), repoDigests: [],
        manifestDigest, manifestMediaType: MediaType.ociManifest, configDigest, layers,
        size: cfg.bytes.length + descs.reduce((s, d) => s + d.size, 0),
        platform: platformOf(cfg.value), ...(cfg.value.created ? { created: cfg.value.created } : {}), source: "archive",
      }));
    } finally {
      release();
    }
  }
  return out;
}

function blobMember(ex: Extracted, digest: string): Member {
  const [alg, hex] = digest.split(":");
  return member(ex, `blobs/${alg}/${hex}`);
}

async function importOCI(store: ImageStore, ex: Extracted, opts: ImportOptions): Promise<ImageRecord[]> {
  const { value: index } = await memberJSON<ImageIndex>(ex, "index.json");
  if (!Array.isArray(index.manifests)) throw new Error("index.json has no manifests");
  const platform = opts.platform ?? hostPlatform();
  const out: ImageRecord[] = [];
  for (const top of index.manifests) {
    const name = ociName(top, opts.baseName);
    const topMember = blobMember(ex, top.digest);
    if (topMember.digest !== top.digest) throw new DigestMismatchError(top.digest, topMember.digest, "archive manifest");
    const topBytes = await readMember(store, topMember);
    let doc = parseManifestDocument(topBytes, top.mediaType);
    let indexDigest: string | undefined;
    let manifestDigest = top.digest;
    let manifestBytes = topBytes;
    if (doc.kind === "index") {
      // Only the platform's manifest need be in the archive (docker save of one platform of a list).
      const present = { ...doc.index, manifests: doc.index.manifests.filter((d) => ex.files.has(`blobs/${d.digest.replace(":", "/")}`)) };
      const chosen = selectManifest(present, platform);
      if (!chosen) throw new Error(`no manifest for ${formatPlatform(platform)} in archive index ${top.digest}`);
      indexDigest = top.digest;
      manifestDigest = chosen.digest;
      const mm = blobMember(ex, chosen.digest);
      if (mm.digest !== chosen.digest) throw new DigestMismatchError(chosen.digest, mm.digest, "archive manifest");
      manifestBytes = await readMember(store, mm);
      doc = parseManifestDocument(manifestBytes, chosen.mediaType);
      if (doc.kind !== "manifest") throw new Error(`nested index ${chosen.digest} is not supported`);
    }
    const manifest = doc.manifest;
    const cfgMember = blobMember(ex, manifest.config.digest);
    const cfgBytes = await readMember(store, cfgMember);
    const config = JSON.parse(cfgBytes.toString("utf8")) as ImageConfig;
    const diffIDs = config.rootfs?.diff_ids ?? [];
    if (diffIDs.length !== manifest.layers.length) throw new Error(`manifest ${manifestDigest}: ${manifest.layers.length} layers but ${diffIDs.length} diff IDs`);
    const chains = chainIDs(diffIDs);
    const release = store.hold([manifestDigest, manifest.config.digest, ...(indexDigest ? [indexDigest] : []), ...manifest.layers.map((l) => l.digest), ...chains]);
    try {
      await adopt(store, cfgMember, manifest.config.digest);
      for (const l of manifest.layers) await adopt(store, blobMember(ex, l.digest), l.digest);
      await store.putBlob(manifestBytes, manifestDigest);
      if (indexDigest) await store.putBlob(topBytes, indexDigest);
      const layers: LayerRef[] = manifest.layers.map((d, i) => ({ digest: d.digest, mediaType: d.mediaType, size: d.size, diffID: diffIDs[i]!, chainID: chains[i]! }));
      await store.ensureLayers(layers);
      const ref = name ? parseReference(name) : undefined;
      out.push(await store.addImage({
        id: manifest.config.digest, names: name ? [name] : [],
        repoDigests: ref ? [digestedName(ref, top.digest)] : [],
        manifestDigest, manifestMediaType: manifest.mediaType ?? MediaType.ociManifest,
        ...(indexDigest ? { indexDigest } : {}), configDigest: manifest.config.digest, layers,
        size: manifest.config.size + manifest.layers.reduce((s, d) => s + d.size, 0),
        platform: platformOf(config), ...(config.created ? { created: config.created } : {}), source: "archive",
      }));
    } finally {
      release();
    }
  }
  return out;
}

/** The name of an OCI layout entry: containerd's full-name annotation, else ref.name (a tag or a reference). */
function ociName(desc: Descriptor, baseName: string | undefined): string | undefined {
  const full = desc.annotations?.["io.containerd.image.name"];
  if (full) return normalizeReference(full);
  const refName = desc.annotations?.["org.opencontainers.image.ref.name"];
  if (!refName) return undefined;
  if (/[/:@]/.test(refName)) return normalizeReference(refName);
  if (baseName) return normalizeReference(`${repositoryName(parseReference(baseName, { defaultTag: false }))}:${refName}`);
  return undefined;
}

function platformOf(c: ImageConfig): Platform {
  return { os: c.os, architecture: c.architecture, ...(c.variant ? { variant: c.variant } : {}) };
}

// ---- images folder (k3s agent/images) ----

export interface DirImportEntry {
  file: string;
  status: "imported" | "unchanged" | "failed";
  images?: string[];
  error?: string;
}

interface ImportsFile {
  files: Record<string, { size: number; mtimeMs: number; images: string[] }>;
}

const ARCHIVE_RE = /\.(tar|tar\.gz|tgz)$/;
const UNSUPPORTED_RE = /\.(tar\.zst|tzst|tar\.bz2|tar\.lz4)$/;

/**
 * Imports every archive (`*.tar`, `*.tar.gz`, `*.tgz`) in `dir`. Files already imported and
 * unchanged since (same size and mtime, images still present) are skipped; a bad file is
 * reported and does not stop the others.
 */
export async function importDir(store: ImageStore, dir: string, opts: ImportOptions = {}): Promise<DirImportEntry[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
  const stateFile = join(store.root, "imports.json");
  let state: ImportsFile = { files: {} };
  try {
    state = JSON.parse(await readFile(stateFile, "utf8")) as ImportsFile;
  } catch {
    // First scan, or a damaged record: import everything again.
  }
  const out: DirImportEntry[] = [];
  for (const n of names) {
    const file = resolve(dir, n);
    const st = await stat(file).catch(() => undefined);
    if (!st?.isFile()) continue;
    if (UNSUPPORTED_RE.test(n)) {
      out.push({ file, status: "failed", error: "unsupported compression (use .tar or .tar.gz)" });
      continue;
    }
    if (!ARCHIVE_RE.test(n)) continue;
    const prev = state.files[file];
    if (prev && prev.size === st.size && prev.mtimeMs === st.mtimeMs) {
      const all = await Promise.all(prev.images.map((id) => store.getImage(id)));
      if (all.every(Boolean)) {
        out.push({ file, status: "unchanged", images: prev.images });
        continue;
      }
    }
    try {
      const r = await importArchive(store, file, opts);
      const ids = r.images.map((i) => i.id);
      state.files[file] = { size: st.size, mtimeMs: st.mtimeMs, images: ids };
      out.push({ file, status: "imported", images: ids });
    } catch (e) {
      out.push({ file, status: "failed", error: (e as Error).message });
    }
  }
  await writeAtomic(stateFile, JSON.stringify(state, null, 1));
  return out;
}

// ---- CLI entry points ----

export interface ImageSummary {
  id: string;
  names: string[];
  repoDigests: string[];
  size: number;
  created?: string;
  lastUsed: string;
}

/** `timonel image import FILE`. */
export async function imageImport(storeRoot: string, file: string, opts: ImportOptions = {}): Promise<ImportResult> {
  return importArchive(await ImageStore.open(storeRoot), file, opts);
}

/** `timonel image ls`. */
export async function imageList(storeRoot: string): Promise<ImageSummary[]> {
  const store = await ImageStore.open(storeRoot);
  return (await store.listImages()).map((i) => ({
    id: i.id, names: i.names, repoDigests: i.repoDigests, size: i.size, ...(i.created ? { created: i.created } : {}), lastUsed: i.lastUsed,
  }));
}

/** `timonel image rm REF`. */
export async function imageRemove(storeRoot: string, ref: string, opts: { force?: boolean } = {}): Promise<RemoveResult> {
  return removeImage(await ImageStore.open(storeRoot), ref, opts);
}

/** The table `timonel image ls` prints (crictl's columns: IMAGE, TAG, IMAGE ID, SIZE). */
export function formatImageTable(images: readonly ImageSummary[]): string {
  const rows: string[][] = [["IMAGE", "TAG", "IMAGE ID", "SIZE"]];
  for (const i of images) {
    const id = i.id.slice(7, 20);
    const size = humanSize(i.size);
    if (i.names.length === 0) {
      const repo = i.repoDigests[0]?.split("@")[0] ?? "<none>";
      rows.push([repo, "<none>", id, size]);
    }
    for (const n of i.names) {
      const colon = n.lastIndexOf(":");
      rows.push([n.slice(0, colon), n.slice(colon + 1), id, size]);
    }
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]! + 3))).join("")).join("\n") + "\n";
}

/** Decimal units as Docker prints sizes (`2.16MB`). */
export function humanSize(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let v = bytes;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${u === 0 ? v : Number(v.toPrecision(3))}${units[u]}`;
}
