/**
 * An OCI distribution (registry v2) client for pulling: manifests by tag or digest (OCI and
 * Docker types, indexes resolved to one platform), bearer/basic auth answered from
 * challenges with cached tokens, and blob downloads that hash every byte, resume with
 * `Range` after a cut, and land in a file only when the digest matches.
 * Plain HTTP is used only for loopback registries.
 */
import { createHash, type Hash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open, rm, stat } from "node:fs/promises";
import { setTimeout as delay } from "node:timers/promises";
import { DigestMismatchError, digestHex, isSha256Digest, sha256Digest } from "../digest.js";
import { RegistryError, registryErrorFrom } from "../errors.js";
import {
  MANIFEST_ACCEPT, formatPlatform, hostPlatform, parseManifestDocument, selectManifest,
  type Descriptor, type ImageIndex, type ImageManifest, type Platform,
} from "../oci.js";
import { formatReference, registryBaseURL, repositoryName, type ImageReference } from "../reference.js";
import {
  AuthError, DockerKeyring, basicAuthorization, fetchBearerToken, parseWWWAuthenticate,
  type BearerToken, type Challenge, type Credential,
} from "./auth.js";

const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export interface RegistryClientOptions {
  keyring?: DockerKeyring;
  /** Replaces the global fetch (tests, proxies). */
  fetch?: typeof fetch;
  userAgent?: string;
  /** Time allowed for response headers of one request (default 30 s). */
  requestTimeoutMs?: number;
  /** A blob body that sends nothing for this long is cut and resumed (default 60 s). */
  stallTimeoutMs?: number;
  /** Attempts for one blob, resuming after each cut (default 4). */
  blobAttempts?: number;
}

export interface FetchedManifest {
  digest: string;
  mediaType: string;
  bytes: Buffer;
}

export interface ResolvedImage {
  /** The reference that was resolved. */
  ref: ImageReference;
  /** Digest of the single-platform manifest. */
  manifestDigest: string;
  manifest: ImageManifest;
  manifestBytes: Buffer;
  manifestMediaType: string;
  /** When the reference named an index or list: its digest (the image's repo digest). */
  indexDigest?: string;
  indexBytes?: Buffer;
  indexMediaType?: string;
  platform: Platform;
}

export interface BlobProgress {
  digest: string;
  /** Bytes present so far, including bytes resumed from an earlier attempt. */
  bytes: number;
  total: number;
}

export interface DownloadOptions {
  signal?: AbortSignal;
  onProgress?: (p: BlobProgress) => void;
}

export interface DownloadResult {
  /** Bytes transferred over the network in this call (less than size after a resume). */
  transferred: number;
  resumedFrom: number;
  attempts: number;
}

interface HostAuth {
  challenge?: Challenge;
  tokens: Map<string, BearerToken>;
  /** Per scope: index into the candidate credentials that last worked. */
  credIndex: Map<string, number>;
}

export class RegistryClient {
  private readonly fetchFn: typeof fetch;
  private readonly keyring: DockerKeyring;
  private readonly hosts = new Map<string, HostAuth>();
  private readonly userAgent: string;
  private readonly requestTimeoutMs: number;
  private readonly stallTimeoutMs: number;
  private readonly blobAttempts: number;

  constructor(opts: RegistryClientOptions = {}) {
    this.fetchFn = opts.fetch ?? fetch;
    this.keyring = opts.keyring ?? new DockerKeyring();
    this.userAgent = opts.userAgent ?? "timonel/0.1";
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 30_000;
    this.stallTimeoutMs = opts.stallTimeoutMs ?? 60_000;
    this.blobAttempts = opts.blobAttempts ?? 4;
  }

  /** GETs one manifest (index or image manifest) by tag or digest and verifies its digest. */
  async getManifest(ref: ImageReference, reference: string, signal?: AbortSignal): Promise<FetchedManifest> {
    const what = formatReference(ref.digest === reference ? { domain: ref.domain, path: ref.path, digest: reference } : { domain: ref.domain, path: ref.path, tag: reference });
    const res = await this.request(ref, `/v2/${ref.path}/manifests/${reference}`, { accept: MANIFEST_ACCEPT }, signal);
    if (!res.ok) throw await registryErrorFrom(res, what);
    const len = Number(res.headers.get("content-length") ?? "0");
    if (len > MAX_MANIFEST_BYTES) {
      await res.body?.cancel();
      throw new Error(`${what}: manifest too large (${len} bytes)`);
    }
    const bytes = Buffer.from(await res.arrayBuffer());
    if (bytes.length > MAX_MANIFEST_BYTES) throw new Error(`${what}: manifest too large (${bytes.length} bytes)`);
    const actual = sha256Digest(bytes);
    if (isSha256Digest(reference) && actual !== reference) throw new DigestMismatchError(reference, actual, `manifest ${what}`);
    const header = res.headers.get("docker-content-digest");
    if (!isSha256Digest(reference) && header && header.startsWith("sha256:") && header !== actual) {
      throw new DigestMismatchError(header, actual, `manifest ${what}`);
    }
    const mediaType = (res.headers.get("content-type") ?? "").split(";")[0]!.trim();
    return { digest: actual, mediaType, bytes };
  }

  /**
   * Resolves a reference to one platform's image manifest. Its digest wins over its tag when
   * both are given; an index is narrowed to `platform` (default: the host's, on linux).
   */
  async resolve(ref: ImageReference, opts: { platform?: Platform; signal?: AbortSignal } = {}): Promise<ResolvedImage> {
    const platform = opts.platform ?? hostPlatform();
    const top = await this.getManifest(ref, ref.digest ?? ref.tag ?? "latest", opts.signal);
    const doc = parseManifestDocument(top.bytes, top.mediaType);
    if (doc.kind === "manifest") {
      return {
        ref, manifestDigest: top.digest, manifest: doc.manifest, manifestBytes: top.bytes,
        manifestMediaType: doc.manifest.mediaType ?? top.mediaType, platform,
      };
    }
    const chosen = selectIndexEntry(doc.index, platform, formatReference(ref));
    const child = await this.getManifest(ref, chosen.digest, opts.signal);
    const childDoc = parseManifestDocument(child.bytes, child.mediaType);
    if (childDoc.kind !== "manifest") throw new Error(`${formatReference(ref)}: nested index ${chosen.digest} is not supported`);
    return {
      ref, manifestDigest: child.digest, manifest: childDoc.manifest, manifestBytes: child.bytes,
      manifestMediaType: childDoc.manifest.mediaType ?? chosen.mediaType, indexDigest: top.digest, indexBytes: top.bytes,
      indexMediaType: doc.index.mediaType ?? top.mediaType, platform: chosen.platform ?? platform,
    };
  }

  /** Fetches a small blob (a config) into memory, verified. */
  async getBlobBytes(ref: ImageReference, desc: Descriptor, signal?: AbortSignal): Promise<Buffer> {
    digestHex(desc.digest);
    const res = await this.request(ref, `/v2/${ref.path}/blobs/${desc.digest}`, { "accept-encoding": "identity" }, signal);
    if (!res.ok) throw await registryErrorFrom(res, `${repositoryName(ref)}@${desc.digest}`);
    const bytes = Buffer.from(await res.arrayBuffer());
    const actual = sha256Digest(bytes);
    if (actual !== desc.digest) throw new DigestMismatchError(desc.digest, actual, `blob ${desc.digest}`);
    return bytes;
  }

  /**
   * Downloads a blob into `partialPath`, resuming from what the file already holds. On
   * success the file holds exactly the blob (digest and size checked); on a digest mismatch
   * it is deleted. Network cuts are retried with `Range` up to blobAttempts times.
   */
  async downloadBlob(ref: ImageReference, desc: Descriptor, partialPath: string, opts: DownloadOptions = {}): Promise<DownloadResult> {
    digestHex(desc.digest);
    let transferred = 0;
    let resumedFrom = -1;
    let lastErr: unknown;
    let restartedAfterMismatch = false;
    for (let attempt = 1; attempt <= this.blobAttempts; attempt++) {
      opts.signal?.throwIfAborted();
      const { hash, size: have } = await hashPrefix(partialPath);
      if (resumedFrom < 0) resumedFrom = have;
      if (desc.size >= 0 && have >= desc.size) {
        const actual = "sha256:" + hash.digest("hex");
        if (have === desc.size && actual === desc.digest) return { transferred, resumedFrom, attempts: attempt };
        await rm(partialPath, { force: true });
        if (restartedAfterMismatch) throw new DigestMismatchError(desc.digest, actual, `blob ${desc.digest}`);
        restartedAfterMismatch = true;
        continue;
      }
      try {
        const got = await this.fetchInto(ref, desc, partialPath, have, hash, opts);
        transferred += got.transferred;
        if (got.digest === desc.digest && (desc.size < 0 || got.size === desc.size)) {
          return { transferred, resumedFrom, attempts: attempt };
        }
        await rm(partialPath, { force: true });
        // A bad prefix left by an earlier run would poison every resume: start over once.
        if (have > 0 && !restartedAfterMismatch) {
          restartedAfterMismatch = true;
          continue;
        }
        throw new DigestMismatchError(desc.digest, got.digest, `blob ${desc.digest}`);
      } catch (e) {
        if (e instanceof DigestMismatchError) {
          await rm(partialPath, { force: true });
          throw e;
        }
        if (e instanceof RegistryError || e instanceof AuthError) throw e;
        if (opts.signal?.aborted) throw e;
        lastErr = e;
        if (e instanceof BlobTransferError) transferred += e.transferred;
        if (attempt < this.blobAttempts) await delay(Math.min(2000, 100 * 2 ** (attempt - 1)), undefined, { signal: opts.signal });
      }
    }
    throw new Error(`downloading ${desc.digest} failed after ${this.blobAttempts} attempts: ${(lastErr as Error)?.message ?? lastErr}`, { cause: lastErr });
  }

  private async fetchInto(
    ref: ImageReference, desc: Descriptor, partialPath: string, have: number, hash: Hash, opts: DownloadOptions,
  ): Promise<{ digest: string; size: number; transferred: number }> {
    const stall = new AbortController();
    const signal = opts.signal ? AbortSignal.any([opts.signal, stall.signal]) : stall.signal;
    // identity: the bytes hashed must be the blob's, not a transport-decoded form of them.
    const headers: Record<string, string> = { "accept-encoding": "identity" };
    if (have > 0) headers.range = `bytes=${have}-`;
    const res = await this.request(ref, `/v2/${ref.path}/blobs/${desc.digest}`, headers, signal);
    let offset = have;
    if (res.status === 206) {
      const m = /^bytes (\d+)-/.exec(res.headers.get("content-range") ?? "");
      if (!m || Number(m[1]) !== have) {
        await res.body?.cancel();
        await rm(partialPath, { force: true });
        throw new BlobTransferError("registry answered a different range than asked", 0);
      }
    } else if (res.status === 200) {
      if (have > 0) {
        hash = createHash("sha256");
        offset = 0;
      }
    } else if (res.status === 416) {
      await res.body?.cancel();
      await rm(partialPath, { force: true });
      throw new BlobTransferError("range not satisfiable; restarting", 0);
    } else {
      throw await registryErrorFrom(res, `${repositoryName(ref)}@${desc.digest}`);
    }
    if (!res.body) throw new BlobTransferError("empty body", 0);
    const fh = await open(partialPath, offset === 0 ? "w" : "a");
    let size = offset;
    let transferred = 0;
    let timer: NodeJS.Timeout | undefined;
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => stall.abort(new Error(`no data for ${this.stallTimeoutMs} ms`)), this.stallTimeoutMs);
    };
    try {
      arm();
      const reader = res.body.getReader();
      for (;;) {
        let r: ReadableStreamReadResult<Uint8Array>;
        try {
          r = await reader.read();
        } catch (e) {
          throw new BlobTransferError(`download of ${desc.digest} cut at ${size} bytes: ${(e as Error).message}`, transferred);
        }
        if (r.done) break;
        arm();
        const chunk = r.value;
        if (desc.size >= 0 && size + chunk.length > desc.size) {
          await reader.cancel();
          throw new DigestMismatchError(desc.digest, "(more bytes than the descriptor's size)", `blob ${desc.digest}`);
        }
        hash.update(chunk);
        await fh.write(chunk);
        size += chunk.length;
        transferred += chunk.length;
        opts.onProgress?.({ digest: desc.digest, bytes: size, total: desc.size });
      }
    } finally {
      clearTimeout(timer);
      await fh.close();
    }
    return { digest: "sha256:" + hash.digest("hex"), size, transferred };
  }

  /** One authenticated request: answers a 401 challenge once, then retries with the token. */
  private async request(ref: ImageReference, path: string, headers: Record<string, string>, signal?: AbortSignal): Promise<Response> {
    const url = registryBaseURL(ref.domain) + path;
    const host = this.hostAuth(ref.domain);
    const scope = `repository:${ref.path}:pull`;
    const creds = this.keyring.lookup(ref);
    const candidates: Array<Credential | undefined> = creds.length ? creds : [undefined];
    let authz = this.cachedAuthorization(host, scope, candidates[host.credIndex.get(scope) ?? 0]);
    for (let round = 0; ; round++) {
      const res = await this.send(url, { ...headers, ...(authz ? { authorization: authz } : {}) }, signal);
      if (res.status !== 401 || round >= candidates.length + 1) return res;
      const header = res.headers.get("www-authenticate");
      if (!header) return res;
      const challenges = parseWWWAuthenticate(header);
      const challenge = challenges.find((c) => c.scheme === "bearer") ?? challenges.find((c) => c.scheme === "basic");
      if (!challenge) return res;
      // The first 401 is the challenge; a 401 with a token means this credential is not allowed.
      if (round > 0) {
        const next = (host.credIndex.get(scope) ?? 0) + 1;
        if (next >= candidates.length) return res;
        host.credIndex.set(scope, next);
      }
      await res.body?.cancel();
      host.challenge = challenge;
      host.tokens.delete(scope);
      try {
        authz = await this.authorize(host, challenge, scope, candidates, signal);
      } catch (e) {
        if (e instanceof AuthError) {
          throw new RegistryError(e.status ?? 401, ["UNAUTHORIZED"], `${formatReference(ref)}: pull access denied, repository does not exist or may require authorization: ${e.message}`);
        }
        throw e;
      }
    }
  }

  private async authorize(
    host: HostAuth, challenge: Challenge, scope: string, candidates: Array<Credential | undefined>, signal?: AbortSignal,
  ): Promise<string | undefined> {
    const first = host.credIndex.get(scope) ?? 0;
    if (challenge.scheme === "basic") {
      const cred = candidates[first];
      return cred ? basicAuthorization(cred) : undefined;
    }
    const scopes = [scope];
    const asked = challenge.params.scope;
    if (asked) for (const s of asked.split(" ")) if (s && !scopes.includes(s)) scopes.push(s);
    let lastErr: unknown;
    for (let i = first; i < candidates.length; i++) {
      try {
        const tok = await fetchBearerToken(this.fetchFn, challenge, scopes, candidates[i], { userAgent: this.userAgent, ...(signal ? { signal } : {}) });
        host.credIndex.set(scope, i);
        host.tokens.set(scope, tok);
        return `Bearer ${tok.token}`;
      } catch (e) {
        lastErr = e;
        if (!(e instanceof AuthError) || (e.status !== 401 && e.status !== 403)) throw e;
      }
    }
    throw lastErr;
  }

  private cachedAuthorization(host: HostAuth, scope: string, cred: Credential | undefined): string | undefined {
    if (!host.challenge) return undefined;
    if (host.challenge.scheme === "basic") return cred ? basicAuthorization(cred) : undefined;
    const tok = host.tokens.get(scope);
    if (tok && tok.expiresAt > Date.now()) return `Bearer ${tok.token}`;
    return undefined;
  }

  private hostAuth(domain: string): HostAuth {
    let h = this.hosts.get(domain);
    if (!h) {
      h = { tokens: new Map(), credIndex: new Map() };
      this.hosts.set(domain, h);
    }
    return h;
  }

  private async send(url: string, headers: Record<string, string>, signal?: AbortSignal): Promise<Response> {
    // The timeout covers only the wait for headers (cleared after); the body is watched by the stall timer.
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new Error(`no response in ${this.requestTimeoutMs} ms`)), this.requestTimeoutMs);
    try {
      return await this.fetchFn(url, {
        headers: { "user-agent": this.userAgent, ...headers }, redirect: "follow",
        signal: signal ? AbortSignal.any([signal, timeout.signal]) : timeout.signal,
      });
    } catch (e) {
      if (signal?.aborted) throw e;
      throw new RegistryUnavailableError(`${new URL(url).origin}: ${(e as Error).message}${causeText(e)}`, { cause: e });
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Picks the platform's manifest from an index, with Docker's message when none fits. */
export function selectIndexEntry(index: ImageIndex, platform: Platform, name: string): Descriptor {
  const chosen = selectManifest(index, platform);
  if (!chosen) {
    throw new PlatformMismatchError(`no matching manifest for ${formatPlatform(platform)} in the manifest list entries (${name})`);
  }
  return chosen;
}

export class PlatformMismatchError extends Error {
  override name = "PlatformMismatchError";
}

/** The registry could not be reached (connection refused, DNS, TLS, timeout). */
export class RegistryUnavailableError extends Error {
  override name = "RegistryUnavailableError";
}

class BlobTransferError extends Error {
  constructor(message: string, readonly transferred: number) {
    super(message);
  }
}

function causeText(e: unknown): string {
  const c = (e as { cause?: { code?: string; message?: string } }).cause;
  return c ? ` (${c.code ?? c.message ?? ""})` : "";
}

async function hashPrefix(path: string): Promise<{ hash: Hash; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  try {
    const st = await stat(path);
    if (!st.isFile() || st.size === 0) return { hash, size: 0 };
    for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      size += chunk.length;
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  return { hash, size };
}
