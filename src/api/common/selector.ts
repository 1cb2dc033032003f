/**
 * metav1.LabelSelector: validation (ValidateLabelSelector) and matching
 * (LabelSelectorAsSelector + Matches), with upstream's messages and semantics: a nil
 * selector selects nothing, an empty one selects everything.
 */
import { field, type FieldError } from "../../machinery/errors.js";
import { isPlainObject } from "../../machinery/object.js";
import { isQualifiedName, isValidLabelValue, validateLabels } from "../../machinery/validation.js";

export interface ParsedSelector {
  /** No requirement at all: selects everything. */
  empty: boolean;
  matches(labels: Record<string, string> | undefined): boolean;
}

const operators = new Set(["In", "NotIn", "Exists", "DoesNotExist"]);

export function validateLabelSelector(sel: unknown, path: string): FieldError[] {
  if (sel === undefined || sel === null) return [];
  if (!isPlainObject(sel)) return [field.invalid(path, sel, "must be a label selector object")];
  const out = validateLabels(sel.matchLabels, `${path}.matchLabels`);
  if (sel.matchExpressions === undefined || sel.matchExpressions === null) return out;
  if (!Array.isArray(sel.matchExpressions)) return [...out, field.invalid(`${path}.matchExpressions`, sel.matchExpressions, "must be a list")];
  sel.matchExpressions.forEach((raw: unknown, i: number) => {
    const p = `${path}.matchExpressions[${i}]`;
    const r = isPlainObject(raw) ? raw : {};
    const values = Array.isArray(r.values) ? r.values : [];
    switch (r.operator) {
      case "In":
      case "NotIn":
        if (values.length === 0) out.push(field.required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case "Exists":
      case "DoesNotExist":
        if (values.length > 0) out.push(field.forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        break;
      default:
        out.push(field.invalid(`${p}.operator`, r.operator ?? "", "not a valid selector operator"));
    }
    const key = typeof r.key === "string" ? r.key : "";
    for (const e of isQualifiedName(key)) out.push(field.invalid(`${p}.key`, key, e));
    values.forEach((v: unknown, j: number) => {
      const s = typeof v === "string" ? v : String(v);
      for (const e of isValidLabelValue(s)) out.push(field.invalid(`${p}.values[${j}]`, s, e));
    });
  });
  return out;
}

/**
 * LabelSelectorAsSelector: undefined when the selector cannot be converted (bad operator,
 * bad key or value); a selector matching nothing for a nil selector.
 */
export function parseSelector(sel: unknown): ParsedSelector | undefined {
  if (sel === undefined || sel === null) return { empty: false, matches: () => false };
  if (!isPlainObject(sel)) return undefined;
  const reqs: ((l: Record<string, string>) => boolean)[] = [];
  const ml = sel.matchLabels ?? {};
  if (!isPlainObject(ml)) return undefined;
  for (const [k, v] of Object.entries(ml)) {
    if (typeof v !== "string" || isQualifiedName(k).length || isValidLabelValue(v).length) return undefined;
    reqs.push((l) => l[k] === v);
  }
  const exprs = sel.matchExpressions ?? [];
  if (!Array.isArray(exprs)) return undefined;
  for (const raw of exprs) {
    if (!isPlainObject(raw) || typeof raw.key !== "string" || typeof raw.operator !== "string") return undefined;
    const { key, operator } = raw;
    const values = raw.values ?? [];
    if (!operators.has(operator) || isQualifiedName(key).length || !Array.isArray(values)) return undefined;
    if (values.some((v) => typeof v !== "string" || isValidLabelValue(v).length)) return undefined;
    const set = new Set(values as string[]);
    if ((operator === "In" || operator === "NotIn") && set.size === 0) return undefined;
    if ((operator === "Exists" || operator === "DoesNotExist") && set.size > 0) return undefined;
    const has = (l: Record<string, string>): boolean => Object.prototype.hasOwnProperty.call(l, key);
    if (operator === "In") reqs.push((l) => has(l) && set.has(l[key]!));
    else if (operator === "NotIn") reqs.push((l) => !has(l) || !set.has(l[key]!));
    else if (operator === "Exists") reqs.push(has);
    else reqs.push((l) => !has(l));
  }
  return {
    empty: reqs.length === 0,
    matches: (labels) => {
      const l = isPlainObject(labels) ? (labels as Record<string, string>) : {};
      return reqs.every((r) => r(l));
    },
  };
}

/** Number of requirements a selector object declares (0 for nil). */
export function selectorSize(sel: unknown): number {
  if (!isPlainObject(sel)) return 0;
  const ml = isPlainObject(sel.matchLabels) ? Object.keys(sel.matchLabels).length : 0;
  const me = Array.isArray(sel.matchExpressions) ? sel.matchExpressions.length : 0;
  return ml + me;
}
