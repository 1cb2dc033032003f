/**
 * NamespaceLifecycle, as upstream's admission plugin: namespaced objects may only be created
 * in a namespace that exists and is not terminating, and the system namespaces cannot be
 * deleted.
 */
import { errors } from "../../machinery/errors.js";
import type { AdmissionPlugin } from "../store.js";

const immortal = new Set(["default", "kube-system", "kube-public"]);

export function namespaceLifecycle(namespaceDef: () => import("../../machinery/resource.js").ResourceDef): AdmissionPlugin {
  return {
    name: "NamespaceLifecycle",
    async admit({ operation, def, object, store }) {
      if (def.group === "" && def.kind === "Namespace") {
        if (operation === "DELETE" && immortal.has(object.metadata.name ?? "")) {
          throw errors.forbidden(`namespaces "${object.metadata.name}" is forbidden: this namespace may not be deleted`, { name: object.metadata.name, kind: "namespaces" });
        }
        return;
      }
      if (!def.namespaced || operation !== "CREATE") return;
      const ns = object.metadata.namespace!;
      let nsObj;
      try {
        nsObj = await store.get(namespaceDef(), undefined, ns);
      } catch (err) {
        if (err instanceof Error && (err as { code?: number }).code === 404) throw errors.notFound("namespaces", "", ns);
        throw err;
      }
      if (nsObj.metadata.deletionTimestamp || (nsObj.status as { phase?: string } | undefined)?.phase === "Terminating") {
        const what = def.group ? `${def.plural}.${def.group}` : def.plural;
        throw errors.forbidden(`${what} "${object.metadata.name ?? ""}" is forbidden: unable to create new content in namespace ${ns} because it is being terminated`, {
          name: object.metadata.name, group: def.group, kind: def.plural,
          causes: [{ reason: "NamespaceTerminating", message: `namespace ${ns} is being terminated`, field: "metadata.namespace" }],
        });
      }
    },
  };
}
