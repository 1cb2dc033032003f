/**
 * The Pod kind: its ResourceDef (columns, defaults, validation, strategy, field selectors)
 * and the pod-template helpers every workload kind reuses.
 */
import type { PodSpec, PodTemplateSpec } from "kubernetes-types/core/v1.js";
import { field, type FieldError } from "../../../machinery/errors.js";
import type { ResourceDef, Verb } from "../../../machinery/resource.js";
import { ageColumn, col, deepEqual, defineResource, nameColumn } from "./common.js";
import { defaultPodOnly, defaultPodSpec as defaultSpec, defaultPodTemplateSpec as defaultTemplate } from "./pod-defaults.js";
import { podRow, type PodObj } from "./pod-printer.js";
import { validateContainersOnlyForPod, validatePodSpec as validateSpec, validatePodTemplateSpec as validateTemplate, validateTolerations } from "./pod-validation.js";
import { addQuantities, compareQuantities, parseQuantity, type Quantity } from "./quantity.js";

export type { PodObj } from "./pod-printer.js";
export { podRow, podSummary } from "./pod-printer.js";

/** SetDefaults_PodSpec and nested defaults (containers, probes, volumes). */
export function defaultPodSpec(spec: PodSpec): void {
  defaultSpec(spec);
}

/** Defaults a workload's pod template (spec.template) in place. */
export function defaultPodTemplateSpec(t: PodTemplateSpec | undefined): void {
  defaultTemplate(t);
}

/** ValidatePodSpec at `path` (e.g. `spec.template.spec`). */
export function validatePodSpec(spec: unknown, path: string): FieldError[] {
  return validateSpec(spec, path);
}

/** ValidatePodTemplateSpec at `path` (e.g. `spec.template`). */
export function validatePodTemplateSpec(t: unknown, path: string): FieldError[] {
  return validateTemplate(t, path);
}

const computeResources = new Set(["cpu", "memory"]);

/** qos.GetPodQOS: Guaranteed, Burstable or BestEffort from the containers' cpu/memory. */
export function podQOSClass(spec: PodSpec | undefined): "Guaranteed" | "Burstable" | "BestEffort" {
  const requests = new Map<string, Quantity>();
  const limits = new Map<string, Quantity>();
  let guaranteed = true;
  const add = (m: Map<string, Quantity>, k: string, q: Quantity) => m.set(k, m.has(k) ? addQuantities(m.get(k)!, q) : q);
  for (const c of [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])]) {
    const lim = c.resources?.limits ?? {};
    // Requests default to limits on a Pod; count them so even before defaulting.
    const req = { ...lim, ...(c.resources?.requests ?? {}) };
    for (const [k, v] of Object.entries(req)) {
      const q = parseQuantity(v);
      if (computeResources.has(k) && q && q.nano > 0n) add(requests, k, q);
    }
    const found = new Set<string>();
    for (const [k, v] of Object.entries(lim)) {
      const q = parseQuantity(v);
      if (computeResources.has(k) && q && q.nano > 0n) { found.add(k); add(limits, k, q); }
    }
    if (!found.has("cpu") || !found.has("memory")) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return "BestEffort";
  if (guaranteed) {
    for (const [k, r] of requests) {
      const l = limits.get(k);
      if (!l || compareQuantities(l, r) !== 0) { guaranteed = false; break; }
    }
  }
  return guaranteed && requests.size === limits.size ? "Guaranteed" : "Burstable";
}

const updatablePodSpecFields = [
  "`spec.containers[*].image`",
  "`spec.initContainers[*].image`",
  "`spec.activeDeadlineSeconds`",
  "`spec.tolerations` (only additions to existing tolerations)",
  "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
];

type Rec = Record<string, unknown>;

/** A short, readable stand-in for upstream's cmp.Diff of the two specs. */
function specDiff(oldSpec: Rec, newSpec: Rec): string {
  const lines: string[] = ["  core.PodSpec{"];
  for (const k of new Set([...Object.keys(oldSpec), ...Object.keys(newSpec)])) {
    if (deepEqual(oldSpec[k], newSpec[k])) continue;
    if (oldSpec[k] !== undefined) lines.push(`- \t${k}: ${JSON.stringify(oldSpec[k])},`);
    if (newSpec[k] !== undefined) lines.push(`+ \t${k}: ${JSON.stringify(newSpec[k])},`);
  }
  lines.push("  }");
  return lines.join("\n");
}

function sameExceptSeconds(a: Rec, b: Rec): boolean {
  return deepEqual({ ...a, tolerationSeconds: undefined }, { ...b, tolerationSeconds: undefined });
}

/** ValidatePodUpdate's spec rules: only images, activeDeadlineSeconds, added tolerations and a few more may change. */
export function validatePodSpecUpdate(newSpec: PodSpec, oldSpec: PodSpec): FieldError[] {
  const out: FieldError[] = [];
  const nc = newSpec.containers ?? [];
  const oc = oldSpec.containers ?? [];
  if (nc.length !== oc.length) return [field.forbidden("spec.containers", "pod updates may not add or remove containers")];
  nc.forEach((c, i) => {
    if (!c.image) out.push(field.required(`spec.containers[${i}].image`));
    else if (c.image.trim() !== c.image) out.push(field.invalid(`spec.containers[${i}].image`, c.image, "must not have leading or trailing whitespace"));
  });
  const nads = newSpec.activeDeadlineSeconds;
  const oads = oldSpec.activeDeadlineSeconds;
  if (nads !== undefined && nads !== null) {
    if (nads < 0 || nads > 2147483647) return [...out, field.invalid("spec.activeDeadlineSeconds", nads, "must be between 0 and 2147483647, inclusive")];
    if (oads !== undefined && oads !== null && oads < nads) return [...out, field.invalid("spec.activeDeadlineSeconds", nads, "must be less than or equal to previous value")];
  } else if (oads !== undefined && oads !== null) {
    out.push(field.invalid("spec.activeDeadlineSeconds", null, "must not update from a positive integer to nil value"));
  }
  for (const old of oldSpec.tolerations ?? []) {
    if (!(newSpec.tolerations ?? []).some((t) => sameExceptSeconds(old as unknown as Rec, t as unknown as Rec))) {
      out.push(field.forbidden("spec.tolerations", "existing toleration can not be modified except its tolerationSeconds"));
      break;
    }
  }
  out.push(...validateTolerations(newSpec.tolerations, "spec.tolerations"));
  const oldGates = new Set((oldSpec.schedulingGates ?? []).map((g) => g.name));
  (newSpec.schedulingGates ?? []).forEach((g, i) => {
    if (!oldGates.has(g.name)) out.push(field.forbidden(`spec.schedulingGates[${i}].name`, `only deletion is allowed, but found new scheduling gate '${g.name}'`));
  });
  if (deepEqual(newSpec, oldSpec)) return out;

  const munged: PodSpec = structuredClone(newSpec);
  munged.containers = (munged.containers ?? []).map((c, i) => ({ ...c, image: oc[i]?.image }) as typeof c);
  const oi = oldSpec.initContainers ?? [];
  if (munged.initContainers && munged.initContainers.length === oi.length) {
    munged.initContainers = munged.initContainers.map((c, i) => ({ ...c, image: oi[i]?.image }) as typeof c);
  }
  munged.activeDeadlineSeconds = oldSpec.activeDeadlineSeconds;
  munged.schedulingGates = oldSpec.schedulingGates;
  munged.tolerations = oldSpec.tolerations;
  const otg = oldSpec.terminationGracePeriodSeconds;
  if (otg !== undefined && otg < 0 && munged.terminationGracePeriodSeconds === 1) munged.terminationGracePeriodSeconds = otg;
  if (oldGates.size > 0) {
    // A gated pod may gain node selector entries and affinity before it is scheduled.
    munged.nodeSelector = oldSpec.nodeSelector;
    munged.affinity = oldSpec.affinity;
  }
  if (!deepEqual(munged, oldSpec)) {
    const diff = specDiff(oldSpec as unknown as Rec, munged as unknown as Rec);
    out.push(field.forbidden("spec", `pod updates may not change fields other than ${updatablePodSpecFields.join(",")}\n${diff}`));
  }
  return out;
}

function validatePod(pod: PodObj): FieldError[] {
  return [
    ...validateSpec(pod.spec, "spec", { isPod: true }),
    ...validateContainersOnlyForPod(pod.spec, "spec"),
  ];
}

const podVerbs: Verb[] = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

export const podResource: ResourceDef = defineResource<PodObj>({
  group: "", version: "v1", kind: "Pod",
  plural: "pods", singular: "pod", shortNames: ["po"], categories: ["all"],
  namespaced: true, verbs: podVerbs,
  schema: "io.k8s.api.core.v1.Pod",
  subresources: {
    status: true,
    others: [
      { name: "attach", kind: "PodAttachOptions", verbs: ["create", "get"] },
      { name: "binding", kind: "Binding", verbs: ["create"] },
      { name: "ephemeralcontainers", kind: "Pod", verbs: ["get", "patch", "update"] },
      { name: "eviction", kind: "Eviction", group: "policy", version: "v1", verbs: ["create"] },
      { name: "exec", kind: "PodExecOptions", verbs: ["create", "get"] },
      { name: "log", kind: "Pod", verbs: ["get"] },
      { name: "portforward", kind: "PodPortForwardOptions", verbs: ["create", "get"] },
      { name: "proxy", kind: "PodProxyOptions", verbs: ["create", "delete", "get", "patch", "update"] },
      { name: "resize", kind: "Pod", verbs: ["get", "patch", "update"] },
    ],
  },
  columns: [
    nameColumn,
    col("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
    col("Status", "string", "The aggregate status of the containers in this pod."),
    col("Restarts", "string", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
    ageColumn,
    col("IP", "string", "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.", 1),
    col("Node", "string", "NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName. Once this field is set, the kubelet for this node becomes responsible for the lifecycle of this pod. This field should not be used to express a desire for the pod to be scheduled on a specific node. https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename", 1),
    col("Nominated Node", "string", "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled.", 1),
    col("Readiness Gates", "string", "If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to \"True\" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates", 1),
  ],
  row: (pod) => podRow(pod),
  defaults(pod) {
    pod.spec ??= { containers: [] };
    defaultSpec(pod.spec);
    defaultPodOnly(pod.spec);
  },
  validate: validatePod,
  validateUpdate(pod, old) {
    return [...validatePod(pod), ...validatePodSpecUpdate(pod.spec ?? { containers: [] }, old.spec ?? { containers: [] })];
  },
  prepareForCreate(pod) {
    pod.spec ??= { containers: [] };
    pod.status = { phase: "Pending", qosClass: podQOSClass(pod.spec) };
    if ((pod.spec.schedulingGates ?? []).length > 0) {
      pod.status.conditions = [{
        type: "PodScheduled", status: "False", reason: "SchedulingGated",
        message: "Scheduling is blocked due to non-empty scheduling gates",
        lastProbeTime: null as unknown as string, lastTransitionTime: null as unknown as string,
      }];
    }
    // priority and preemptionPolicy are the Priority admission plugin's (apiserver/admission):
    // a default here would hide a pod that names no value from the global default class.
    const tgp = pod.spec.terminationGracePeriodSeconds;
    if (tgp !== undefined && tgp !== null && tgp < 0) pod.spec.terminationGracePeriodSeconds = 1;
  },
  prepareForUpdate(pod, old) {
    pod.status = old.status;
    const tgp = pod.spec?.terminationGracePeriodSeconds;
    if (pod.spec && tgp !== undefined && tgp !== null && tgp < 0) pod.spec.terminationGracePeriodSeconds = 1;
  },
  fieldSelectors: {
    "spec.nodeName": (p) => p.spec?.nodeName ?? "",
    "spec.restartPolicy": (p) => p.spec?.restartPolicy ?? "",
    "spec.schedulerName": (p) => p.spec?.schedulerName ?? "",
    "spec.serviceAccountName": (p) => p.spec?.serviceAccountName ?? "",
    "spec.hostNetwork": (p) => String(p.spec?.hostNetwork === true),
    "status.phase": (p) => p.status?.phase ?? "",
    "status.podIP": (p) => p.status?.podIPs?.[0]?.ip || p.status?.podIP || "",
    "status.nominatedNodeName": (p) => p.status?.nominatedNodeName ?? "",
  },
  tracksGeneration: false,
});
