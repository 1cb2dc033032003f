/**
 * The storage seam: a revisioned key-value log, shaped like kine's. Every write gets the
 * next revision of the whole store; a key's `modRevision` is the revision of its last write.
 * The API server's resourceVersion *is* this revision.
 *
 * Values are opaque strings (the API server stores JSON).
 */

export interface KeyValue {
  key: string;
  value: string;
  /** Revision at which the key was created (this incarnation). */
  createRevision: number;
  /** Revision of the last write to the key. */
  modRevision: number;
}

export interface GetResult {
  /** The store's current revision (or the requested one). */
  revision: number;
  kv?: KeyValue;
}

export interface ListOptions {
  /** Read as of this revision (0 or absent = current). Older than the compact revision → CompactedError. */
  revision?: number;
  /** At most this many keys (0 or absent = all). */
  limit?: number;
  /** Start after this key (exclusive): the continuation point of a paged list. */
  startAfter?: string;
}

export interface ListResult {
  /** The revision the list was read at; pass it back for the next page to get a consistent snapshot. */
  revision: number;
  kvs: KeyValue[];
  /** True when more keys follow the last one returned. */
  more: boolean;
  /** How many keys under the prefix remain after this page (when known). */
  remaining?: number;
}

export interface WriteResult {
  revision: number;
  kv: KeyValue;
}

export interface DeleteResult {
  revision: number;
  /** The value that was deleted. */
  prev: KeyValue;
}

export type WatchEventType = "put" | "delete";

export interface WatchEvent {
  type: WatchEventType;
  /** For put: the new value. For delete: the key with the deleted value and `modRevision` = the delete's revision. */
  kv: KeyValue;
  /** The previous value, when there was one. */
  prev?: KeyValue;
}

export interface Watcher {
  /** Stops delivery. Idempotent. */
  close(): void;
}

export interface WatchOptions {
  /** Deliver events with revision > afterRevision. Must be ≥ the compact revision, else CompactedError. */
  afterRevision: number;
  /** Called with events in revision order; batches of one revision or more. */
  onEvents(events: WatchEvent[]): void;
  /** Called once if the watch fails (e.g. the backend closes); no more events follow. */
  onError?(err: Error): void;
}

export interface Backend {
  /** The backend's name ("memory", "sqlite", "etcd"). */
  readonly name: string;
  currentRevision(): Promise<number>;
  get(key: string, revision?: number): Promise<GetResult>;
  /** Keys starting with `prefix`, in key order. */
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;
  /** How many live keys start with `prefix`. */
  count(prefix: string): Promise<{ revision: number; count: number }>;
  /** Fails with KeyExistsError if the key exists. */
  create(key: string, value: string): Promise<WriteResult>;
  /**
   * Compare-and-swap: writes only if the key's modRevision equals `expectedModRevision`.
   * Missing key → KeyNotFoundError; other revision → RevisionMismatchError (carrying the current kv).
   */
  update(key: string, value: string, expectedModRevision: number): Promise<WriteResult>;
  /** Deletes the key; with `expectedModRevision`, only if it matches. Missing key → KeyNotFoundError. */
  delete(key: string, expectedModRevision?: number): Promise<DeleteResult>;
  /** Events for keys starting with `prefix`, from `afterRevision` on. Compacted → throws CompactedError. */
  watch(prefix: string, opts: WatchOptions): Watcher;
  /** Forgets history at and below `revision` (the latest value of each live key is kept). */
  compact(revision: number): Promise<void>;
  /** The revision history is compacted to (nothing older can be read or watched). */
  compactRevision(): Promise<number>;
  close(): Promise<void>;
}

export class KeyExistsError extends Error {
  constructor(readonly key: string) { super(`key exists: ${key}`); this.name = "KeyExistsError"; }
}
export class KeyNotFoundError extends Error {
  constructor(readonly key: string) { super(`key not found: ${key}`); this.name = "KeyNotFoundError"; }
}
export class RevisionMismatchError extends Error {
  constructor(readonly key: string, readonly current: KeyValue) {
    super(`revision mismatch on ${key}: now ${current.modRevision}`);
    this.name = "RevisionMismatchError";
  }
}
export class CompactedError extends Error {
  constructor(readonly requested: number, readonly compacted: number) {
    super(`required revision ${requested} has been compacted (compacted through ${compacted})`);
    this.name = "CompactedError";
  }
}
/** The requested revision is newer than the store's current one. */
export class FutureRevisionError extends Error {
  constructor(readonly requested: number, readonly current: number) {
    super(`required revision ${requested} is a future revision (current ${current})`);
    this.name = "FutureRevisionError";
  }
}

/** name → factory registry, so `--storage sqlite|memory|etcd` picks an implementation. */
export interface BackendOptions {
  /** For durable backends: where data lives. */
  dataDir?: string;
  /** For etcd: endpoints. */
  endpoints?: string[];
}
export type BackendFactory = (opts: BackendOptions) => Promise<Backend>;
