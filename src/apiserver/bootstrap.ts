/**
 * Objects every cluster has from its first start, as upstream's API server creates them: the
 * system namespaces, the `kubernetes` Service with its Endpoints, and the two system
 * PriorityClasses. Idempotent, so a restart on the same data dir changes nothing.
 */
import type { KubeObject } from "../machinery/object.js";
import type { ResourceRegistry } from "../machinery/registry.js";
import type { ResourceStore } from "./store.js";
import { gatewayOf, parseCidr } from "../machinery/cidr.js";

const systemNamespaces = ["default", "kube-system", "kube-public", "kube-node-lease"];

export interface BootstrapOptions {
  /** Service CIDR; the `kubernetes` Service takes its first address. */
  serviceCidr: string;
  /** Where the API server can be reached, for the `kubernetes` Endpoints (none: no Endpoints). */
  advertiseAddress?: string;
  port: number;
}

export function firstServiceIP(cidr: string): string {
  return gatewayOf(parseCidr(cidr));
}

async function ensure(store: ResourceStore, registry: ResourceRegistry, group: string, plural: string, obj: KubeObject): Promise<void> {
  const def = registry.lookup(group, group ? "v1" : "v1", plural);
  if (!def) throw new Error(`bootstrap: ${plural} is not registered`);
  try {
    await store.get(def, obj.metadata.namespace, obj.metadata.name!);
  } catch {
    try {
      await store.create(def, obj.metadata.namespace, obj, { fieldManager: "kube-apiserver" });
    } catch (err) {
      if ((err as { code?: number }).code !== 409) throw err;
    }
  }
}

export async function bootstrap(store: ResourceStore, registry: ResourceRegistry, opts: BootstrapOptions): Promise<void> {
  for (const name of systemNamespaces) {
    await ensure(store, registry, "", "namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name } });
  }
  const ip = firstServiceIP(opts.serviceCidr);
  await ensure(store, registry, "", "services", {
    apiVersion: "v1", kind: "Service",
    metadata: { name: "kubernetes", namespace: "default", labels: { component: "apiserver", provider: "kubernetes" } },
    spec: { type: "ClusterIP", clusterIP: ip, clusterIPs: [ip], ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: opts.port }], sessionAffinity: "None" },
  });
  if (opts.advertiseAddress) {
    // Reconciled on every start, as upstream's endpoint reconciler does: the port may change.
    const subsets = [{ addresses: [{ ip: opts.advertiseAddress }], ports: [{ name: "https", port: opts.port, protocol: "TCP" }] }];
    const epDef = registry.lookup("", "v1", "endpoints")!;
    await ensure(store, registry, "", "endpoints", {
      apiVersion: "v1", kind: "Endpoints",
      metadata: { name: "kubernetes", namespace: "default", labels: { "endpointslice.kubernetes.io/skip-mirror": "true" } },
      subsets,
    });
    await store.update(epDef, "default", "kubernetes", (live) => ({ ...live, subsets }), { fieldManager: "kube-apiserver" });
    const svcDef = registry.lookup("", "v1", "services")!;
    await store.update(svcDef, "default", "kubernetes", (live) => {
      const spec = live.spec as { ports?: { targetPort?: number }[] };
      for (const p of spec.ports ?? []) p.targetPort = opts.port;
      return live;
    }, { fieldManager: "kube-apiserver" });
  }
  for (const [name, value, description] of [
    ["system-node-critical", 2000001000, "Used for system critical pods that must not be moved from their current node."],
    ["system-cluster-critical", 2000000000, "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary."],
  ] as const) {
    await ensure(store, registry, "scheduling.k8s.io", "priorityclasses", {
      apiVersion: "scheduling.k8s.io/v1", kind: "PriorityClass", metadata: { name }, value, description, preemptionPolicy: "PreemptLowerPriority",
    });
  }
}
