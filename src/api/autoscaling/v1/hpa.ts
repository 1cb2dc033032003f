/**
 * autoscaling/v1 HorizontalPodAutoscaler, served from the autoscaling/v2 storage. As upstream,
 * `targetCPUUtilizationPercentage` is the v2 Resource cpu Utilization metric, and what v1
 * cannot express (other metrics, current metrics, conditions, behavior) rides in the
 * `autoscaling.alpha.kubernetes.io/*` annotations so that a v1 round trip loses nothing.
 */
import type { HorizontalPodAutoscaler as HPAv1T } from "kubernetes-types/autoscaling/v1.js";
import type { ResourceDef } from "../../../machinery/resource.js";
import { deepCopy, isPlainObject, type KubeObject } from "../../../machinery/object.js";
import { defineResource, ensureSpec, statusStrategy, type Obj } from "../../common/define.js";
import { defaultHPA, defaultCPUUtilization, hpaColumns, hpaRow, sourceField, validateHPA, type HorizontalPodAutoscaler } from "../v2/hpa.js";

export type HorizontalPodAutoscalerV1 = Obj<HPAv1T>;

export const metricSpecsAnnotation = "autoscaling.alpha.kubernetes.io/metrics";
export const metricStatusesAnnotation = "autoscaling.alpha.kubernetes.io/current-metrics";
export const conditionsAnnotation = "autoscaling.alpha.kubernetes.io/conditions";
export const behaviorAnnotation = "autoscaling.alpha.kubernetes.io/behavior";
const roundTripAnnotations = [metricSpecsAnnotation, metricStatusesAnnotation, conditionsAnnotation, behaviorAnnotation];

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec => (isPlainObject(v) ? v : {});

/** v1 field ↔ dotted v2 path, per metric source, for specs and for statuses. */
const specFields: Record<string, [string, string][]> = {
  Object: [["target", "describedObject"], ["metricName", "metric.name"], ["selector", "metric.selector"], ["targetValue", "target.value"], ["averageValue", "target.averageValue"]],
  Pods: [["metricName", "metric.name"], ["selector", "metric.selector"], ["targetAverageValue", "target.averageValue"]],
  Resource: [["name", "name"], ["targetAverageUtilization", "target.averageUtilization"], ["targetAverageValue", "target.averageValue"]],
  ContainerResource: [["name", "name"], ["container", "container"], ["targetAverageUtilization", "target.averageUtilization"], ["targetAverageValue", "target.averageValue"]],
  External: [["metricName", "metric.name"], ["metricSelector", "metric.selector"], ["targetValue", "target.value"], ["targetAverageValue", "target.averageValue"]],
};
const statusFields: Record<string, [string, string][]> = {
  Object: [["target", "describedObject"], ["metricName", "metric.name"], ["selector", "metric.selector"], ["currentValue", "current.value"], ["averageValue", "current.averageValue"]],
  Pods: [["metricName", "metric.name"], ["selector", "metric.selector"], ["currentAverageValue", "current.averageValue"]],
  Resource: [["name", "name"], ["currentAverageUtilization", "current.averageUtilization"], ["currentAverageValue", "current.averageValue"]],
  ContainerResource: [["name", "name"], ["container", "container"], ["currentAverageUtilization", "current.averageUtilization"], ["currentAverageValue", "current.averageValue"]],
  External: [["metricName", "metric.name"], ["metricSelector", "metric.selector"], ["currentValue", "current.value"], ["currentAverageValue", "current.averageValue"]],
};

function getPath(o: Rec, path: string): unknown {
  return path.split(".").reduce<unknown>((cur, k) => rec(cur)[k], o);
}

function setPath(o: Rec, path: string, v: unknown): void {
  const parts = path.split(".");
  let cur = o;
  for (const p of parts.slice(0, -1)) cur = (cur[p] = rec(cur[p]));
  cur[parts[parts.length - 1]!] = v;
}

/** A v2 MetricSpec or MetricStatus in its v1 (annotation) form. */
function metricToV1(m: Rec, table: Record<string, [string, string][]>): Rec {
  const type = String(m.type ?? "");
  const f = sourceField[type];
  const fields = table[type];
  if (!f || !fields) return { type };
  const src = rec(m[f]);
  const out: Rec = {};
  for (const [v1, v2] of fields) {
    const v = getPath(src, v2);
    if (v !== undefined) out[v1] = v;
  }
  return { type, [f]: out };
}

/** The v2 target type a v1 metric implies. */
function targetType(type: string, src: Rec): string {
  if (type === "Pods") return "AverageValue";
  if (type === "Resource" || type === "ContainerResource") return src.targetAverageUtilization == null ? "AverageValue" : "Utilization";
  if (type === "External") return src.targetAverageValue == null ? "Value" : "AverageValue";
  return src.averageValue == null ? "Value" : "AverageValue";
}

function metricFromV1(m: Rec, table: Record<string, [string, string][]>, isSpec: boolean): Rec {
  const type = String(m.type ?? "");
  const f = sourceField[type];
  const fields = table[type];
  if (!f || !fields) return { type };
  const src = rec(m[f]);
  const out: Rec = {};
  for (const [v1, v2] of fields) if (src[v1] !== undefined) setPath(out, v2, src[v1]);
  if (isSpec) setPath(out, "target.type", targetType(type, src));
  return { type, [f]: out };
}

const isCpuUtilization = (m: Rec, key: "target" | "current"): boolean =>
  m.type === "Resource" && rec(m.resource).name === "cpu" && rec(rec(m.resource)[key]).averageUtilization != null;

/** The behavior annotation holds upstream's internal type, marshalled with Go field names. */
function recase(v: unknown, f: (k: string) => string): unknown {
  if (Array.isArray(v)) return v.map((x) => recase(x, f));
  if (!isPlainObject(v)) return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [f(k), recase(x, f)]));
}
const upper = (k: string): string => k.charAt(0).toUpperCase() + k.slice(1);
const lower = (k: string): string => k.charAt(0).toLowerCase() + k.slice(1);

function behaviorToGo(b: Rec): Rec {
  const rules = (r: unknown): unknown => {
    if (!isPlainObject(r)) return null;
    return { StabilizationWindowSeconds: r.stabilizationWindowSeconds ?? null, SelectPolicy: r.selectPolicy ?? null, Policies: recase(r.policies ?? null, upper) };
  };
  return { ScaleUp: rules(b.scaleUp), ScaleDown: rules(b.scaleDown) };
}

function behaviorFromGo(text: string): Rec | undefined {
  try {
    const parsed = recase(JSON.parse(text), lower);
    if (!isPlainObject(parsed)) return undefined;
    const strip = (r: unknown): Rec | undefined => (isPlainObject(r) ? Object.fromEntries(Object.entries(r).filter(([, v]) => v !== null)) : undefined);
    const out: Rec = {};
    const up = strip(parsed.scaleUp);
    const down = strip(parsed.scaleDown);
    if (up) out.scaleUp = up;
    if (down) out.scaleDown = down;
    return out;
  } catch {
    return undefined;
  }
}

function parseList(text: string | undefined): Rec[] | undefined {
  if (text === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v.map(rec) : undefined;
  } catch {
    return undefined;
  }
}

/** autoscaling/v1 → autoscaling/v2 (the stored form, with v2 defaults applied). */
export function hpaV1ToV2(v1: HorizontalPodAutoscalerV1): HorizontalPodAutoscaler {
  const metadata = deepCopy(v1.metadata);
  const ann = { ...metadata.annotations };
  for (const k of roundTripAnnotations) delete ann[k];
  if (Object.keys(ann).length) metadata.annotations = ann;
  else delete metadata.annotations;
  const a = v1.metadata.annotations ?? {};
  const spec = rec(v1.spec);
  const out: HorizontalPodAutoscaler = { apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", metadata };
  const v2spec: Rec = {};
  for (const k of ["scaleTargetRef", "minReplicas", "maxReplicas"]) if (spec[k] !== undefined) v2spec[k] = deepCopy(spec[k]);
  const metrics = (parseList(a[metricSpecsAnnotation]) ?? []).map((m) => metricFromV1(m, specFields, true));
  if (spec.targetCPUUtilizationPercentage != null) {
    metrics.push({ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: spec.targetCPUUtilizationPercentage } } });
  }
  if (metrics.length) v2spec.metrics = metrics;
  const behavior = a[behaviorAnnotation] !== undefined ? behaviorFromGo(a[behaviorAnnotation]) : undefined;
  if (behavior) v2spec.behavior = behavior;
  (out as KubeObject).spec = v2spec;
  if (v1.status !== undefined) {
    const st = rec(v1.status);
    const v2status: Rec = {};
    for (const k of ["observedGeneration", "lastScaleTime", "currentReplicas", "desiredReplicas"]) if (st[k] !== undefined) v2status[k] = st[k];
    const current = parseList(a[metricStatusesAnnotation])?.map((m) => metricFromV1(m, statusFields, false));
    if (current) v2status.currentMetrics = current;
    else if (st.currentCPUUtilizationPercentage != null) {
      v2status.currentMetrics = [{ type: "Resource", resource: { name: "cpu", current: { averageUtilization: st.currentCPUUtilizationPercentage } } }];
    }
    const conditions = parseList(a[conditionsAnnotation]);
    if (conditions) v2status.conditions = conditions;
    (out as KubeObject).status = v2status;
  }
  defaultHPA(out);
  return out;
}

/** autoscaling/v2 → autoscaling/v1. */
export function hpaV2ToV1(v2: KubeObject): HorizontalPodAutoscalerV1 {
  const metadata = deepCopy(v2.metadata);
  const ann: Record<string, string> = { ...metadata.annotations };
  for (const k of roundTripAnnotations) delete ann[k];
  const spec = rec(v2.spec);
  const metrics = Array.isArray(spec.metrics) ? spec.metrics.map(rec) : [];
  const cpu = metrics.find((m) => m.type === "Resource" && rec(m.resource).name === "cpu");
  const others = metrics.filter((m) => !isCpuUtilization(m, "target")).map((m) => metricToV1(m, specFields));
  if (others.length) ann[metricSpecsAnnotation] = JSON.stringify(others);
  const st = v2.status === undefined ? undefined : rec(v2.status);
  const currentMetrics = Array.isArray(st?.currentMetrics) ? st.currentMetrics.map(rec) : [];
  if (currentMetrics.length) ann[metricStatusesAnnotation] = JSON.stringify(currentMetrics.map((m) => metricToV1(m, statusFields)));
  if (isPlainObject(spec.behavior)) ann[behaviorAnnotation] = JSON.stringify(behaviorToGo(spec.behavior));
  const conditions = Array.isArray(st?.conditions) ? st.conditions : [];
  if (conditions.length) ann[conditionsAnnotation] = JSON.stringify(conditions);
  if (Object.keys(ann).length) metadata.annotations = ann;
  else delete metadata.annotations;

  const out: HorizontalPodAutoscalerV1 = { apiVersion: "autoscaling/v1", kind: "HorizontalPodAutoscaler", metadata };
  const v1spec: Rec = {};
  for (const k of ["scaleTargetRef", "minReplicas", "maxReplicas"]) if (spec[k] !== undefined) v1spec[k] = deepCopy(spec[k]);
  const util = cpu ? rec(rec(cpu.resource).target).averageUtilization : undefined;
  if (util != null) v1spec.targetCPUUtilizationPercentage = util;
  (out as KubeObject).spec = v1spec;
  if (st) {
    const v1status: Rec = {};
    for (const k of ["observedGeneration", "lastScaleTime"]) if (st[k] !== undefined) v1status[k] = st[k];
    v1status.currentReplicas = st.currentReplicas ?? 0;
    v1status.desiredReplicas = st.desiredReplicas ?? 0;
    const cur = currentMetrics.find((m) => isCpuUtilization(m, "current"));
    if (cur) v1status.currentCPUUtilizationPercentage = rec(rec(cur.resource).current).averageUtilization;
    (out as KubeObject).status = v1status;
  }
  return out;
}

const status = statusStrategy<HorizontalPodAutoscalerV1>(() => ({ currentReplicas: 0, desiredReplicas: 0 }));

export const hpaV1Resource = defineResource<HorizontalPodAutoscalerV1>({
  group: "autoscaling",
  version: "v1",
  kind: "HorizontalPodAutoscaler",
  plural: "horizontalpodautoscalers",
  singular: "horizontalpodautoscaler",
  shortNames: ["hpa"],
  categories: ["all"],
  namespaced: true,
  schema: "io.k8s.api.autoscaling.v1.HorizontalPodAutoscaler",
  subresources: { status: true },
  tracksGeneration: true,
  columns: hpaColumns,
  row: (hpa) => hpaRow(hpaV1ToV2(hpa)),
  defaults(hpa) {
    const spec = ensureSpec(hpa);
    if (!spec) return;
    spec.minReplicas ??= 1;
    // What the stored v2 form defaults to (80% CPU when it has no metric at all), shown in v1.
    if (spec.targetCPUUtilizationPercentage == null && hpa.metadata.annotations?.[metricSpecsAnnotation] === undefined) {
      spec.targetCPUUtilizationPercentage = defaultCPUUtilization;
    }
  },
  // Upstream validates the internal (v2) form, so the paths are v2's.
  validate: (hpa) => validateHPA(hpaV1ToV2(hpa)),
  prepareForCreate: status.prepareForCreate,
  prepareForUpdate: status.prepareForUpdate,
  storedAs: { group: "autoscaling", version: "v2", toStored: hpaV1ToV2, fromStored: hpaV2ToV1 },
});

export const autoscalingV1Resources: ResourceDef[] = [hpaV1Resource];
