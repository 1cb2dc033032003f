/**
 * autoscaling/v2 HorizontalPodAutoscaler, the stored form (autoscaling/v1 converts to it):
 * defaults (minReplicas, the 80% CPU metric, behavior rules), validation, printer, strategy.
 */
import type { HorizontalPodAutoscaler as HPAT, HPAScalingRules } from "kubernetes-types/autoscaling/v2.js";
import type { ResourceDef } from "../../../machinery/resource.js";
import { field, type FieldError } from "../../../machinery/errors.js";
import { isPlainObject } from "../../../machinery/object.js";
import { isPathSegmentName } from "../../../machinery/validation.js";
import { age } from "../../printers.js";
import { ageColumn, column, defineResource, ensureSpec, nameColumn, specOf, statusStrategy, type Obj } from "../../common/define.js";

export type HorizontalPodAutoscaler = Obj<HPAT>;

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec => (isPlainObject(v) ? v : {});

export const defaultCPUUtilization = 80;

const metricSourceTypes = ["Object", "Pods", "Resource", "External", "ContainerResource"];
/** The field of a MetricSpec/MetricStatus that holds each source type. */
export const sourceField: Record<string, string> = {
  Object: "object",
  Pods: "pods",
  Resource: "resource",
  ContainerResource: "containerResource",
  External: "external",
};

function scaleUpDefaults(): HPAScalingRules {
  return {
    stabilizationWindowSeconds: 0,
    selectPolicy: "Max",
    policies: [
      { type: "Pods", value: 4, periodSeconds: 15 },
      { type: "Percent", value: 100, periodSeconds: 15 },
    ],
  };
}

function scaleDownDefaults(): HPAScalingRules {
  return { stabilizationWindowSeconds: 300, selectPolicy: "Max", policies: [{ type: "Percent", value: 100, periodSeconds: 15 }] };
}

/** copyHPAScalingRules: the fields the user set win over the defaults. */
function withDefaults(rules: unknown, defaults: HPAScalingRules): HPAScalingRules {
  if (!isPlainObject(rules)) return defaults;
  const out = { ...defaults };
  if (rules.selectPolicy != null) out.selectPolicy = rules.selectPolicy as string;
  if (rules.stabilizationWindowSeconds != null) out.stabilizationWindowSeconds = rules.stabilizationWindowSeconds as number;
  if (rules.policies != null) out.policies = rules.policies as HPAScalingRules["policies"];
  return out;
}

export function defaultHPA(hpa: HorizontalPodAutoscaler): void {
  const spec = ensureSpec(hpa);
  if (!spec) return;
  spec.minReplicas ??= 1;
  if (!Array.isArray(spec.metrics) || spec.metrics.length === 0) {
    spec.metrics = [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: defaultCPUUtilization } } }];
  }
  if (isPlainObject(spec.behavior)) {
    spec.behavior.scaleUp = withDefaults(spec.behavior.scaleUp, scaleUpDefaults());
    spec.behavior.scaleDown = withDefaults(spec.behavior.scaleDown, scaleDownDefaults());
  }
}

const quantityRe = /^([+-]?)(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/;

/** The sign of a resource.Quantity (-1, 0, 1), or undefined when it does not parse. */
export function quantitySign(q: unknown): number | undefined {
  if (typeof q === "number") return Math.sign(q);
  if (typeof q !== "string") return undefined;
  const m = quantityRe.exec(q.trim());
  if (!m) return undefined;
  if (Number.parseFloat(m[2]!) === 0) return 0;
  return m[1] === "-" ? -1 : 1;
}

function validateCrossVersionRef(ref: unknown, path: string): FieldError[] {
  const r = rec(ref);
  const errs: FieldError[] = [];
  for (const k of ["kind", "name"]) {
    const v = typeof r[k] === "string" ? (r[k] as string) : "";
    if (!v) errs.push(field.required(`${path}.${k}`));
    else for (const m of isPathSegmentName(v)) errs.push(field.invalid(`${path}.${k}`, v, m));
  }
  return errs;
}

function validateTarget(t: unknown, path: string): FieldError[] {
  const target = rec(t);
  const errs: FieldError[] = [];
  if (!target.type) errs.push(field.required(`${path}.type`, "must specify a metric target type"));
  if (target.type !== "Utilization" && target.type !== "Value" && target.type !== "AverageValue") {
    errs.push(field.invalid(`${path}.type`, target.type ?? "", "must be either Utilization, Value, or AverageValue"));
  }
  if (target.value != null && quantitySign(target.value) !== 1) errs.push(field.invalid(`${path}.value`, target.value, "must be positive"));
  if (target.averageValue != null && quantitySign(target.averageValue) !== 1) errs.push(field.invalid(`${path}.averageValue`, target.averageValue, "must be positive"));
  const u = target.averageUtilization;
  if (u != null && !(typeof u === "number" && u >= 1)) errs.push(field.invalid(`${path}.averageUtilization`, u, "must be greater than 0"));
  return errs;
}

function validateSource(type: string, src: Rec, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const target = rec(src.target);
  if (type === "Resource" || type === "ContainerResource") {
    if (!src.name) errs.push(field.required(`${path}.name`, "must specify a resource name"));
    if (type === "ContainerResource" && !src.container) errs.push(field.required(`${path}.container`, "must specify a container"));
    errs.push(...validateTarget(src.target, `${path}.target`));
    if (target.averageUtilization == null && target.averageValue == null) {
      errs.push(field.required(`${path}.target.averageUtilization`, "must set either a target raw value or a target utilization"));
    }
    if (target.averageUtilization != null && target.averageValue != null) {
      errs.push(field.forbidden(`${path}.target.averageValue`, "may not set both a target raw value and a target utilization"));
    }
    return errs;
  }
  if (type === "Object") errs.push(...validateCrossVersionRef(src.describedObject, `${path}.describedObject`));
  if (!rec(src.metric).name) errs.push(field.required(`${path}.metric.name`, "must specify a metric name"));
  errs.push(...validateTarget(src.target, `${path}.target`));
  if (type === "Pods" && target.averageValue == null) errs.push(field.required(`${path}.target.averageValue`, "must specify a positive target averageValue"));
  if ((type === "Object" || type === "External") && target.value == null && target.averageValue == null) {
    errs.push(field.required(`${path}.target.value`, "must set either a target value or averageValue"));
  }
  return errs;
}

function validateMetric(m: unknown, path: string): FieldError[] {
  const metric = rec(m);
  const errs: FieldError[] = [];
  const type = typeof metric.type === "string" ? metric.type : "";
  if (!type) errs.push(field.required(`${path}.type`, "must specify a metric source type"));
  if (!metricSourceTypes.includes(type)) errs.push(field.notSupported(`${path}.type`, type, metricSourceTypes));
  const present = Object.entries(sourceField).filter(([, f]) => metric[f] != null);
  const expected = sourceField[type];
  if (present.length === 1) errs.push(...validateSource(present[0]![0], rec(metric[present[0]![1]]), `${path}.${present[0]![1]}`));
  if (expected && metric[expected] == null) errs.push(field.required(`${path}.${expected}`, "must populate information for the given metric source"));
  if (present.length > 1) {
    for (const [, f] of present) if (f !== expected) errs.push(field.forbidden(`${path}.${f}`, "must populate the given metric source only"));
  }
  return errs;
}

function validateScalingRules(rules: unknown, path: string): FieldError[] {
  if (rules == null) return [];
  const r = rec(rules);
  const errs: FieldError[] = [];
  const sp = r.selectPolicy;
  if (sp != null && sp !== "Max" && sp !== "Min" && sp !== "Disabled") errs.push(field.notSupported(`${path}.selectPolicy`, sp, ["Disabled", "Max", "Min"]));
  const w = r.stabilizationWindowSeconds;
  if (w != null && !(typeof w === "number" && w >= 0 && w <= 3600)) {
    errs.push(field.invalid(`${path}.stabilizationWindowSeconds`, w, typeof w === "number" && w < 0 ? "must be greater than or equal to zero" : "must be less than or equal to 3600"));
  }
  const policies = Array.isArray(r.policies) ? r.policies : [];
  if (policies.length === 0) errs.push(field.required(`${path}.policies`, "must specify at least one Policy"));
  policies.forEach((raw, i) => {
    const p = rec(raw);
    const pp = `${path}.policies[${i}]`;
    if (p.type !== "Pods" && p.type !== "Percent") errs.push(field.invalid(`${pp}.type`, p.type ?? "", "must be either Pods or Percent"));
    if (!(typeof p.value === "number" && p.value > 0)) errs.push(field.invalid(`${pp}.value`, p.value ?? 0, "must be greater than zero"));
    const period = p.periodSeconds;
    if (!(typeof period === "number" && period > 0)) errs.push(field.invalid(`${pp}.periodSeconds`, period ?? 0, "must be greater than zero"));
    else if (period > 1800) errs.push(field.invalid(`${pp}.periodSeconds`, period, "must be less than or equal to 1800"));
  });
  return errs;
}

export function validateHPA(hpa: HorizontalPodAutoscaler): FieldError[] {
  const spec = specOf(hpa) ?? {};
  const errs: FieldError[] = [];
  const min = spec.minReplicas;
  if (min != null && !(typeof min === "number" && min >= 1)) errs.push(field.invalid("spec.minReplicas", min, "must be greater than or equal to 1"));
  const max = typeof spec.maxReplicas === "number" ? spec.maxReplicas : 0;
  if (max < 1) errs.push(field.invalid("spec.maxReplicas", max, "must be greater than 0"));
  if (typeof min === "number" && max < min) errs.push(field.invalid("spec.maxReplicas", max, "must be greater than or equal to `minReplicas`"));
  errs.push(...validateCrossVersionRef(spec.scaleTargetRef, "spec.scaleTargetRef"));
  (Array.isArray(spec.metrics) ? spec.metrics : []).forEach((m, i) => errs.push(...validateMetric(m, `spec.metrics[${i}]`)));
  if (spec.behavior != null) {
    const b = rec(spec.behavior);
    errs.push(...validateScalingRules(b.scaleUp, "spec.behavior.scaleUp"), ...validateScalingRules(b.scaleDown, "spec.behavior.scaleDown"));
  }
  return errs;
}

const q = (v: unknown): string => (v === undefined || v === null ? "<nil>" : String(v));

/** formatHPAMetrics: two targets, then `+ N more...`. */
export function formatMetrics(specs: unknown, statuses: unknown): string {
  const list = Array.isArray(specs) ? specs.map(rec) : [];
  if (list.length === 0) return "<none>";
  const st = Array.isArray(statuses) ? statuses.map(rec) : [];
  const cells = list.map((spec, i) => {
    const type = String(spec.type ?? "");
    const f = sourceField[type];
    if (!f) return "<unknown type>";
    const src = rec(spec[f]);
    const target = rec(src.target);
    const status = st[i]?.[f] != null ? rec(st[i]![f]) : undefined;
    const current = rec(status?.current);
    if (type === "Resource" || type === "ContainerResource") {
      const name = String(src.name ?? "");
      if (target.averageValue != null) return `${name}: ${status ? q(current.averageValue) : "<unknown>"}/${q(target.averageValue)}`;
      const cur = status && current.averageUtilization != null ? `${current.averageUtilization}%` : "<unknown>";
      const tgt = target.averageUtilization != null ? `${target.averageUtilization}%` : "<auto>";
      return `${name}: ${cur}/${tgt}`;
    }
    if (type === "Pods") return `${status ? q(current.averageValue) : "<unknown>"}/${q(target.averageValue)}`;
    if (target.averageValue != null) return `${status && current.averageValue != null ? q(current.averageValue) : "<unknown>"}/${q(target.averageValue)} (avg)`;
    return `${status ? q(current.value) : "<unknown>"}/${q(target.value)}`;
  });
  return cells.length > 2 ? `${cells.slice(0, 2).join(", ")} + ${cells.length - 2} more...` : cells.join(", ");
}

export const hpaColumns = [
  nameColumn,
  column("Reference", "scaleTargetRef points to the target resource to scale, and is used to the pods for which metrics should be collected, as well as to actually change the replica count."),
  column("Targets", "metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used).  The desired replica count is calculated multiplying the ratio between the target value and the current value by the current number of pods.  Ergo, metrics used must decrease as the pod count is increased, and vice-versa.  See the individual metric source types for more information about how each type of metric must respond."),
  column("MinPods", "minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.  It defaults to 1 pod.  minReplicas is allowed to be 0 if the alpha feature gate HPAScaleToZero is enabled and at least one Object or External metric is configured.  Scaling is active as long as at least one metric value is available."),
  column("MaxPods", "maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up. It cannot be less that minReplicas."),
  column("Replicas", "currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler."),
  ageColumn,
];

export function hpaRow(hpa: HorizontalPodAutoscaler): unknown[] {
  const spec = hpa.spec;
  const ref = spec?.scaleTargetRef;
  return [
    hpa.metadata.name,
    `${ref?.kind ?? ""}/${ref?.name ?? ""}`,
    formatMetrics(spec?.metrics, hpa.status?.currentMetrics),
    spec?.minReplicas != null ? String(spec.minReplicas) : "<unset>",
    spec?.maxReplicas ?? 0,
    hpa.status?.currentReplicas ?? 0,
    age(hpa.metadata.creationTimestamp),
  ];
}

const status = statusStrategy<HorizontalPodAutoscaler>(() => ({ desiredReplicas: 0 }));

export const hpaV2Resource = defineResource<HorizontalPodAutoscaler>({
  group: "autoscaling",
  version: "v2",
  kind: "HorizontalPodAutoscaler",
  plural: "horizontalpodautoscalers",
  singular: "horizontalpodautoscaler",
  shortNames: ["hpa"],
  categories: ["all"],
  namespaced: true,
  schema: "io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler",
  subresources: { status: true },
  tracksGeneration: true,
  columns: hpaColumns,
  row: hpaRow,
  defaults: defaultHPA,
  validate: validateHPA,
  prepareForCreate: status.prepareForCreate,
  prepareForUpdate: status.prepareForUpdate,
});

export const autoscalingV2Resources: ResourceDef[] = [hpaV2Resource];
