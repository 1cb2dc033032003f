/** PodTemplate: a stored pod template (CONTAINERS, IMAGES, POD LABELS; no AGE column upstream). */
import type { PodTemplate } from "kubernetes-types/core/v1.js";
import type { FieldError } from "../../../machinery/errors.js";
import { labelsString, layoutContainerCells } from "../../printers.js";
import { col, defineResource, nameColumn, type Obj } from "./common.js";
import { defaultPodTemplateSpec, validatePodTemplateSpec } from "./pod.js";

export type PodTemplateObj = Obj<PodTemplate>;

function validate(pt: PodTemplateObj): FieldError[] {
  return validatePodTemplateSpec(pt.template ?? {}, "template");
}

export const podTemplateResource = defineResource<PodTemplateObj>({
  group: "", version: "v1", kind: "PodTemplate",
  plural: "podtemplates", singular: "podtemplate",
  namespaced: true,
  schema: "io.k8s.api.core.v1.PodTemplate",
  tracksGeneration: true,
  columns: [
    nameColumn,
    col("Containers", "string", "Names of each container in the template."),
    col("Images", "string", "Images referenced by each container in the template."),
    col("Pod Labels", "string", "The labels for the pod template."),
  ],
  row(pt) {
    const [names, images] = layoutContainerCells(pt.template?.spec?.containers);
    return [pt.metadata.name ?? "", names, images, labelsString(pt.template?.metadata?.labels)];
  },
  defaults(pt) {
    pt.template ??= {};
    defaultPodTemplateSpec(pt.template);
  },
  validate,
  validateUpdate: (pt) => validate(pt),
});
