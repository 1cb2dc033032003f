/**
 * Test fixtures for the image tests: tiny reproducible OCI images built from busybox-static,
 * a docker-registry started on 127.0.0.1 with a temp storage dir, the registry v2 push
 * protocol over fetch, an auth proxy with a token server (and fault injection), and OCI
 * layout / docker-archive tarballs. Everything stays on loopback.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, openSync, readFileSync, closeSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import tar from "tar-stream";
import { chainIDs, sha256Digest } from "../../src/image/digest.js";
import { MediaType, type Descriptor, type ImageConfig, type ImageIndex, type ImageManifest, type Platform } from "../../src/image/oci.js";
import type { ImageStore } from "../../src/image/store/store.js";

export const BUSYBOX = "/bin/busybox";
const EPOCH = new Date("2024-01-01T00:00:00Z");

export function haveBusybox(): boolean {
  return existsSync(BUSYBOX) && spawnSync(BUSYBOX, ["true"]).status === 0;
}

export function haveCommand(cmd: string, args: string[] = ["--version"]): boolean {
  const r = spawnSync(cmd, args, { stdio: "ignore" });
  return !r.error;
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

export interface LayerEntry {
  name: string;
  type?: "file" | "directory" | "symlink" | "link";
  content?: Buffer | string;
  mode?: number;
  linkname?: string;
  uid?: number;
  gid?: number;
}

/** An uncompressed tar with fixed times: the same bytes every time. */
export async function tarOf(entries: readonly LayerEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on("data", (c: unknown) => { chunks.push(c as Buffer); });
  const ended = new Promise<void>((resolve, reject) => {
    pack.on("end", () => resolve());
    pack.on("error", reject);
  });
  for (const e of entries) {
    const type = e.type ?? "file";
    const body = e.content === undefined ? undefined : Buffer.isBuffer(e.content) ? e.content : Buffer.from(e.content);
    await new Promise<void>((resolve, reject) => {
      const header = {
        name: e.name, type, mode: e.mode ?? (type === "directory" ? 0o755 : 0o644), mtime: EPOCH,
        uid: e.uid ?? 0, gid: e.gid ?? 0, ...(e.linkname !== undefined ? { linkname: e.linkname } : {}),
        ...(type === "file" ? { size: body?.length ?? 0 } : {}),
      };
      pack.entry(header, type === "file" ? (body ?? Buffer.alloc(0)) : Buffer.alloc(0), (err) => (err ? reject(err) : resolve()));
    });
  }
  pack.finalize();
  await ended;
  return Buffer.concat(chunks);
}

/** The busybox base layer: /bin/busybox with applet symlinks, a hard link, and files the second layer hides. */
export function busyboxEntries(): LayerEntry[] {
  const applets = ["sh", "ls", "cat", "echo", "sleep", "true", "id", "test"];
  return [
    { name: "bin/", type: "directory" },
    { name: "bin/busybox", content: readFileSync(BUSYBOX), mode: 0o755 },
    ...applets.map((a): LayerEntry => ({ name: `bin/${a}`, type: "symlink", linkname: "busybox" })),
    { name: "bin/bb-hardlink", type: "link", linkname: "bin/busybox" },
    { name: "etc/", type: "directory" },
    { name: "etc/passwd", content: "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n" },
    { name: "etc/group", content: "root:x:0:\nnogroup:x:65534:\n" },
    { name: "etc/removeme", content: "to be whited out\n" },
    { name: "etc/owned", content: "uid 1000\n", uid: 1000, gid: 1000, mode: 0o640 },
    { name: "data/", type: "directory" },
    { name: "data/old1", content: "old\n" },
    { name: "data/sub/", type: "directory" },
    { name: "data/sub/old2", content: "old\n" },
    { name: "tmp/", type: "directory", mode: 0o1777 },
    { name: "ro/", type: "directory", mode: 0o555 },
    { name: "ro/file", content: "in a read-only dir\n", mode: 0o444 },
  ];
}

/** The second layer: a whiteout, an opaque directory with new content, and an added file. */
export function whiteoutEntries(): LayerEntry[] {
  return [
    { name: "etc/", type: "directory" },
    { name: "etc/.wh.removeme", content: "" },
    { name: "etc/added", content: "added by layer 2\n" },
    { name: "data/", type: "directory" },
    { name: "data/.wh..wh..opq", content: "" },
    { name: "data/new", content: "new\n" },
    // No entry for ro/ itself: it keeps its lower metadata (0555), and non-root unpacking must open it up.
    { name: "ro/.wh.file", content: "" },
    { name: "ro/added", content: "added to a read-only dir\n" },
  ];
}

export interface BuiltImage {
  manifest: ImageManifest;
  manifestBytes: Buffer;
  manifestDigest: string;
  config: ImageConfig;
  configBytes: Buffer;
  configDigest: string;
  /** Layer blobs in order (gzip unless built uncompressed). */
  layers: Array<{ bytes: Buffer; digest: string; diffID: string; mediaType: string }>;
  blobs: Map<string, Buffer>;
  platform: Platform;
}

export function buildImage(layerTars: readonly Buffer[], opts: { platform?: Platform; gzip?: boolean; cmd?: string[]; docker?: boolean } = {}): BuiltImage {
  const platform = opts.platform ?? { os: "linux", architecture: "amd64" };
  const layers = layerTars.map((t) => {
    const gz = opts.gzip !== false;
    const bytes = gz ? gzipSync(t) : t;
    const mediaType = opts.docker ? MediaType.dockerLayerGzip : gz ? MediaType.ociLayerGzip : MediaType.ociLayer;
    return { bytes, digest: sha256Digest(bytes), diffID: sha256Digest(t), mediaType };
  });
  const config: ImageConfig = {
    created: EPOCH.toISOString(), architecture: platform.architecture, os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    config: { Env: ["PATH=/bin"], Cmd: opts.cmd ?? ["/bin/sh"], WorkingDir: "/" },
    rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffID) },
    history: layers.map(() => ({ created: EPOCH.toISOString(), created_by: "timonel test" })),
  };
  const configBytes = Buffer.from(JSON.stringify(config));
  const configDigest = sha256Digest(configBytes);
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: opts.docker ? MediaType.dockerManifest : MediaType.ociManifest,
    config: { mediaType: opts.docker ? MediaType.dockerConfig : MediaType.ociConfig, digest: configDigest, size: configBytes.length },
    layers: layers.map((l): Descriptor => ({ mediaType: l.mediaType, digest: l.digest, size: l.bytes.length })),
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  const blobs = new Map<string, Buffer>([[configDigest, configBytes], ...layers.map((l) => [l.digest, l.bytes] as [string, Buffer])]);
  return { manifest, manifestBytes, manifestDigest: sha256Digest(manifestBytes), config, configBytes, configDigest, layers, blobs, platform };
}

export function buildIndex(images: readonly BuiltImage[], docker = false): { index: ImageIndex; bytes: Buffer; digest: string } {
  const index: ImageIndex = {
    schemaVersion: 2,
    mediaType: docker ? MediaType.dockerManifestList : MediaType.ociIndex,
    manifests: images.map((i) => ({
      mediaType: i.manifest.mediaType!, digest: i.manifestDigest, size: i.manifestBytes.length, platform: i.platform,
    })),
  };
  const bytes = Buffer.from(JSON.stringify(index));
  return { index, bytes, digest: sha256Digest(bytes) };
}

let busyboxImageCache: Promise<{ base: Buffer; whiteouts: Buffer }> | undefined;

/** The two layer tars of the test image (built once per process). */
export function testLayerTars(): Promise<{ base: Buffer; whiteouts: Buffer }> {
  busyboxImageCache ??= (async () => ({ base: await tarOf(busyboxEntries()), whiteouts: await tarOf(whiteoutEntries()) }))();
  return busyboxImageCache;
}

// ---- docker-registry ----

export interface Registry {
  host: string; // 127.0.0.1:port
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export function haveRegistry(): boolean {
  return haveCommand("docker-registry");
}

/** Starts Debian's docker-registry on 127.0.0.1 with its storage in a temp dir. */
export async function startRegistry(): Promise<Registry> {
  const dir = await mkdtemp(join(tmpdir(), "timonel-registry-"));
  const port = await freePort();
  const cfg = join(dir, "config.yml");
  await writeFile(cfg, [
    "version: 0.1",
    "log:",
    "  level: error",
    "  accesslog:",
    "    disabled: true",
    "storage:",
    "  filesystem:",
    `    rootdirectory: ${join(dir, "data")}`,
    "  delete:",
    "    enabled: true",
    "http:",
    `  addr: 127.0.0.1:${port}`,
    "",
  ].join("\n"));
  const logFd = openSync(join(dir, "registry.log"), "a");
  const child: ChildProcess = spawn("docker-registry", ["serve", cfg], { stdio: ["ignore", logFd, logFd] });
  closeSync(logFd);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const r = await fetch(`${url}/v2/`);
      await r.body?.cancel();
      if (r.status === 200) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      const log = readFileSync(join(dir, "registry.log"), "utf8");
      await rm(dir, { recursive: true, force: true });
      throw new Error(`docker-registry did not start: ${log.slice(-500)}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    host: `127.0.0.1:${port}`, url, pid: child.pid!,
    async stop() {
      if (child.exitCode === null) {
        process.kill(child.pid!, "SIGTERM");
        const t = setTimeout(() => { if (child.exitCode === null) process.kill(child.pid!, "SIGKILL"); }, 2000);
        await exited;
        clearTimeout(t);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Pushes a blob with the v2 protocol (POST an upload, PUT it with its digest). */
export async function pushBlob(base: string, repo: string, digest: string, bytes: Buffer, headers: Record<string, string> = {}): Promise<void> {
  const head = await fetch(`${base}/v2/${repo}/blobs/${digest}`, { method: "HEAD", headers });
  if (head.status === 200) return;
  const post = await fetch(`${base}/v2/${repo}/blobs/uploads/`, { method: "POST", headers });
  if (post.status !== 202) throw new Error(`POST upload: ${post.status} ${await post.text()}`);
  await post.body?.cancel();
  const loc = new URL(post.headers.get("location")!, base);
  loc.searchParams.set("digest", digest);
  const put = await fetch(loc, { method: "PUT", headers: { ...headers, "content-type": "application/octet-stream" }, body: Uint8Array.from(bytes) });
  if (put.status !== 201) throw new Error(`PUT blob ${digest}: ${put.status} ${await put.text()}`);
  await put.body?.cancel();
}

export async function pushManifest(base: string, repo: string, reference: string, bytes: Buffer, mediaType: string): Promise<void> {
  const put = await fetch(`${base}/v2/${repo}/manifests/${reference}`, { method: "PUT", headers: { "content-type": mediaType }, body: Uint8Array.from(bytes) });
  if (put.status !== 201) throw new Error(`PUT manifest ${repo}:${reference}: ${put.status} ${await put.text()}`);
  await put.body?.cancel();
}

export async function pushImage(base: string, repo: string, tag: string, img: BuiltImage): Promise<void> {
  for (const [d, b] of img.blobs) await pushBlob(base, repo, d, b);
  await pushManifest(base, repo, tag, img.manifestBytes, img.manifest.mediaType!);
}

export async function pushIndex(base: string, repo: string, tag: string, images: readonly BuiltImage[], docker = false): Promise<string> {
  for (const img of images) {
    for (const [d, b] of img.blobs) await pushBlob(base, repo, d, b);
    await pushManifest(base, repo, img.manifestDigest, img.manifestBytes, img.manifest.mediaType!);
  }
  const idx = buildIndex(images, docker);
  await pushManifest(base, repo, tag, idx.bytes, idx.index.mediaType!);
  return idx.digest;
}

// ---- auth proxy ----

export interface ProxyLogEntry {
  method: string;
  path: string;
  range?: string;
  authorized: boolean;
}

export interface AuthProxy {
  host: string;
  url: string;
  log: ProxyLogEntry[];
  tokenRequests: URL[];
  /** Cut the next blob response that is longer than this many bytes there (then reset to undefined). */
  cutNextBlobAfter?: number;
  /** Flip a byte in every blob response of more than 10 kB (the layers, not configs). */
  corruptBlobs: boolean;
  /** "bearer" (default): tokens from /token; "basic": the credentials on every request. */
  scheme: "bearer" | "basic";
  close(): Promise<void>;
}

/**
 * A registry front that demands bearer tokens from its own token endpoint (basic
 * credentials user:pass), then forwards to the upstream registry unchanged.
 */
export async function startAuthProxy(upstream: string, user: string, pass: string): Promise<AuthProxy> {
  const tokens = new Set<string>();
  const up = new URL(upstream);
  const proxy: AuthProxy = {
    host: "", url: "", log: [], tokenRequests: [], corruptBlobs: false, scheme: "bearer",
    close: async () => undefined,
  };
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? "/", "http://x");
    if (u.pathname === "/token") {
      proxy.tokenRequests.push(u);
      const want = "Basic " + Buffer.from(`${user}:${pass}`).toString("base64");
      if (req.headers.authorization !== want) {
        res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ details: "bad credentials" }));
        return;
      }
      const tok = randomBytes(12).toString("hex");
      tokens.add(tok);
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ token: tok, expires_in: 300, issued_at: new Date().toISOString() }));
      return;
    }
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    const basic = "Basic " + Buffer.from(`${user}:${pass}`).toString("base64");
    const authorized = proxy.scheme === "basic" ? req.headers.authorization === basic : bearer !== undefined && tokens.has(bearer);
    proxy.log.push({ method: req.method ?? "GET", path: u.pathname, ...(req.headers.range ? { range: req.headers.range } : {}), authorized });
    if (!authorized && proxy.scheme === "basic") {
      res.writeHead(401, { "content-type": "application/json", "www-authenticate": 'Basic realm="timonel-test"' })
        .end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] }));
      return;
    }
    if (!authorized) {
      const repo = /^\/v2\/(.+?)\/(?:manifests|blobs)\//.exec(u.pathname)?.[1];
      res.writeHead(401, {
        "content-type": "application/json",
        "www-authenticate": `Bearer realm="${proxy.url}/token",service="timonel-test"${repo ? `,scope="repository:${repo}:pull"` : ""}`,
      }).end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] }));
      return;
    }
    const headers: http.OutgoingHttpHeaders = {};
    for (const h of ["accept", "range"]) if (req.headers[h]) headers[h] = req.headers[h];
    const upReq = http.request({ host: up.hostname, port: up.port, path: req.url, method: req.method, headers }, (upRes) => {
      const out: http.OutgoingHttpHeaders = {};
      for (const h of ["content-type", "content-length", "docker-content-digest", "content-range", "accept-ranges"]) {
        if (upRes.headers[h]) out[h] = upRes.headers[h];
      }
      res.writeHead(upRes.statusCode ?? 502, out);
      const isBlob = u.pathname.includes("/blobs/") && (upRes.statusCode === 200 || upRes.statusCode === 206);
      const length = Number(upRes.headers["content-length"] ?? 0);
      const cut = isBlob && proxy.cutNextBlobAfter !== undefined && length > proxy.cutNextBlobAfter ? proxy.cutNextBlobAfter : undefined;
      if (cut !== undefined) proxy.cutNextBlobAfter = undefined;
      let sent = 0;
      let flipped = false;
      upRes.on("data", (chunk: Buffer) => {
        if (isBlob && proxy.corruptBlobs && length > 10_000 && !flipped) {
          chunk = Buffer.from(chunk);
          chunk[0] = chunk[0]! ^ 0xff;
          flipped = true;
        }
        if (cut !== undefined && sent + chunk.length > cut) {
          res.write(chunk.subarray(0, cut - sent));
          res.socket?.destroy();
          upRes.destroy();
          return;
        }
        sent += chunk.length;
        res.write(chunk);
      });
      upRes.on("end", () => res.end());
    });
    upReq.on("error", () => res.destroy());
    req.pipe(upReq);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  proxy.host = `127.0.0.1:${port}`;
  proxy.url = `http://127.0.0.1:${port}`;
  proxy.close = () => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  return proxy;
}

// ---- archives ----

async function tarFromFiles(files: ReadonlyArray<{ name: string; body?: Buffer; linkname?: string }>): Promise<Buffer> {
  return tarOf(files.map((f) => (f.linkname !== undefined
    ? { name: f.name, type: "symlink" as const, linkname: f.linkname }
    : { name: f.name, content: f.body ?? Buffer.alloc(0) })));
}

/** An OCI image layout tarball holding the given manifests (or an index of them) under names. */
export async function ociLayoutTar(
  entries: ReadonlyArray<{ images: BuiltImage[]; refName?: string; containerdName?: string }>,
  /** Blob contents to write instead of the real ones (to test verification). */
  tamper: ReadonlyMap<string, Buffer> = new Map(),
): Promise<Buffer> {
  const blobs = new Map<string, Buffer>();
  const manifests: Descriptor[] = [];
  for (const e of entries) {
    for (const img of e.images) {
      for (const [d, b] of img.blobs) blobs.set(d, b);
      blobs.set(img.manifestDigest, img.manifestBytes);
    }
    const annotations: Record<string, string> = {};
    if (e.refName) annotations["org.opencontainers.image.ref.name"] = e.refName;
    if (e.containerdName) annotations["io.containerd.image.name"] = e.containerdName;
    let desc: Descriptor;
    if (e.images.length === 1) {
      const img = e.images[0]!;
      desc = { mediaType: img.manifest.mediaType!, digest: img.manifestDigest, size: img.manifestBytes.length };
    } else {
      const idx = buildIndex(e.images);
      blobs.set(idx.digest, idx.bytes);
      desc = { mediaType: MediaType.ociIndex, digest: idx.digest, size: idx.bytes.length };
    }
    manifests.push({ ...desc, ...(Object.keys(annotations).length ? { annotations } : {}) });
  }
  const index: ImageIndex = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests };
  return tarFromFiles([
    { name: "oci-layout", body: Buffer.from('{"imageLayoutVersion":"1.0.0"}') },
    { name: "index.json", body: Buffer.from(JSON.stringify(index)) },
    ...[...blobs].map(([d, b]) => ({ name: `blobs/sha256/${d.slice(7)}`, body: tamper.get(d) ?? b })),
  ]);
}

/**
 * A docker-archive tarball as `docker save` writes it: `<id>/layer.tar` (uncompressed),
 * `<config hex>.json`, `manifest.json`; a layer shared by two images is a symlink to the first.
 */
export async function dockerArchiveTar(entries: ReadonlyArray<{ layerTars: Buffer[]; repoTags: string[] }>): Promise<{ tar: Buffer; configs: string[] }> {
  const files: Array<{ name: string; body?: Buffer; linkname?: string }> = [];
  const manifest: Array<{ Config: string; RepoTags: string[]; Layers: string[] }> = [];
  const seen = new Map<string, string>();
  const configs: string[] = [];
  for (const e of entries) {
    const diffIDs = e.layerTars.map((t) => sha256Digest(t));
    const chains = chainIDs(diffIDs);
    const config: ImageConfig = {
      created: EPOCH.toISOString(), architecture: "amd64", os: "linux", config: { Cmd: ["/bin/sh"] },
      rootfs: { type: "layers", diff_ids: diffIDs },
    };
    const cfgBytes = Buffer.from(JSON.stringify(config));
    const cfgName = `${sha256Digest(cfgBytes).slice(7)}.json`;
    files.push({ name: cfgName, body: cfgBytes });
    configs.push(sha256Digest(cfgBytes));
    const layerPaths: string[] = [];
    e.layerTars.forEach((t, i) => {
      const dir = chains[i]!.slice(7);
      const p = `${dir}/layer.tar`;
      const first = seen.get(diffIDs[i]!);
      if (first && first !== p) files.push({ name: p, linkname: `../${first}` });
      else if (!first) {
        files.push({ name: p, body: t });
        seen.set(diffIDs[i]!, p);
      }
      layerPaths.push(p);
    });
    manifest.push({ Config: cfgName, RepoTags: e.repoTags, Layers: layerPaths });
  }
  files.push({ name: "manifest.json", body: Buffer.from(JSON.stringify(manifest)) });
  return { tar: await tarFromFiles(files), configs };
}

/** Puts a built image straight into a store (no registry), as a pull would record it. */
export async function putBuiltImage(store: ImageStore, img: BuiltImage, name: string): Promise<void> {
  for (const [d, b] of img.blobs) await store.putBlob(b, d);
  await store.putBlob(img.manifestBytes, img.manifestDigest);
  const chains = chainIDs(img.layers.map((l) => l.diffID));
  const layers = img.layers.map((l, i) => ({ digest: l.digest, mediaType: l.mediaType, size: l.bytes.length, diffID: l.diffID, chainID: chains[i]! }));
  await store.ensureLayers(layers);
  await store.addImage({
    id: img.configDigest, names: [name], repoDigests: [], manifestDigest: img.manifestDigest,
    manifestMediaType: img.manifest.mediaType!, configDigest: img.configDigest, layers,
    size: img.configBytes.length + img.layers.reduce((s, l) => s + l.bytes.length, 0),
    platform: img.platform, source: "archive",
  });
}

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `timonel-${prefix}-`));
}
