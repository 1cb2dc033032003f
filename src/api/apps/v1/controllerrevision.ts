/** apps/v1 ControllerRevision: the immutable history DaemonSets and StatefulSets keep. */
import type { ControllerRevision as ControllerRevisionT } from "kubernetes-types/apps/v1.js";
import { field, type FieldError } from "../../../machinery/errors.js";
import { splitApiVersion } from "../../../machinery/object.js";
import { age } from "../../printers.js";
import { semanticEqual } from "../../common/equality.js";
import { validateNonnegative } from "../../common/intstr.js";
import { ageColumn, column, defineResource, nameColumn, type Obj } from "../../common/define.js";

export type ControllerRevision = Obj<ControllerRevisionT>;

/** `kind.group/name` of the controlling owner, as formatResourceName prints it. */
function controllerName(cr: ControllerRevision): string {
  const ref = cr.metadata.ownerReferences?.find((r) => r.controller);
  if (!ref) return "<none>";
  const { group } = splitApiVersion(ref.apiVersion);
  const gk = group ? `${ref.kind}.${group}` : ref.kind;
  return gk ? `${gk.toLowerCase()}/${ref.name}` : ref.name;
}

export function validateControllerRevision(cr: ControllerRevision): FieldError[] {
  const errs: FieldError[] = [];
  if (cr.data === undefined || cr.data === null) errs.push(field.required("data", "data is mandatory"));
  errs.push(...validateNonnegative(cr.revision, "revision"));
  return errs;
}

export const controllerRevisionResource = defineResource<ControllerRevision>({
  group: "apps",
  version: "v1",
  kind: "ControllerRevision",
  plural: "controllerrevisions",
  singular: "controllerrevision",
  namespaced: true,
  schema: "io.k8s.api.apps.v1.ControllerRevision",
  columns: [nameColumn, column("Controller", "Controller of the object"), column("Revision", "Revision indicates the revision of the state represented by Data."), ageColumn],
  row: (cr) => [cr.metadata.name, controllerName(cr), cr.revision ?? 0, age(cr.metadata.creationTimestamp)],
  validate: validateControllerRevision,
  validateUpdate: (cr, old) => (semanticEqual(cr.data, old.data) ? [] : [field.invalid("data", cr.data ?? null, "field is immutable")]),
});
