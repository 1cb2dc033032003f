/** ResourceQuota: hard-limit validation, status owned by the quota controller, REQUEST/LIMIT columns. */
import type { ResourceQuota } from "kubernetes-types/core/v1.js";
import { field, type FieldError } from "../../../machinery/errors.js";
import { isQualifiedName } from "../../../machinery/validation.js";
import { age } from "../../printers.js";
import { ageColumn, col, defineResource, keyPath, nameColumn, type Obj } from "./common.js";
import { canonicalQuantity, canonicalizeResourceList } from "./quantity.js";
import { validateQuantity } from "./resources-validation.js";

export type ResourceQuotaObj = Obj<ResourceQuota>;

const standardQuotaResources = new Set([
  "pods", "services", "replicationcontrollers", "resourcequotas", "secrets", "configmaps", "persistentvolumeclaims",
  "services.nodeports", "services.loadbalancers", "cpu", "memory", "ephemeral-storage", "storage",
  "requests.cpu", "requests.memory", "requests.storage", "requests.ephemeral-storage",
  "limits.cpu", "limits.memory", "limits.ephemeral-storage",
]);
const quotaScopes = ["BestEffort", "CrossNamespacePodAffinity", "NotBestEffort", "NotTerminating", "PriorityClass", "Terminating", "VolumeAttributesClass"];

function isStandardQuotaResource(name: string): boolean {
  return standardQuotaResources.has(name) || name.startsWith("count/") || name.startsWith("hugepages-") || name.startsWith("requests.hugepages-");
}

/** Object counts and extended resources must be whole numbers. */
function isIntegerQuotaResource(name: string): boolean {
  if (name.startsWith("count/")) return true;
  return ["pods", "services", "replicationcontrollers", "resourcequotas", "secrets", "configmaps", "persistentvolumeclaims", "services.nodeports", "services.loadbalancers"].includes(name);
}

export function validateResourceQuota(rq: ResourceQuotaObj): FieldError[] {
  const out: FieldError[] = [];
  const spec = rq.spec ?? {};
  for (const [k, v] of Object.entries((spec.hard ?? {}) as Record<string, unknown>)) {
    const p = keyPath("spec.hard", k);
    out.push(...isQualifiedName(k).map((m) => field.invalid(p, k, m)));
    if (!k.includes("/") && !isStandardQuotaResource(k)) out.push(field.invalid(p, k, "must be a standard resource for quota"));
    const { q, errs } = validateQuantity(v, p);
    out.push(...errs);
    if (q && isIntegerQuotaResource(k) && q.nano % 1_000_000_000n !== 0n) out.push(field.invalid(p, v, "must be an integer"));
  }
  (spec.scopes ?? []).forEach((s, i) => {
    if (!quotaScopes.includes(s)) out.push(field.notSupported(`spec.scopes[${i}]`, s, quotaScopes));
  });
  if (spec.scopes?.includes("BestEffort") && spec.scopes.includes("NotBestEffort")) {
    out.push(field.invalid("spec.scopes", spec.scopes, "conflicting scopes"));
  }
  if (spec.scopes?.includes("Terminating") && spec.scopes.includes("NotTerminating")) {
    out.push(field.invalid("spec.scopes", spec.scopes, "conflicting scopes"));
  }
  return out;
}

/** The REQUEST and LIMIT cells: `resource: used/hard`, limits.* resources in the second. */
export function quotaCells(rq: ResourceQuotaObj): [request: string, limit: string] {
  const hard = (rq.status?.hard ?? {}) as Record<string, string>;
  const used = (rq.status?.used ?? {}) as Record<string, string>;
  const req: string[] = [];
  const lim: string[] = [];
  for (const name of Object.keys(hard).sort()) {
    const cell = `${name}: ${used[name] !== undefined ? String(canonicalQuantity(used[name])) : "0"}/${String(canonicalQuantity(hard[name]))}`;
    const parts = name.split(".");
    (parts.length > 1 && parts[0] === "limits" ? lim : req).push(cell);
  }
  return [req.join(", "), lim.join(", ")];
}

export const resourceQuotaResource = defineResource<ResourceQuotaObj>({
  group: "", version: "v1", kind: "ResourceQuota",
  plural: "resourcequotas", singular: "resourcequota", shortNames: ["quota"],
  namespaced: true,
  schema: "io.k8s.api.core.v1.ResourceQuota",
  subresources: { status: true },
  columns: [
    nameColumn,
    col("Request", "string", "Request represents a minimum amount of cpu/memory that a container may consume."),
    col("Limit", "string", "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node."),
    ageColumn,
  ],
  row(rq) {
    const [request, limit] = quotaCells(rq);
    return [rq.metadata.name ?? "", request, limit, age(rq.metadata.creationTimestamp)];
  },
  defaults(rq) {
    canonicalizeResourceList(rq.spec?.hard as Record<string, unknown> | undefined);
  },
  validate: validateResourceQuota,
  validateUpdate: (rq) => validateResourceQuota(rq),
  prepareForCreate(rq) {
    rq.status = {};
  },
  prepareForUpdate(rq, old) {
    rq.status = old.status;
  },
});
