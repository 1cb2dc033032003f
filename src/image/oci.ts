/**
 * OCI image-spec and Docker v2 schema 2 document shapes, media types and platform matching.
 * The registry client, the store and the archive importer share these; no I/O here.
 */
import { arch as hostArch } from "node:os";

export const MediaType = {
  ociIndex: "application/vnd.oci.image.index.v1+json",
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  ociConfig: "application/vnd.oci.image.config.v1+json",
  ociLayer: "application/vnd.oci.image.layer.v1.tar",
  ociLayerGzip: "application/vnd.oci.image.layer.v1.tar+gzip",
  ociLayerZstd: "application/vnd.oci.image.layer.v1.tar+zstd",
  ociLayerNondistributableGzip: "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
  dockerManifestList: "application/vnd.docker.distribution.manifest.list.v2+json",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerManifestV1Signed: "application/vnd.docker.distribution.manifest.v1+prettyjws",
  dockerConfig: "application/vnd.docker.container.image.v1+json",
  dockerLayerGzip: "application/vnd.docker.image.rootfs.diff.tar.gzip",
  dockerForeignLayerGzip: "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
} as const;

/** The Accept header a pull sends: indexes and lists first, then single manifests. */
export const MANIFEST_ACCEPT = [
  MediaType.ociIndex,
  MediaType.dockerManifestList,
  MediaType.ociManifest,
  MediaType.dockerManifest,
].join(", ");

export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
  "os.version"?: string;
  "os.features"?: string[];
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  platform?: Platform;
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

/** The parts of the image config the runtime and the store read. */
export interface ImageConfig {
  created?: string;
  architecture: string;
  os: string;
  variant?: string;
  config?: {
    User?: string;
    ExposedPorts?: Record<string, object>;
    Env?: string[];
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    Volumes?: Record<string, object>;
    WorkingDir?: string;
    Labels?: Record<string, string>;
    StopSignal?: string;
  };
  rootfs: { type: "layers"; diff_ids: string[] };
  history?: Array<{ created?: string; created_by?: string; empty_layer?: boolean; comment?: string }>;
}

export function isIndexMediaType(mt: string | undefined): boolean {
  return mt === MediaType.ociIndex || mt === MediaType.dockerManifestList;
}

export function isManifestMediaType(mt: string | undefined): boolean {
  return mt === MediaType.ociManifest || mt === MediaType.dockerManifest;
}

/** Parses manifest bytes and decides whether they are an index or a manifest (by mediaType, else by shape). */
export function parseManifestDocument(
  body: Buffer | string,
  contentType?: string,
): { kind: "index"; index: ImageIndex } | { kind: "manifest"; manifest: ImageManifest } {
  let doc: unknown;
  try {
    doc = JSON.parse(typeof body === "string" ? body : body.toString("utf8"));
  } catch (e) {
    throw new Error(`invalid manifest JSON: ${(e as Error).message}`);
  }
  if (typeof doc !== "object" || doc === null) throw new Error("invalid manifest: not an object");
  const d = doc as Record<string, unknown>;
  const mt = (typeof d.mediaType === "string" ? d.mediaType : undefined) ?? contentType?.split(";")[0]?.trim();
  if (mt === MediaType.dockerManifestV1Signed || d.schemaVersion === 1) {
    throw new Error("unsupported manifest: Docker image manifest schema 1 is deprecated and not supported");
  }
  if (isIndexMediaType(mt) || (!isManifestMediaType(mt) && Array.isArray(d.manifests))) {
    if (!Array.isArray(d.manifests)) throw new Error("invalid index: no manifests");
    return { kind: "index", index: doc as ImageIndex };
  }
  if (typeof d.config !== "object" || d.config === null || !Array.isArray(d.layers)) {
    throw new Error(`invalid or unsupported manifest (mediaType ${mt ?? "unknown"})`);
  }
  return { kind: "manifest", manifest: doc as ImageManifest };
}

const GOARCH: Record<string, string> = {
  x64: "amd64", arm64: "arm64", arm: "arm", ia32: "386", ppc64: "ppc64le", s390x: "s390x",
  riscv64: "riscv64", mips: "mips", mipsel: "mipsle", loong64: "loong64",
};

/** The host's platform in OCI terms (always os "linux": that is what containers run). */
export function hostPlatform(): Platform {
  const architecture = GOARCH[hostArch()] ?? hostArch();
  if (architecture === "arm") {
    const v = (process.config.variables as unknown as Record<string, unknown>)["arm_version"];
    return { os: "linux", architecture, variant: `v${typeof v === "string" || typeof v === "number" ? v : 7}` };
  }
  return { os: "linux", architecture };
}

/** Parses `os/arch[/variant]`. */
export function parsePlatform(s: string): Platform {
  const [os, architecture, variant] = s.split("/");
  if (!os || !architecture) throw new Error(`invalid platform ${JSON.stringify(s)}: want os/arch[/variant]`);
  return { os, architecture, ...(variant ? { variant } : {}) };
}

export function formatPlatform(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ""}`;
}

function normalizedVariant(p: Platform): string | undefined {
  if (p.architecture === "arm64") return p.variant === undefined || p.variant === "v8" ? undefined : p.variant;
  if (p.architecture === "amd64") return p.variant === "v1" ? undefined : p.variant;
  return p.variant;
}

/** True when a manifest for `candidate` runs on `want` (same os and architecture; variant when asked). */
export function platformMatches(want: Platform, candidate: Platform | undefined): boolean {
  if (!candidate) return false;
  if (candidate.os !== want.os || candidate.architecture !== want.architecture) return false;
  const wv = normalizedVariant(want);
  const cv = normalizedVariant(candidate);
  return wv === undefined || cv === undefined || wv === cv;
}

/**
 * Picks the manifest for `want` from an index: an exact variant match beats a variantless one;
 * attestation manifests (platform unknown/unknown) never match.
 */
export function selectManifest(index: ImageIndex, want: Platform): Descriptor | undefined {
  const candidates = index.manifests.filter((m) => platformMatches(want, m.platform));
  const wv = normalizedVariant(want);
  return candidates.find((m) => m.platform && normalizedVariant(m.platform) === wv) ?? candidates[0];
}

/** True for layer media types that are gzip-compressed tar (decided by magic bytes on unpack anyway). */
export function isZstdLayer(mt: string): boolean {
  return mt.endsWith("+zstd");
}
