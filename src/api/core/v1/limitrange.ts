/** LimitRange: defaulting of container defaults from max/min, and the min ≤ default ≤ max checks. */
import type { LimitRange, LimitRangeItem } from "kubernetes-types/core/v1.js";
import { field, type FieldError } from "../../../machinery/errors.js";
import { defineResource, keyPath, nameColumn, type Obj } from "./common.js";
import { canonicalizeResourceList, compareQuantities, formatQuantity, parseQuantity, type Quantity } from "./quantity.js";
import { validateQuantity } from "./resources-validation.js";
import { isQualifiedName } from "../../../machinery/validation.js";

export type LimitRangeObj = Obj<LimitRange>;

const limitTypes = ["Container", "Pod", "PersistentVolumeClaim"];
type ListKey = "max" | "min" | "default" | "defaultRequest" | "maxLimitRequestRatio";
const listKeys: ListKey[] = ["max", "min", "default", "defaultRequest", "maxLimitRequestRatio"];

/** SetDefaults_LimitRangeItem for Container items: default ← max, defaultRequest ← default, then min. */
export function defaultLimitRangeItem(item: LimitRangeItem): void {
  for (const k of listKeys) canonicalizeResourceList(item[k] as Record<string, unknown> | undefined);
  if (item.type !== "Container") return;
  const def: Record<string, string> = { ...(item.default ?? {}) };
  for (const [k, v] of Object.entries(item.max ?? {})) if (!(k in def)) def[k] = v;
  const req: Record<string, string> = { ...(item.defaultRequest ?? {}) };
  for (const [k, v] of Object.entries(def)) if (!(k in req)) req[k] = v;
  for (const [k, v] of Object.entries(item.min ?? {})) if (!(k in req)) req[k] = v;
  if (Object.keys(def).length) item.default = def;
  if (Object.keys(req).length) item.defaultRequest = req;
}

export function validateLimitRange(lr: LimitRangeObj): FieldError[] {
  const out: FieldError[] = [];
  const seenTypes = new Set<string>();
  (lr.spec?.limits ?? []).forEach((item, i) => {
    const p = `spec.limits[${i}]`;
    const type = item.type ?? "";
    if (!type) out.push(field.required(`${p}.type`));
    else if (!limitTypes.includes(type)) out.push(field.notSupported(`${p}.type`, type, limitTypes));
    if (seenTypes.has(type)) out.push(field.duplicate(`${p}.type`, type));
    seenTypes.add(type);
    const lists: Partial<Record<ListKey, Map<string, Quantity>>> = {};
    const keys = new Set<string>();
    for (const lk of listKeys) {
      const m = new Map<string, Quantity>();
      for (const [k, v] of Object.entries((item[lk] ?? {}) as Record<string, unknown>)) {
        const kp = keyPath(`${p}.${lk}`, k);
        out.push(...isQualifiedName(k).map((msg) => field.invalid(kp, k, msg)));
        const { q, errs } = validateQuantity(v, kp);
        out.push(...errs);
        if (q) m.set(k, q);
        keys.add(k);
      }
      lists[lk] = m;
    }
    if (type === "Pod") {
      if (lists.default!.size) out.push(field.forbidden(`${p}.default`, "may not be specified when `type` is 'Pod'"));
      if (lists.defaultRequest!.size) out.push(field.forbidden(`${p}.defaultRequest`, "may not be specified when `type` is 'Pod'"));
    }
    for (const k of keys) {
      const min = lists.min!.get(k);
      const max = lists.max!.get(k);
      const def = lists.default!.get(k);
      const defReq = lists.defaultRequest!.get(k);
      const ratio = lists.maxLimitRequestRatio!.get(k);
      const f = formatQuantity;
      if (min && max && compareQuantities(min, max) > 0) out.push(field.invalid(keyPath(`${p}.min`, k), f(min), `min value ${f(min)} is greater than max value ${f(max)}`));
      if (defReq && min && compareQuantities(min, defReq) > 0) out.push(field.invalid(keyPath(`${p}.defaultRequest`, k), f(defReq), `min value ${f(min)} is greater than default request value ${f(defReq)}`));
      if (defReq && max && compareQuantities(defReq, max) > 0) out.push(field.invalid(keyPath(`${p}.defaultRequest`, k), f(defReq), `default request value ${f(defReq)} is greater than max value ${f(max)}`));
      if (defReq && def && compareQuantities(defReq, def) > 0) out.push(field.invalid(keyPath(`${p}.defaultRequest`, k), f(defReq), `default request value ${f(defReq)} is greater than default limit value ${f(def)}`));
      if (def && min && compareQuantities(min, def) > 0) out.push(field.invalid(keyPath(`${p}.default`, k), f(min), `min value ${f(min)} is greater than default value ${f(def)}`));
      if (def && max && compareQuantities(def, max) > 0) out.push(field.invalid(keyPath(`${p}.default`, k), f(max), `default value ${f(def)} is greater than max value ${f(max)}`));
      if (ratio && compareQuantities(ratio, parseQuantity("1")!) < 0) out.push(field.invalid(keyPath(`${p}.maxLimitRequestRatio`, k), f(ratio), `ratio ${f(ratio)} is less than 1`));
      if (ratio && min && max) {
        // max/min must be able to reach the ratio.
        const maxRatio = Number(max.nano) / Number(min.nano);
        if (Number(ratio.nano) / 1e9 > maxRatio) {
          out.push(field.invalid(keyPath(`${p}.maxLimitRequestRatio`, k), f(ratio), `ratio ${f(ratio)} is greater than max/min = ${maxRatio.toFixed(6)}`));
        }
      }
    }
  });
  return out;
}

export const limitRangeResource = defineResource<LimitRangeObj>({
  group: "", version: "v1", kind: "LimitRange",
  plural: "limitranges", singular: "limitrange", shortNames: ["limits"],
  namespaced: true,
  schema: "io.k8s.api.core.v1.LimitRange",
  // Upstream has no printer for LimitRange: kubectl gets the default NAME / CREATED AT table.
  columns: [nameColumn, { name: "Created At", type: "date", description: "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata" }],
  row: (lr) => [lr.metadata.name ?? "", lr.metadata.creationTimestamp ?? null],
  defaults(lr) {
    for (const item of lr.spec?.limits ?? []) defaultLimitRangeItem(item);
  },
  validate: validateLimitRange,
  validateUpdate: (lr) => validateLimitRange(lr),
});
