/** ReplicationController: selector and labels from the template, replicas 1, scale subresource. */
import type { ReplicationController } from "kubernetes-types/core/v1.js";
import { field, type FieldError } from "../../../machinery/errors.js";
import { validateLabels } from "../../../machinery/validation.js";
import { age, labelsString, layoutContainerCells } from "../../printers.js";
import { ageColumn, col, defineResource, nameColumn, type Obj, validateNonnegative } from "./common.js";
import { defaultPodTemplateSpec, validatePodTemplateSpec } from "./pod.js";

export type ReplicationControllerObj = Obj<ReplicationController>;

function selectorMatches(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

export function validateReplicationController(rc: ReplicationControllerObj): FieldError[] {
  const out: FieldError[] = [];
  const spec = rc.spec ?? {};
  out.push(...validateNonnegative(spec.minReadySeconds, "spec.minReadySeconds"));
  const selector = spec.selector ?? {};
  if (Object.keys(selector).length === 0) out.push(field.required("spec.selector"));
  out.push(...validateLabels(spec.selector, "spec.selector"));
  out.push(...validateNonnegative(spec.replicas, "spec.replicas"));
  const t = spec.template;
  if (!t) {
    out.push(field.required("spec.template"));
    return out;
  }
  if (Object.keys(selector).length > 0 && !selectorMatches(selector, t.metadata?.labels)) {
    out.push(field.invalid("spec.template.metadata.labels", t.metadata?.labels ?? {}, "`selector` does not match template `labels`"));
  }
  out.push(...validatePodTemplateSpec(t, "spec.template"));
  if (t.spec && t.spec.restartPolicy !== "Always") out.push(field.notSupported("spec.template.spec.restartPolicy", t.spec.restartPolicy ?? "", ["Always"]));
  if (t.spec?.activeDeadlineSeconds !== undefined && t.spec.activeDeadlineSeconds !== null) {
    out.push(field.forbidden("spec.template.spec.activeDeadlineSeconds", "activeDeadlineSeconds in ReplicationController is not Supported"));
  }
  return out;
}

export const replicationControllerResource = defineResource<ReplicationControllerObj>({
  group: "", version: "v1", kind: "ReplicationController",
  plural: "replicationcontrollers", singular: "replicationcontroller", shortNames: ["rc"], categories: ["all"],
  namespaced: true,
  schema: "io.k8s.api.core.v1.ReplicationController",
  subresources: {
    status: true,
    scale: { specReplicasPath: "spec.replicas", statusReplicasPath: "status.replicas", labelSelectorPath: "spec.selector" },
  },
  tracksGeneration: true,
  columns: [
    nameColumn,
    col("Desired", "integer", "Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller#what-is-a-replicationcontroller"),
    col("Current", "integer", "Replicas is the most recently observed number of replicas. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller#what-is-a-replicationcontroller"),
    col("Ready", "integer", "The number of ready replicas for this replication controller."),
    ageColumn,
    col("Containers", "string", "Names of each container in the template.", 1),
    col("Images", "string", "Images referenced by each container in the template.", 1),
    col("Selector", "string", "Selector is a label query over pods that should match the Replicas count. If Selector is empty, it is defaulted to the labels present on the Pod template. Label keys and values that must match in order to be controlled by this replication controller, if empty defaulted to labels on Pod template. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors", 1),
  ],
  row(rc) {
    const [names, images] = layoutContainerCells(rc.spec?.template?.spec?.containers);
    return [
      rc.metadata.name ?? "", rc.spec?.replicas ?? 0, rc.status?.replicas ?? 0, rc.status?.readyReplicas ?? 0,
      age(rc.metadata.creationTimestamp), names, images, labelsString(rc.spec?.selector),
    ];
  },
  defaults(rc) {
    const spec = (rc.spec ??= {});
    const labels = spec.template?.metadata?.labels;
    if (labels) {
      if (!spec.selector || Object.keys(spec.selector).length === 0) spec.selector = { ...labels };
      if (!rc.metadata.labels || Object.keys(rc.metadata.labels).length === 0) rc.metadata.labels = { ...labels };
    }
    if (spec.replicas === undefined || spec.replicas === null) spec.replicas = 1;
    if (spec.template) defaultPodTemplateSpec(spec.template);
  },
  validate: validateReplicationController,
  validateUpdate: (rc) => validateReplicationController(rc),
  prepareForCreate(rc) {
    rc.status = { replicas: 0 };
  },
  prepareForUpdate(rc, old) {
    rc.status = old.status;
  },
  fieldSelectors: {
    "status.replicas": (rc) => String(rc.status?.replicas ?? 0),
  },
});
