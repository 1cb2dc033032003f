/**
 * Pulling an image into the store (registry → verified blobs → unpacked layers → index
 * record), and the kubelet's imagePullPolicy on top of it. Failures come out as ImageError
 * with the kubelet's reasons, ready for container statuses and Events.
 */
import { chainIDs, DigestMismatchError } from "./digest.js";
import { ImageError, RegistryError } from "./errors.js";
import type { ImageConfig, Platform } from "./oci.js";
import { addDockerConfig, DockerKeyring } from "./registry/auth.js";
import {
  PlatformMismatchError, RegistryClient, RegistryUnavailableError, type BlobProgress,
} from "./registry/client.js";
import {
  digestedName, formatReference, InvalidReferenceError, parseReference, taggedName, type ImageReference,
} from "./reference.js";
import type { ImageRecord, ImageStore, LayerRef } from "./store/store.js";

export interface PullOptions {
  /** Credentials; built from `pullSecrets` when not given. */
  keyring?: DockerKeyring;
  /** Docker configs (decoded `.dockerconfigjson` of the pod's imagePullSecrets). */
  pullSecrets?: ReadonlyArray<string | Buffer | object>;
  platform?: Platform;
  signal?: AbortSignal;
  /** Progress of each layer download. */
  onProgress?: (p: BlobProgress) => void;
  /** A client to reuse (keeps tokens between pulls). */
  client?: RegistryClient;
  /** Layer downloads at once (default 3). */
  concurrency?: number;
}

export interface PullResult {
  image: ImageRecord;
  /** The reference as pulled, canonical (`docker.io/library/busybox:latest`). */
  reference: string;
  /** Bytes transferred from the registry (0 when every blob was already present). */
  downloadedBytes: number;
  durationMs: number;
}

/** Pulls `reference` into the store. Blobs already present are not downloaded again. */
export async function pullImage(store: ImageStore, reference: string, opts: PullOptions = {}): Promise<PullResult> {
  const started = Date.now();
  const ref = parseOrInvalid(reference);
  const name = formatReference(ref);
  const client = opts.client ?? new RegistryClient({ keyring: opts.keyring ?? keyringFrom(opts.pullSecrets) });
  let downloadedBytes = 0;
  let release: (() => void) | undefined;
  try {
    const resolved = await client.resolve(ref, { ...(opts.platform ? { platform: opts.platform } : {}), ...(opts.signal ? { signal: opts.signal } : {}) });
    const m = resolved.manifest;
    release = store.hold([resolved.manifestDigest, m.config.digest, ...(resolved.indexDigest ? [resolved.indexDigest] : []), ...m.layers.map((l) => l.digest)]);
    await store.putBlob(resolved.manifestBytes, resolved.manifestDigest);
    if (resolved.indexBytes && resolved.indexDigest) await store.putBlob(resolved.indexBytes, resolved.indexDigest);

    let configBytes: Buffer;
    if (await store.hasBlob(m.config.digest)) configBytes = await store.readBlob(m.config.digest);
    else {
      configBytes = await client.getBlobBytes(ref, m.config, opts.signal);
      await store.putBlob(configBytes, m.config.digest);
    }
    const config = parseConfig(configBytes, name);
    const diffIDs = config.rootfs.diff_ids;
    if (diffIDs.length !== m.layers.length) {
      throw new Error(`${name}: manifest has ${m.layers.length} layers but the config lists ${diffIDs.length} diff IDs`);
    }
    const chains = chainIDs(diffIDs);
    const releaseChains = store.hold(chains);
    try {
      await runLimited(m.layers, opts.concurrency ?? 3, async (desc) => {
        await store.fetchBlob(desc, async (partial) => {
          const r = await client.downloadBlob(ref, desc, partial, {
            ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
          });
          downloadedBytes += r.transferred;
        });
      });
      const layers: LayerRef[] = m.layers.map((d, i) => ({ digest: d.digest, mediaType: d.mediaType, size: d.size, diffID: diffIDs[i]!, chainID: chains[i]! }));
      await store.ensureLayers(layers);
      const repoDigest = resolved.indexDigest ?? resolved.manifestDigest;
      const tagged = taggedName(ref);
      const image = await store.addImage({
        id: m.config.digest,
        names: tagged ? [tagged] : [],
        repoDigests: [digestedName(ref, repoDigest)],
        manifestDigest: resolved.manifestDigest,
        manifestMediaType: resolved.manifestMediaType,
        ...(resolved.indexDigest ? { indexDigest: resolved.indexDigest } : {}),
        configDigest: m.config.digest,
        layers,
        size: m.config.size + m.layers.reduce((s, l) => s + l.size, 0),
        platform: { os: config.os, architecture: config.architecture, ...(config.variant ? { variant: config.variant } : {}) },
        ...(config.created ? { created: config.created } : {}),
        source: "registry",
      });
      return { image, reference: name, downloadedBytes, durationMs: Date.now() - started };
    } finally {
      releaseChains();
    }
  } catch (e) {
    throw toImageError(e, name);
  } finally {
    release?.();
  }
}

export type PullPolicy = "Always" | "IfNotPresent" | "Never";

/** The kubelet's default: Always for `:latest` or no tag, IfNotPresent otherwise (digests included). */
export function defaultPullPolicy(image: string): PullPolicy {
  try {
    const ref = parseReference(image, { defaultTag: false });
    if (ref.digest) return "IfNotPresent";
    return ref.tag === undefined || ref.tag === "latest" ? "Always" : "IfNotPresent";
  } catch {
    return "IfNotPresent";
  }
}

export interface EnsureResult {
  image: ImageRecord;
  /** Set when a pull happened. */
  pull?: PullResult;
}

/**
 * Makes `image` present as `policy` says: Never only looks, IfNotPresent pulls when missing,
 * Always resolves against the registry every time (cheap when nothing changed).
 */
export async function ensureImage(store: ImageStore, image: string, policy: PullPolicy | undefined, opts: PullOptions = {}): Promise<EnsureResult> {
  const ref = parseOrInvalid(image);
  const name = formatReference(ref);
  const effective = policy ?? defaultPullPolicy(image);
  if (effective !== "Always") {
    const present = await store.getImage(name);
    if (present) {
      await store.touch(present.id);
      return { image: present };
    }
    if (effective === "Never") {
      throw new ImageError("ErrImageNeverPull", "NotFound", `Container image "${image}" is not present with pull policy of Never`);
    }
  }
  const pull = await pullImage(store, image, opts);
  return { image: pull.image, pull };
}

function keyringFrom(secrets: PullOptions["pullSecrets"]): DockerKeyring {
  const k = new DockerKeyring();
  for (const s of secrets ?? []) addDockerConfig(k, s);
  return k;
}

function parseOrInvalid(image: string): ImageReference {
  try {
    return parseReference(image);
  } catch (e) {
    if (e instanceof InvalidReferenceError) {
      throw new ImageError("InvalidImageName", "Invalid", `Failed to apply default image tag "${image}": couldn't parse image name "${image}": ${e.message}`, { cause: e });
    }
    throw e;
  }
}

function parseConfig(bytes: Buffer, name: string): ImageConfig {
  let c: ImageConfig;
  try {
    c = JSON.parse(bytes.toString("utf8")) as ImageConfig;
  } catch (e) {
    throw new Error(`${name}: invalid image config: ${(e as Error).message}`);
  }
  if (!c.rootfs || !Array.isArray(c.rootfs.diff_ids)) throw new Error(`${name}: image config has no rootfs.diff_ids`);
  return c;
}

/** Wraps any failure in an ImageError with the reason and kind the node agent reports. */
export function toImageError(e: unknown, name: string): ImageError {
  if (e instanceof ImageError) return e;
  const msg = (e as Error)?.message ?? String(e);
  const wrap = (kind: ImageError["kind"], reason: ImageError["reason"] = "ErrImagePull"): ImageError =>
    new ImageError(reason, kind, `failed to pull and unpack image "${name}": ${msg}`, { cause: e });
  if (e instanceof RegistryError) return wrap(e.notFound ? "NotFound" : e.unauthorized ? "Unauthorized" : "Other");
  if (e instanceof RegistryUnavailableError) return wrap("Unavailable", "RegistryUnavailable");
  if (e instanceof DigestMismatchError) return wrap("Digest");
  if (e instanceof PlatformMismatchError) return wrap("Platform");
  if ((e as Error)?.name === "AbortError") return wrap("Other");
  return wrap("Other");
}

async function runLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown;
  const worker = async (): Promise<void> => {
    while (failed === undefined && next < items.length) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (e) {
        failed ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failed !== undefined) throw failed;
}
