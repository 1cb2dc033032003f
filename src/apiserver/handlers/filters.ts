/**
 * labelSelector and fieldSelector query parameters → an object filter. Field selectors are
 * limited to metadata.name, metadata.namespace and the fields the kind declares, as upstream.
 */
import { errors } from "../../machinery/errors.js";
import type { KubeObject } from "../../machinery/object.js";
import type { ResourceDef } from "../../machinery/resource.js";
import { parseLabelSelector } from "../../machinery/selectors/labels.js";
import { parseFieldSelector } from "../../machinery/selectors/fields.js";

export interface ObjectFilter {
  (obj: KubeObject): boolean;
}

export interface ParsedFilters {
  filter?: ObjectFilter;
  /** When the field selector pins metadata.name, the only name that can match. */
  exactName?: string;
}

export function filtersFromQuery(def: ResourceDef, q: URLSearchParams): ParsedFilters {
  const ls = q.get("labelSelector");
  const fs = q.get("fieldSelector");
  const checks: ObjectFilter[] = [];
  let exactName: string | undefined;
  if (ls) {
    const sel = parseLabelSelector(ls);
    if (!sel.empty) checks.push((o) => sel.matches(o.metadata.labels ?? {}));
  }
  if (fs) {
    const sel = parseFieldSelector(fs);
    for (const r of sel.requirements) {
      if (r.field === "metadata.name" && (r.op === "=" || r.op === "==")) exactName = r.value;
      if (r.field !== "metadata.name" && r.field !== "metadata.namespace" && !def.fieldSelectors?.[r.field]) {
        throw errors.badRequest(`field label not supported: ${r.field}`);
      }
    }
    const get = (o: KubeObject) => (f: string): string | undefined => {
      if (f === "metadata.name") return o.metadata.name ?? "";
      if (f === "metadata.namespace") return o.metadata.namespace ?? "";
      return def.fieldSelectors?.[f]?.(o) ?? "";
    };
    checks.push((o) => sel.matches(get(o)));
  }
  if (!checks.length) return { exactName };
  return { filter: (o) => checks.every((c) => c(o)), exactName };
}
