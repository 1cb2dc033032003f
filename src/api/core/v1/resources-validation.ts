/** Container resource requirements and ResourceList checks (ValidateResourceRequirements). */
import { field, type FieldError } from "../../../machinery/errors.js";
import { isQualifiedName } from "../../../machinery/validation.js";
import { compareQuantities, formatQuantity, parseQuantity, quantityRegexMsg, type Quantity } from "./quantity.js";
import { isNegativeErrorMsg, isObject, keyPath } from "./common.js";

const standardContainerResources = new Set(["cpu", "memory", "ephemeral-storage"]);

function isNativeResource(name: string): boolean {
  return !name.includes("/") || name.includes("kubernetes.io/");
}

function isHugePages(name: string): boolean {
  return name.startsWith("hugepages-");
}

/** Native, non-hugepages resources may have requests below limits; extended ones may not. */
function isOvercommitAllowed(name: string): boolean {
  return isNativeResource(name) && !isHugePages(name);
}

export function validateContainerResourceName(name: string, path: string): FieldError[] {
  const out = isQualifiedName(name).map((m) => field.invalid(path, name, m));
  if (!name.includes("/")) {
    if (!standardContainerResources.has(name) && !isHugePages(name)) out.push(field.invalid(path, name, "must be a standard resource for containers"));
  } else if (!isNativeResource(name) && name.startsWith("requests.")) {
    out.push(field.invalid(path, name, "doesn't follow extended resource name standard"));
  }
  return out;
}

/** Parses one quantity, reporting the decode and sign problems upstream reports. */
export function validateQuantity(v: unknown, path: string): { q?: Quantity; errs: FieldError[] } {
  const q = parseQuantity(v);
  if (!q) return { errs: [field.invalid(path, v, quantityRegexMsg)] };
  if (q.nano < 0n) return { q, errs: [field.invalid(path, formatQuantity(q), isNegativeErrorMsg)] };
  return { q, errs: [] };
}

export function validateResourceRequirements(res: unknown, path: string): FieldError[] {
  if (res === undefined || res === null) return [];
  if (!isObject(res)) return [field.invalid(path, res, "must be an object")];
  const out: FieldError[] = [];
  const limPath = `${path}.limits`;
  const reqPath = `${path}.requests`;
  const limits = new Map<string, Quantity>();
  if (isObject(res.limits)) {
    for (const [name, v] of Object.entries(res.limits)) {
      const p = keyPath(limPath, name);
      out.push(...validateContainerResourceName(name, p));
      const { q, errs } = validateQuantity(v, p);
      out.push(...errs);
      if (q) limits.set(name, q);
    }
  }
  if (isObject(res.requests)) {
    for (const [name, v] of Object.entries(res.requests)) {
      const p = keyPath(reqPath, name);
      out.push(...validateContainerResourceName(name, p));
      const { q, errs } = validateQuantity(v, p);
      out.push(...errs);
      if (!q) continue;
      const lim = limits.get(name);
      if (lim) {
        const c = compareQuantities(q, lim);
        if (c !== 0 && !isOvercommitAllowed(name)) {
          out.push(field.invalid(reqPath, formatQuantity(q), `must be equal to ${name} limit of ${formatQuantity(lim)}`));
        } else if (c > 0) {
          out.push(field.invalid(reqPath, formatQuantity(q), `must be less than or equal to ${name} limit of ${formatQuantity(lim)}`));
        }
      } else if (!isOvercommitAllowed(name)) {
        out.push(field.required(limPath, "Limit must be set for non overcommitable resources"));
      }
    }
  }
  return out;
}

/** A plain ResourceList (quota hard, PV capacity, PVC requests): names qualified, values valid and non-negative. */
export function validateResourceList(list: unknown, path: string): FieldError[] {
  if (list === undefined || list === null) return [];
  if (!isObject(list)) return [field.invalid(path, list, "must be a map of resource names to quantities")];
  const out: FieldError[] = [];
  for (const [name, v] of Object.entries(list)) {
    const p = keyPath(path, name);
    out.push(...isQualifiedName(name).map((m) => field.invalid(p, name, m)));
    out.push(...validateQuantity(v, p).errs);
  }
  return out;
}
