/**
 * The typed API client: `ApiClient` turns a Transport into per-resource operations with
 * client-go's semantics (URL layout, query parameters, patch media types, paging with
 * `continue`, newline-delimited watch events). Non-2xx replies become StatusError.
 */
import { builtinResources } from "../api/index.js";
import type { ConfigMapObj } from "../api/core/v1/configmap.js";
import type { EndpointsObj } from "../api/core/v1/endpoints.js";
import type { EventObj } from "../api/core/v1/event.js";
import type { NamespaceObj } from "../api/core/v1/namespace.js";
import type { NodeObj } from "../api/core/v1/node.js";
import type { PodObj } from "../api/core/v1/pod-printer.js";
import type { SecretObj } from "../api/core/v1/secret.js";
import type { ServiceAccountObj } from "../api/core/v1/serviceaccount.js";
import type { ServiceObj } from "../api/core/v1/service.js";
import type { Lease } from "../api/coordination/v1/lease.js";
import type { DaemonSet } from "../api/apps/v1/daemonset.js";
import type { Deployment } from "../api/apps/v1/deployment.js";
import type { ReplicaSet } from "../api/apps/v1/replicaset.js";
import type { StatefulSet } from "../api/apps/v1/statefulset.js";
import type { Job } from "../api/batch/v1/job.js";
import type { EndpointSlice } from "../api/discovery/v1/endpointslice.js";
import type { PodDisruptionBudget } from "../api/policy/v1/poddisruptionbudget.js";
import type { PriorityClass } from "../api/scheduling/v1/priorityclass.js";
import { StatusError } from "../machinery/errors.js";
import { apiVersionOf, splitApiVersion, type KubeList, type KubeObject } from "../machinery/object.js";
import type { ResourceDef } from "../machinery/resource.js";
import type {
  DeleteOptions, ListOptions, PatchOptions, PatchType, ResourceOps, ResourceRef, StreamHandle,
  Transport, TransportRequest, WatchEvent, WatchOptions, WriteOptions,
} from "./interfaces.js";
import { resourcePath } from "./request.js";
import { statusErrorFromResponse } from "./status.js";

/** The media type of each patch flavour (apply bodies are YAML; JSON is YAML). */
export const patchContentTypes: Record<PatchType, string> = {
  json: "application/json-patch+json",
  merge: "application/merge-patch+json",
  strategic: "application/strategic-merge-patch+json",
  apply: "application/apply-patch+yaml",
};

/** client-go's pager default page size. */
export const defaultPageSize = 500;

/** The ResourceRef of a registry definition. */
export function refOf(def: Pick<ResourceDef, "group" | "version" | "kind" | "plural" | "namespaced">): ResourceRef {
  return { group: def.group, version: def.version, kind: def.kind, plural: def.plural, namespaced: def.namespaced };
}

/** The built-in resource serving `kind` in `apiVersion`; 404 NotFound like a RESTMapper miss. */
export function builtinRef(apiVersion: string, kind: string): ResourceRef {
  const key = `${apiVersion}|${kind}`;
  let ref = refCache.get(key);
  if (!ref) {
    const { group, version } = splitApiVersion(apiVersion);
    const def = builtinResources.find((d) => d.group === group && d.version === version && d.kind === kind);
    if (!def) throw new StatusError(404, "NotFound", `no matches for kind "${kind}" in version "${apiVersion}"`);
    ref = refOf(def);
    refCache.set(key, ref);
  }
  return { ...ref };
}

const refCache = new Map<string, ResourceRef>();

/** The built-in resource with this plural in group/version. */
export function builtinRefByResource(group: string, version: string, plural: string): ResourceRef {
  const def = builtinResources.find((d) => d.group === group && d.version === version && d.plural === plural);
  if (!def) throw new StatusError(404, "NotFound", `the server doesn't have a resource type "${plural}" in "${apiVersionOf(group, version)}"`);
  return refOf(def);
}

function stripManagedFields(obj: KubeObject): void {
  if (obj.metadata?.managedFields !== undefined) delete obj.metadata.managedFields;
}

export class ApiClient {
  private readonly cache = new Map<string, ResourceOps<KubeObject>>();

  /**
   * `stripManagedFields`: lists and watch events arrive without metadata.managedFields (as
   * client-go's TransformStripManagedFields): components that cache every pod keep about half
   * the memory. Writes are unaffected: a write without managedFields keeps the stored ones.
   */
  constructor(readonly transport: Transport, readonly opts: { stripManagedFields?: boolean } = {}) {}

  resource<T extends KubeObject = KubeObject>(ref: ResourceRef): ResourceOps<T> {
    const key = `${ref.group}/${ref.version}/${ref.plural}`;
    let ops = this.cache.get(key);
    if (!ops) {
      ops = new ResourceClient(this, ref);
      this.cache.set(key, ops);
    }
    return ops as unknown as ResourceOps<T>;
  }

  forKind<T extends KubeObject = KubeObject>(apiVersion: string, kind: string): ResourceOps<T> {
    const key = `kind:${apiVersion}|${kind}`;
    const hit = this.cache.get(key);
    if (hit) return hit as unknown as ResourceOps<T>;
    const ops = this.resource<T>(builtinRef(apiVersion, kind));
    this.cache.set(key, ops as unknown as ResourceOps<KubeObject>);
    return ops;
  }

  /**
   * Sends one request and decodes the JSON reply; non-2xx throws StatusError. For paths the
   * typed operations do not cover (discovery, /version, /healthz).
   */
  async request<R = unknown>(req: TransportRequest): Promise<R> {
    const res = await this.transport.request(req);
    if (res.status < 200 || res.status > 299) throw statusErrorFromResponse(res.status, res.body);
    if (!res.body) return undefined as R;
    try {
      return JSON.parse(res.body) as R;
    } catch {
      throw new StatusError(500, "InternalError", `the server replied with a body that is not JSON: ${res.body.slice(0, 200)}`);
    }
  }

  async close(): Promise<void> {
    await this.transport.close?.();
  }

  get pods(): ResourceOps<PodObj> { return this.forKind("v1", "Pod"); }
  get nodes(): ResourceOps<NodeObj> { return this.forKind("v1", "Node"); }
  get namespaces(): ResourceOps<NamespaceObj> { return this.forKind("v1", "Namespace"); }
  /** core/v1 Events (what `kubectl describe` shows). */
  get events(): ResourceOps<EventObj> { return this.forKind("v1", "Event"); }
  get services(): ResourceOps<ServiceObj> { return this.forKind("v1", "Service"); }
  get endpoints(): ResourceOps<EndpointsObj> { return this.forKind("v1", "Endpoints"); }
  get configmaps(): ResourceOps<ConfigMapObj> { return this.forKind("v1", "ConfigMap"); }
  get secrets(): ResourceOps<SecretObj> { return this.forKind("v1", "Secret"); }
  get serviceaccounts(): ResourceOps<ServiceAccountObj> { return this.forKind("v1", "ServiceAccount"); }
  get leases(): ResourceOps<Lease> { return this.forKind("coordination.k8s.io/v1", "Lease"); }
  get deployments(): ResourceOps<Deployment> { return this.forKind("apps/v1", "Deployment"); }
  get replicasets(): ResourceOps<ReplicaSet> { return this.forKind("apps/v1", "ReplicaSet"); }
  get daemonsets(): ResourceOps<DaemonSet> { return this.forKind("apps/v1", "DaemonSet"); }
  get statefulsets(): ResourceOps<StatefulSet> { return this.forKind("apps/v1", "StatefulSet"); }
  get jobs(): ResourceOps<Job> { return this.forKind("batch/v1", "Job"); }
  get endpointslices(): ResourceOps<EndpointSlice> { return this.forKind("discovery.k8s.io/v1", "EndpointSlice"); }
  get pdbs(): ResourceOps<PodDisruptionBudget> { return this.forKind("policy/v1", "PodDisruptionBudget"); }
  get priorityClasses(): ResourceOps<PriorityClass> { return this.forKind("scheduling.k8s.io/v1", "PriorityClass"); }
}

function writeQuery(opts: WriteOptions | undefined): TransportRequest["query"] {
  return { dryRun: opts?.dryRun ? "All" : undefined, fieldManager: opts?.fieldManager };
}

class ResourceClient<T extends KubeObject> implements ResourceOps<T> {
  private readonly apiVersion: string;

  constructor(private readonly client: ApiClient, readonly ref: ResourceRef) {
    this.apiVersion = apiVersionOf(ref.group, ref.version);
  }

  async get(namespace: string | undefined, name: string): Promise<T> {
    return this.client.request<T>({ method: "GET", path: resourcePath(this.ref, namespace, name) });
  }

  async list(namespace: string | undefined, opts: ListOptions = {}): Promise<KubeList<T>> {
    const list = await this.client.request<KubeList<T>>({
      method: "GET",
      path: resourcePath(this.ref, namespace),
      query: {
        labelSelector: opts.labelSelector || undefined,
        fieldSelector: opts.fieldSelector || undefined,
        limit: opts.limit || undefined,
        continue: opts.continue || undefined,
        resourceVersion: opts.resourceVersion,
        resourceVersionMatch: opts.resourceVersionMatch,
      },
    });
    if (this.client.opts.stripManagedFields) for (const item of list.items) stripManagedFields(item);
    return list;
  }

  async listAll(namespace: string | undefined, opts: ListOptions = {}): Promise<KubeList<T>> {
    const limit = opts.limit ?? defaultPageSize;
    const items: T[] = [];
    let page = await this.list(namespace, { ...opts, limit, continue: opts.continue });
    const first = page;
    items.push(...page.items);
    while (page.metadata.continue) {
      try {
        page = await this.list(namespace, { ...opts, limit, continue: page.metadata.continue, resourceVersion: undefined, resourceVersionMatch: undefined });
      } catch (err) {
        // An expired continue token: like client-go's pager, fall back to one unpaged list.
        if (err instanceof StatusError && err.code === 410) return this.list(namespace, { ...opts, limit: undefined, continue: undefined });
        throw err;
      }
      items.push(...page.items);
    }
    return {
      apiVersion: first.apiVersion,
      kind: first.kind,
      metadata: { resourceVersion: first.metadata.resourceVersion },
      items,
    };
  }

  watch(namespace: string | undefined, opts: WatchOptions, onEvent: (ev: WatchEvent<T>) => void, onEnd: (err?: Error) => void): StreamHandle {
    let handle: StreamHandle | undefined;
    let ended = false;
    const end = (err?: Error): void => {
      if (ended) return;
      ended = true;
      onEnd(err);
    };
    const req: TransportRequest = {
      method: "GET",
      path: resourcePath(this.ref, namespace),
      query: {
        watch: "true",
        labelSelector: opts.labelSelector || undefined,
        fieldSelector: opts.fieldSelector || undefined,
        resourceVersion: opts.resourceVersion,
        allowWatchBookmarks: opts.allowWatchBookmarks ? "true" : undefined,
        timeoutSeconds: opts.timeoutSeconds,
      },
    };
    const onLine = (line: string): void => {
      if (ended) return;
      let ev: WatchEvent<T>;
      try {
        ev = JSON.parse(line) as WatchEvent<T>;
        if (typeof ev?.type !== "string" || typeof ev.object !== "object" || ev.object === null) throw new Error("not a watch event");
      } catch (err) {
        // A stream we cannot decode is over, as client-go's StreamWatcher ends on a decode error.
        handle?.close();
        end(new StatusError(500, "InternalError", `unable to decode watch event: ${(err as Error).message}: ${line.slice(0, 200)}`));
        return;
      }
      if (this.client.opts.stripManagedFields) stripManagedFields(ev.object);
      onEvent(ev);
    };
    handle = this.client.transport.stream(req, onLine, end);
    return {
      close: () => {
        // After close the caller hears nothing more, not even onEnd.
        ended = true;
        handle?.close();
      },
    };
  }

  async create(namespace: string | undefined, obj: T, opts?: WriteOptions): Promise<T> {
    const ns = this.ref.namespaced ? namespace || obj.metadata.namespace : undefined;
    if (this.ref.namespaced && !ns) throw new StatusError(400, "BadRequest", `a namespace is required to create ${this.ref.plural}`);
    return this.client.request<T>({
      method: "POST",
      path: resourcePath(this.ref, ns),
      query: writeQuery(opts),
      body: this.typed(obj),
    });
  }

  update(obj: T, opts?: WriteOptions): Promise<T> {
    return this.put(obj, undefined, opts);
  }

  updateStatus(obj: T, opts?: WriteOptions): Promise<T> {
    return this.put(obj, "status", opts);
  }

  async patch(namespace: string | undefined, name: string, type: PatchType, patch: unknown, opts?: PatchOptions): Promise<T> {
    return this.client.request<T>({
      method: "PATCH",
      path: resourcePath(this.ref, namespace, name, opts?.subresource),
      query: { ...writeQuery(opts), force: opts?.force === undefined ? undefined : String(opts.force) },
      contentType: patchContentTypes[type],
      body: patch,
    });
  }

  async delete(namespace: string | undefined, name: string, opts?: DeleteOptions): Promise<KubeObject> {
    let body: Record<string, unknown> | undefined;
    if (opts) {
      body = { kind: "DeleteOptions", apiVersion: "v1" };
      if (opts.propagationPolicy) body.propagationPolicy = opts.propagationPolicy;
      if (opts.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = opts.gracePeriodSeconds;
      if (opts.preconditions) body.preconditions = opts.preconditions;
      if (opts.dryRun) body.dryRun = ["All"];
    }
    return this.client.request<KubeObject>({ method: "DELETE", path: resourcePath(this.ref, namespace, name), body });
  }

  async createSubresource(namespace: string | undefined, name: string, subresource: string, body: unknown): Promise<KubeObject> {
    return this.client.request<KubeObject>({ method: "POST", path: resourcePath(this.ref, namespace, name, subresource), body });
  }

  private async put(obj: T, subresource: string | undefined, opts?: WriteOptions): Promise<T> {
    const name = obj.metadata.name;
    if (!name) throw new StatusError(400, "BadRequest", "resource name may not be empty");
    return this.client.request<T>({
      method: "PUT",
      path: resourcePath(this.ref, obj.metadata.namespace, name, subresource),
      query: writeQuery(opts),
      body: this.typed(obj),
    });
  }

  /** Bodies carry apiVersion and kind, as typed clients send them. */
  private typed(obj: T): T {
    if (obj.apiVersion && obj.kind) return obj;
    return { ...obj, apiVersion: obj.apiVersion ?? this.apiVersion, kind: obj.kind ?? this.ref.kind };
  }
}
