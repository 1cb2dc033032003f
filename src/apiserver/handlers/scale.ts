/**
 * The scale subresource: reads and writes an object's replica count as an autoscaling/v1
 * Scale (what `kubectl scale` and the HPA use).
 */
import { errors } from "../../machinery/errors.js";
import { isPlainObject, type KubeObject } from "../../machinery/object.js";
import type { ScaleSpec } from "../../machinery/resource.js";
import type { ApiResponse } from "../types.js";
import { checkKind, mediaType, parseStructured } from "./body.js";
import type { HandlerContext } from "./context.js";
import { dryRunAll, fieldManagerOf } from "./respond.js";
import { buildTable, parseIncludeObject, tableContentType, wantsTable } from "../tables.js";
import { age } from "../../api/printers.js";
import type { ResourceDef } from "../../machinery/resource.js";

/** Upstream's printer for autoscaling/v1 Scale (`kubectl get --subresource=scale`). */
const scaleTableDef: Pick<ResourceDef, "columns" | "row"> = {
  columns: [
    { name: "Name", type: "string", format: "name", description: "Name must be unique within a namespace." },
    { name: "Desired", type: "integer", description: "desired number of instances for the scaled object." },
    { name: "Available", type: "integer", description: "actual number of observed instances of the scaled object." },
    { name: "Age", type: "string", description: "CreationTimestamp is a timestamp representing the server time when this object was created." },
  ],
  row: (o) => [o.metadata.name, (o.spec as { replicas?: number }).replicas ?? 0, (o.status as { replicas?: number }).replicas ?? 0, age(o.metadata.creationTimestamp)],
};

function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const p of path.split(".")) {
    if (!isPlainObject(cur)) return undefined;
    cur = cur[p];
  }
  return cur;
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split(".");
  let cur = obj;
  for (const p of parts.slice(0, -1)) {
    if (!isPlainObject(cur[p])) cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]!] = value;
}

function selectorString(obj: KubeObject, spec: ScaleSpec): string | undefined {
  const fromStatus = spec.labelSelectorPath ? getPath(obj, spec.labelSelectorPath) : undefined;
  if (typeof fromStatus === "string") return fromStatus;
  const sel = getPath(obj, "spec.selector");
  if (!isPlainObject(sel)) return undefined;
  const parts: string[] = [];
  const ml = isPlainObject(sel.matchLabels) ? sel.matchLabels : isPlainObject(sel) && !("matchExpressions" in sel) ? sel : {};
  for (const [k, v] of Object.entries(ml)) parts.push(`${k}=${String(v)}`);
  const exprs = Array.isArray(sel.matchExpressions) ? sel.matchExpressions : [];
  for (const e of exprs as { key: string; operator: string; values?: string[] }[]) {
    const vals = (e.values ?? []).slice().sort().join(",");
    if (e.operator === "In") parts.push(`${e.key} in (${vals})`);
    else if (e.operator === "NotIn") parts.push(`${e.key} notin (${vals})`);
    else if (e.operator === "Exists") parts.push(e.key);
    else if (e.operator === "DoesNotExist") parts.push(`!${e.key}`);
  }
  return parts.join(",");
}

export function toScale(obj: KubeObject, spec: ScaleSpec): KubeObject {
  const m = obj.metadata;
  const status: Record<string, unknown> = { replicas: Number(getPath(obj, spec.statusReplicasPath) ?? 0) };
  const sel = selectorString(obj, spec);
  if (sel) status.selector = sel;
  return {
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: Number(getPath(obj, spec.specReplicasPath) ?? 0) },
    status,
  };
}

export async function handleScale(ctx: HandlerContext, verb: "get" | "update" | "patch"): Promise<ApiResponse> {
  const { def, info, req } = ctx;
  const spec = def.subresources?.scale;
  if (!spec || !info.name) throw errors.notFoundPath();
  const tv = wantsTable(req.headers.accept);
  const reply = (o: KubeObject): ApiResponse => {
    const scale = toScale(o, spec);
    if (tv) {
      const t = buildTable(scaleTableDef as ResourceDef, [scale], parseIncludeObject(req.query.get("includeObject")), { resourceVersion: scale.metadata.resourceVersion }, tv);
      return { status: 200, headers: { "content-type": tableContentType }, body: JSON.stringify(t) };
    }
    return { status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify(scale) };
  };
  if (verb === "get") return reply(await ctx.store.get(def, info.namespace, info.name));
  const raw = (req.body ?? Buffer.alloc(0)).toString("utf8");
  const type = mediaType(req.headers["content-type"]);
  const body = parseStructured(raw, type.includes("yaml"));
  const scaleDef = { ...def, kind: "Scale", group: "autoscaling", version: "v1" };
  const { object } = await ctx.store.update(def, info.namespace, info.name, (live) => {
    let scale: KubeObject;
    if (verb === "update") scale = checkKind(scaleDef, body);
    else if (type === "application/json-patch+json") scale = ctx.patcher!.json(toScale(live, spec), body);
    else scale = ctx.patcher!.merge(toScale(live, spec), body);
    const replicas = getPath(scale, "spec.replicas");
    if (typeof replicas !== "number" || !Number.isInteger(replicas) || replicas < 0) {
      throw errors.invalid("Scale", "autoscaling", info.name!, [{ type: "FieldValueInvalid", field: "spec.replicas", value: replicas, detail: "must be greater than or equal to 0" }]);
    }
    const next = live;
    setPath(next, spec.specReplicasPath, replicas);
    const rv = scale.metadata?.resourceVersion;
    if (rv && verb === "update") next.metadata.resourceVersion = rv;
    else delete next.metadata.resourceVersion;
    return next;
  }, { dryRun: dryRunAll(req.query), fieldManager: fieldManagerOf(ctx), subresource: "scale" });
  return reply(object);
}
