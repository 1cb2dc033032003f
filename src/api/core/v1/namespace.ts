/** Namespace: `kubernetes` finalizer and Active phase on create, the metadata.name label. */
import type { Namespace } from "kubernetes-types/core/v1.js";
import { age } from "../../printers.js";
import { ageColumn, col, defineResource, nameColumn, type Obj } from "./common.js";

export type NamespaceObj = Obj<Namespace>;

/** corev1.LabelMetadataName: every namespace carries its own name as this label. */
export const labelMetadataName = "kubernetes.io/metadata.name";

function setNameLabel(ns: NamespaceObj): void {
  const name = ns.metadata.name;
  if (!name) return;
  ns.metadata.labels = { ...(ns.metadata.labels ?? {}), [labelMetadataName]: name };
}

export const namespaceResource = defineResource<NamespaceObj>({
  group: "", version: "v1", kind: "Namespace",
  plural: "namespaces", singular: "namespace", shortNames: ["ns"],
  namespaced: false,
  verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
  schema: "io.k8s.api.core.v1.Namespace",
  nameValidation: "dns1123Label",
  subresources: {
    status: true,
    others: [{ name: "finalize", kind: "Namespace", verbs: ["update"] }],
  },
  columns: [nameColumn, col("Status", "string", "The status of the namespace"), ageColumn],
  row: (ns) => [ns.metadata.name ?? "", ns.status?.phase ?? "", age(ns.metadata.creationTimestamp)],
  defaults(ns) {
    setNameLabel(ns);
    if (ns.status && !ns.status.phase) ns.status.phase = "Active";
  },
  prepareForCreate(ns) {
    ns.status = { phase: "Active" };
    ns.spec ??= {};
    const fins = ns.spec.finalizers ?? [];
    if (!fins.includes("kubernetes")) ns.spec.finalizers = [...fins, "kubernetes"];
    // generateName resolves before create, so the label may only now be settable.
    setNameLabel(ns);
  },
  prepareForUpdate(ns, old) {
    ns.spec = old.spec;
    ns.status = old.status;
    setNameLabel(ns);
  },
  fieldSelectors: {
    "status.phase": (ns) => ns.status?.phase ?? "",
    // Upstream keeps this legacy alias of metadata.name.
    name: (ns) => ns.metadata.name ?? "",
  },
});
