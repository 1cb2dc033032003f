/**
 * The client seam every component (controllers, scheduler, node agent, proxy) uses to talk
 * to the API server. Components depend on these interfaces only; the HTTPS and in-process
 * transports implement `Transport`, and `ApiClient` (client.ts) turns it into typed calls.
 */
import type { KubeList, KubeObject } from "../machinery/object.js";

/** One HTTP-shaped request. `body` is serialised as JSON unless it is already a string. */
export interface TransportRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Absolute API path, e.g. `/api/v1/namespaces/default/pods`. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Defaults to application/json. */
  contentType?: string;
  accept?: string;
  signal?: AbortSignal;
}

export interface TransportResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface StreamHandle {
  close(): void;
}

export interface Transport {
  request(req: TransportRequest): Promise<TransportResponse>;
  /**
   * A streamed response (watch): `onLine` gets each newline-delimited line; `onEnd` once,
   * with an error if the stream failed or the server answered non-2xx (a StatusError).
   */
  stream(req: TransportRequest, onLine: (line: string) => void, onEnd: (err?: Error) => void): StreamHandle;
  close?(): Promise<void>;
}

/** Which resource a ResourceClient addresses. */
export interface ResourceRef {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: "Exact" | "NotOlderThan";
}

export interface WatchOptions {
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";

export interface WatchEvent<T = KubeObject> {
  type: WatchEventType;
  /** For ERROR: a Status object. */
  object: T;
}

export interface WriteOptions {
  dryRun?: boolean;
  fieldManager?: string;
}

export type PatchType = "json" | "merge" | "strategic" | "apply";

export interface PatchOptions extends WriteOptions {
  /** For apply: take ownership of conflicting fields. */
  force?: boolean;
  subresource?: string;
}

export interface DeleteOptions {
  propagationPolicy?: "Orphan" | "Background" | "Foreground";
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

/** Typed operations on one resource. Errors are StatusError (machinery/errors). */
export interface ResourceOps<T extends KubeObject = KubeObject> {
  readonly ref: ResourceRef;
  get(namespace: string | undefined, name: string): Promise<T>;
  list(namespace: string | undefined, opts?: ListOptions): Promise<KubeList<T>>;
  /** Pages through `limit`-sized chunks and returns every item, with the list's resourceVersion. */
  listAll(namespace: string | undefined, opts?: ListOptions): Promise<KubeList<T>>;
  watch(namespace: string | undefined, opts: WatchOptions, onEvent: (ev: WatchEvent<T>) => void, onEnd: (err?: Error) => void): StreamHandle;
  create(namespace: string | undefined, obj: T, opts?: WriteOptions): Promise<T>;
  update(obj: T, opts?: WriteOptions): Promise<T>;
  updateStatus(obj: T, opts?: WriteOptions): Promise<T>;
  patch(namespace: string | undefined, name: string, type: PatchType, patch: unknown, opts?: PatchOptions): Promise<T>;
  delete(namespace: string | undefined, name: string, opts?: DeleteOptions): Promise<KubeObject>;
  /** POST to a subresource (pods/binding, pods/eviction...), returning the decoded reply. */
  createSubresource(namespace: string | undefined, name: string, subresource: string, body: unknown): Promise<KubeObject>;
}
