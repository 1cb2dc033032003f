/**
 * Server-side printing: `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` turns a get,
 * list or watch event into a meta.k8s.io/v1 Table built from the kind's printer columns.
 */
import type { KubeObject } from "../machinery/object.js";
import type { ResourceDef } from "../machinery/resource.js";

export const tableContentType = "application/json;as=Table;v=v1;g=meta.k8s.io";

/** The Table version the Accept header asks for, if any (v1 preferred, v1beta1 accepted). */
export function wantsTable(accept: string | undefined): "v1" | "v1beta1" | undefined {
  if (!accept || !accept.includes("as=Table")) return undefined;
  for (const part of accept.split(",")) {
    const p = part.replace(/\s+/g, "");
    if (!p.includes("as=Table") || !p.includes("g=meta.k8s.io")) continue;
    if (p.includes("v=v1beta1")) return "v1beta1";
    if (p.includes("v=v1")) return "v1";
  }
  return undefined;
}

export type IncludeObject = "None" | "Metadata" | "Object";

export function columnDefinitions(def: ResourceDef): Record<string, unknown>[] {
  return def.columns.map((c) => ({
    name: c.name,
    type: c.type,
    format: c.format ?? (c.name === "Name" ? "name" : ""),
    description: c.description ?? "",
    priority: c.priority ?? 0,
  }));
}

export function tableRow(def: ResourceDef, obj: KubeObject, include: IncludeObject): Record<string, unknown> {
  const row: Record<string, unknown> = { cells: def.row(obj) };
  if (include === "Object") row.object = obj;
  else if (include === "Metadata") {
    row.object = { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: obj.metadata };
  }
  return row;
}

export function buildTable(
  def: ResourceDef,
  objects: KubeObject[],
  include: IncludeObject,
  listMeta: { resourceVersion?: string; continue?: string; remainingItemCount?: number },
  version: "v1" | "v1beta1" = "v1",
): Record<string, unknown> {
  return {
    kind: "Table",
    apiVersion: `meta.k8s.io/${version}`,
    metadata: listMeta,
    columnDefinitions: columnDefinitions(def),
    rows: objects.map((o) => tableRow(def, o, include)),
  };
}

export function parseIncludeObject(v: string | null): IncludeObject {
  return v === "None" || v === "Object" ? v : "Metadata";
}
