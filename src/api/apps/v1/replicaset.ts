/** apps/v1 ReplicaSet: defaults, validation, printer and strategy as upstream's. */
import type { ReplicaSet as ReplicaSetT } from "kubernetes-types/apps/v1.js";
import { field, type FieldError } from "../../../machinery/errors.js";
import { age, selectorString } from "../../printers.js";
import { goLabelSelector } from "../../common/govalue.js";
import { validateNonnegative } from "../../common/intstr.js";
import { ageColumn, column, containerCells, containersColumn, defineResource, ensureSpec, imagesColumn, nameColumn, specOf, statusStrategy, type Obj } from "../../common/define.js";
import { defaultWorkloadTemplate, validateReplicaSetTemplate, validateRequiredSelector } from "../../common/workload.js";
import { validateSelectorImmutable } from "./deployment.js";

export type ReplicaSet = Obj<ReplicaSetT>;

export function defaultReplicaSet(rs: ReplicaSet): void {
  const spec = ensureSpec(rs);
  if (!spec) return;
  spec.replicas ??= 1;
  defaultWorkloadTemplate(spec.template, true);
}

export function validateReplicaSet(rs: ReplicaSet): FieldError[] {
  const spec = specOf(rs) ?? {};
  const errs = [...validateNonnegative(spec.replicas, "spec.replicas"), ...validateNonnegative(spec.minReadySeconds, "spec.minReadySeconds")];
  const sel = validateRequiredSelector(spec.selector, "spec.selector", "replicaset");
  errs.push(...sel.errs);
  if (!sel.parsed) errs.push(field.invalid("spec.selector", goLabelSelector(spec.selector), "invalid label selector"));
  else errs.push(...validateReplicaSetTemplate(spec.template, sel.parsed, "spec.template"));
  return errs;
}

const status = statusStrategy<ReplicaSet>(() => ({ replicas: 0 }));

export const replicaSetResource = defineResource<ReplicaSet>({
  group: "apps",
  version: "v1",
  kind: "ReplicaSet",
  plural: "replicasets",
  singular: "replicaset",
  shortNames: ["rs"],
  categories: ["all"],
  namespaced: true,
  schema: "io.k8s.api.apps.v1.ReplicaSet",
  subresources: {
    status: true,
    scale: { specReplicasPath: "spec.replicas", statusReplicasPath: "status.replicas", labelSelectorPath: "spec.selector" },
  },
  tracksGeneration: true,
  columns: [
    nameColumn,
    column("Desired", "Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller", "integer"),
    column("Current", "Replicas is the most recently observed number of replicas. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller", "integer"),
    column("Ready", "The number of ready replicas for this replica set.", "integer"),
    ageColumn,
    containersColumn,
    imagesColumn,
    column("Selector", "Selector is a label query over pods that should match the replica count. If the selector is empty, it is defaulted to the labels present on the pod template. Label keys and values that must match in order to be controlled by this replica set. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors", "string", 1),
  ],
  row(rs) {
    const st = rs.status;
    const [names, images] = containerCells(rs.spec?.template?.spec?.containers);
    return [rs.metadata.name, rs.spec?.replicas ?? 0, st?.replicas ?? 0, st?.readyReplicas ?? 0, age(rs.metadata.creationTimestamp), names, images, selectorString(rs.spec?.selector)];
  },
  defaults: defaultReplicaSet,
  validate: validateReplicaSet,
  validateUpdate: (rs, old) => validateSelectorImmutable(rs.spec?.selector, old.spec?.selector),
  prepareForCreate: status.prepareForCreate,
  prepareForUpdate: status.prepareForUpdate,
  fieldSelectors: {
    "status.replicas": (rs) => String(rs.status?.replicas ?? 0),
  },
});
