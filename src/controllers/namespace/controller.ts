/**
 * The namespace controller's loop: a namespace marked for deletion (the API server sets its
 * phase to Terminating) has every namespaced object in it deleted — resources found through
 * aggregated discovery, deletecollection per resource with background propagation — and is
 * looked at again until nothing is left; meanwhile the five deletion conditions report what
 * it waits for. Then the `kubernetes` finalizer leaves spec.finalizers through
 * `namespaces/{name}/finalize`, and the API server removes the namespace.
 */
import type { Namespace } from "kubernetes-types/core/v1.js";
import type { NamespaceObj } from "../../api/core/v1/namespace.js";
import type { ApiClient, Informer, ResourceRef } from "../../client/index.js";
import { resourcePath } from "../../client/request.js";
import { StatusError } from "../../machinery/errors.js";
import { deepCopy, nowRFC3339, type KubeList, type KubeObject } from "../../machinery/object.js";
import type { ControllerDeps, ControllerFactory, ReconcileResult } from "../runtime/index.js";
import {
  contentDeletionProblem, discoveryProblem, estimatePodsTermination, finalizerEstimateSeconds, finalizersOf, gvrString,
  kubernetesFinalizer, preferredDeletableResources, remainingProblems, requeueDelayMs, updateConditions, withoutKubernetesFinalizer,
  type AggregatedDiscovery, type DiscoveredResource, type Problem, type Remaining,
} from "./deletion.js";

export interface NamespaceControllerOptions {
  /** Concurrent namespace syncs (kube-controller-manager's --concurrent-namespace-syncs: 10). */
  workers?: number;
  /**
   * Longest wait before a namespace with content left is looked at again. Upstream waits
   * estimate/2 + 1 s (16 s for pods with the default grace period); default 1 s here, so
   * that `kubectl delete namespace` returns soon after the last pod is gone.
   */
  maxRequeueMs?: number;
}

const aggregatedAccept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";

export function namespaceController(opts: NamespaceControllerOptions = {}): ControllerFactory {
  return (deps) => {
    const informer = deps.informers.forKind<NamespaceObj>("v1", "Namespace");
    const deleter = new NamespaceDeleter(deps, informer, opts.maxRequeueMs ?? 1000);
    return {
      name: "namespace",
      workers: opts.workers ?? 10,
      setup(enqueue) {
        const maybe = (ns: NamespaceObj): void => {
          if (ns.metadata.deletionTimestamp) enqueue.add(ns.metadata.name!);
        };
        informer.addHandler({ onAdd: maybe, onUpdate: (_old, ns) => maybe(ns) });
      },
      waitFor: [informer],
      reconcile: (key) => deleter.sync(key),
    };
  };
}

interface ContentResult {
  estimate: number;
  remaining?: Remaining;
  error?: string;
}

class NamespaceDeleter {
  private readonly client: ApiClient;

  constructor(deps: ControllerDeps, private readonly informer: Informer<NamespaceObj>, private readonly maxRequeueMs: number) {
    this.client = deps.client;
  }

  async sync(name: string): Promise<ReconcileResult | void> {
    const cached = this.informer.get(name);
    if (!cached?.metadata.deletionTimestamp) return;
    let ns = cached;
    if (ns.status?.phase !== "Terminating") {
      ns = await this.writeStatus(ns, { ...ns.status, phase: "Terminating" });
    }
    if (!(ns.spec?.finalizers ?? []).includes(kubernetesFinalizer)) return;
    const estimate = await this.deleteAllContent(ns);
    if (estimate > 0) return { requeueAfterMs: requeueDelayMs(estimate, this.maxRequeueMs) };
    await this.finalize(ns);
  }

  /**
   * Deletes everything in the namespace and reports the conditions. Returns upstream's
   * estimate of seconds until the rest is gone (0: empty). Throws after writing the
   * conditions when something failed (the key is retried with backoff).
   */
  private async deleteAllContent(ns: NamespaceObj): Promise<number> {
    const namespace = ns.metadata.name!;
    const problems: Problem[] = [];
    const errors: string[] = [];
    const { resources, failedGroups, error } = await this.discover();
    if (failedGroups.length || error) {
      // Discovery errors are not fatal: what was discovered is still deleted.
      const p = discoveryProblem(failedGroups, error);
      problems.push(p);
      errors.push(p.message);
    }
    const results = await Promise.all(resources.map((r) => this.deleteResource(r, namespace)));
    let estimate = 0;
    const remaining: Remaining[] = [];
    const contentErrors: string[] = [];
    for (const r of results) {
      estimate = Math.max(estimate, r.estimate);
      if (r.remaining) remaining.push(r.remaining);
      if (r.error) contentErrors.push(r.error);
    }
    const content = contentDeletionProblem(contentErrors);
    if (content) problems.push(content);
    problems.push(...remainingProblems(remaining));
    errors.push(...contentErrors);
    const conditions = updateConditions(ns.status?.conditions ?? [], problems, nowRFC3339());
    if (conditions) {
      try {
        await this.writeStatus(ns, { ...ns.status, conditions });
      } catch (err) {
        // The conditions are informative: a failed write must not stop the deletion.
        if (!(err instanceof StatusError && (err.code === 409 || err.code === 404))) throw err;
      }
    }
    if (errors.length) throw new Error(errors.join("; "));
    return estimate;
  }

  private async discover(): Promise<{ resources: DiscoveredResource[]; failedGroups: string[]; error?: string }> {
    try {
      const lists = await Promise.all(["/api", "/apis"].map((path) => this.client.request<AggregatedDiscovery>({ method: "GET", path, accept: aggregatedAccept })));
      return preferredDeletableResources(lists);
    } catch (err) {
      return { resources: [], failedGroups: [], error: (err as Error).message };
    }
  }

  /** Upstream's deleteAllContentForGroupVersionResource. */
  private async deleteResource(r: DiscoveredResource, namespace: string): Promise<ContentResult> {
    const ref: ResourceRef = { group: r.group, version: r.version, kind: r.kind, plural: r.resource, namespaced: true };
    const ops = this.client.resource(ref);
    let estimate = 0;
    try {
      if (r.group === "" && r.resource === "pods") estimate = estimatePodsTermination((await ops.list(namespace)).items);
      if (r.verbs.includes("deletecollection")) {
        await this.client.request<KubeList>({
          method: "DELETE",
          path: resourcePath(ref, namespace),
          body: { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: "Background" },
        });
      } else {
        for (const item of (await ops.list(namespace)).items) {
          try {
            await ops.delete(namespace, item.metadata.name!, { propagationPolicy: "Background" });
          } catch (err) {
            if (!(err instanceof StatusError && err.code === 404)) throw err;
          }
        }
      }
      if (!r.verbs.includes("list")) return { estimate };
      const left = (await ops.list(namespace)).items;
      if (left.length === 0) return { estimate: 0 };
      const remaining: Remaining = { group: r.group, resource: r.resource, count: left.length, finalizers: finalizersOf(left) };
      if (estimate > 0) return { estimate, remaining };
      if (remaining.finalizers.size > 0) return { estimate: finalizerEstimateSeconds, remaining };
      // Nothing holds them, so they should have gone: report it (the deletion is retried).
      return { estimate, remaining, error: `unexpected items still remain in namespace: ${namespace} for gvr: ${gvrString(r)}` };
    } catch (err) {
      // A resource the server does not really serve (a stale discovery entry) has nothing to delete.
      if (err instanceof StatusError && (err.code === 404 || err.code === 405)) return { estimate };
      return { estimate, error: (err as Error).message };
    }
  }

  /** Removes `kubernetes` from spec.finalizers (upstream's finalizeNamespace), retrying on conflicts. */
  private async finalize(ns: NamespaceObj): Promise<void> {
    let current: NamespaceObj = ns;
    for (let attempt = 0; ; attempt++) {
      const body: NamespaceObj = deepCopy(current);
      body.spec = { ...body.spec, finalizers: withoutKubernetesFinalizer(current.spec?.finalizers) };
      try {
        const out = await this.client.request<Namespace>({ method: "PUT", path: `/api/v1/namespaces/${encodeURIComponent(ns.metadata.name!)}/finalize`, body });
        if ((out?.spec?.finalizers ?? []).includes(kubernetesFinalizer)) {
          throw new Error(`namespaces/${ns.metadata.name}/finalize answered with the ${kubernetesFinalizer} finalizer still in spec.finalizers`);
        }
        return;
      } catch (err) {
        if (err instanceof StatusError && err.code === 404) return;
        if (!(err instanceof StatusError && err.code === 409) || attempt >= 4) throw err;
      }
      try {
        current = await this.client.namespaces.get(undefined, ns.metadata.name!);
      } catch (err) {
        if (err instanceof StatusError && err.code === 404) return;
        throw err;
      }
      if (!(current.spec?.finalizers ?? []).includes(kubernetesFinalizer)) return;
    }
  }

  private async writeStatus(ns: NamespaceObj, status: NamespaceObj["status"]): Promise<NamespaceObj> {
    const next = deepCopy(ns) as NamespaceObj & KubeObject;
    next.status = status;
    return this.client.namespaces.updateStatus(next);
  }
}
