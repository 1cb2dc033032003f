/**
 * Public surface of the image subsystem: references, the registry client, the store
 * (layers, root filesystems, GC), pulls with pull policies, and archive import.
 */
export * from "./reference.js";
export * from "./oci.js";
export * from "./errors.js";
export { chainIDs, DigestMismatchError, sha256Digest } from "./digest.js";
export {
  addDockerConfig, DockerKeyring, dockerConfigFromSecret, keyringFromDockerConfigs, parseWWWAuthenticate,
  type Challenge, type Credential,
} from "./registry/auth.js";
export {
  PlatformMismatchError, RegistryClient, RegistryUnavailableError,
  type BlobProgress, type RegistryClientOptions, type ResolvedImage,
} from "./registry/client.js";
export {
  findImage, ImageNotFoundError, ImageStore,
  type ImageRecord, type LayerMeta, type LayerRef, type StoreOptions,
} from "./store/store.js";
export { imagesInUse, overlaySupported, prepareRootfs, releaseRootfs, type PreparedRootfs, type PrepareOptions } from "./store/rootfs.js";
export { diskUsageOf, gc, ImageInUseError, removeImage, sweep, type GcOptions, type GcResult, type RemoveResult } from "./store/gc.js";
export type { LayerFormat } from "./store/unpack.js";
export {
  defaultPullPolicy, ensureImage, pullImage, type EnsureResult, type PullOptions, type PullPolicy, type PullResult,
} from "./pull.js";
export {
  formatImageTable, humanSize, imageImport, imageList, imageRemove, importArchive, importDir,
  type DirImportEntry, type ImageSummary, type ImportOptions, type ImportResult,
} from "./archive.js";
