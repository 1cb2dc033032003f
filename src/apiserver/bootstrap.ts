/**
 * Objects every cluster has from its first start: the system namespaces. Idempotent, so a
 * restart on the same data dir changes nothing.
 */
import type { ResourceRegistry } from "../machinery/registry.js";
import type { ResourceStore } from "./store.js";

const systemNamespaces = ["default", "kube-system", "kube-public", "kube-node-lease"];

export async function bootstrap(store: ResourceStore, registry: ResourceRegistry): Promise<void> {
  const nsDef = registry.lookup("", "v1", "namespaces");
  if (!nsDef) throw new Error("the Namespace kind is not registered");
  for (const name of systemNamespaces) {
    try {
      await store.get(nsDef, undefined, name);
    } catch {
      try {
        await store.create(nsDef, undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name } });
      } catch (err) {
        if ((err as { code?: number }).code !== 409) throw err;
      }
    }
  }
}
