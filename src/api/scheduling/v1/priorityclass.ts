/**
 * scheduling.k8s.io/v1 PriorityClass. The two `system-` classes are created by the API
 * server's bootstrap; validation only recognises them.
 */
import type { PriorityClass as PriorityClassT } from "kubernetes-types/scheduling/v1.js";
import type { ResourceDef } from "../../../machinery/resource.js";
import { field, type FieldError } from "../../../machinery/errors.js";
import { age } from "../../printers.js";
import { ageColumn, column, defineResource, nameColumn, type Obj } from "../../common/define.js";

export type PriorityClass = Obj<PriorityClassT>;

export const highestUserDefinablePriority = 1_000_000_000;
export const systemPriorityClasses: Record<string, number> = {
  "system-node-critical": 2_000_001_000,
  "system-cluster-critical": 2_000_000_000,
};

function systemClassError(pc: PriorityClass): string | undefined {
  const name = pc.metadata.name ?? "";
  const value = systemPriorityClasses[name];
  if (value === undefined) return `${name} is not a known system priority class`;
  if (pc.value !== value) return `value of ${name} PriorityClass must be ${value}`;
  if (pc.globalDefault) return `globalDefault of ${name} PriorityClass must be false`;
  return undefined;
}

export function validatePriorityClass(pc: PriorityClass): FieldError[] {
  const errs: FieldError[] = [];
  const value = pc.value;
  if (typeof value !== "number" || !Number.isInteger(value) || value < -2147483648 || value > 2147483647) {
    errs.push(field.invalid("value", value ?? null, "must be a 32-bit integer"));
  }
  if ((pc.metadata.name ?? "").startsWith("system-")) {
    const why = systemClassError(pc);
    if (why) errs.push(field.forbidden("metadata.name", `priority class names with 'system-' prefix are reserved for system use only. error: ${why}`));
  } else if (typeof value === "number" && value > highestUserDefinablePriority) {
    errs.push(field.forbidden("value", `maximum allowed value of a user defined priority is ${highestUserDefinablePriority}`));
  }
  const pp = pc.preemptionPolicy;
  if (pp != null && pp !== "Never" && pp !== "PreemptLowerPriority") errs.push(field.notSupported("preemptionPolicy", pp, ["Never", "PreemptLowerPriority"]));
  return errs;
}

export function validatePriorityClassUpdate(pc: PriorityClass, old: PriorityClass): FieldError[] {
  const errs: FieldError[] = [];
  if (pc.value !== old.value) errs.push(field.forbidden("value", "may not be changed in an update."));
  if (pc.preemptionPolicy !== old.preemptionPolicy) errs.push(field.invalid("preemptionPolicy", pc.preemptionPolicy ?? null, "field is immutable"));
  return errs;
}

export const priorityClassResource = defineResource<PriorityClass>({
  group: "scheduling.k8s.io",
  version: "v1",
  kind: "PriorityClass",
  plural: "priorityclasses",
  singular: "priorityclass",
  shortNames: ["pc"],
  namespaced: false,
  schema: "io.k8s.api.scheduling.v1.PriorityClass",
  columns: [
    nameColumn,
    column("Value", "value represents the integer value of this priority class. This is the actual priority that pods receive when they have the name of this class in their pod spec.", "integer"),
    column("Global-Default", "globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class. Only one PriorityClass can be marked as `globalDefault`. However, if more than one PriorityClasses exists with their `globalDefault` field set to true, the smallest value of such global default PriorityClasses will be used as the default priority.", "boolean"),
    ageColumn,
    column("PreemptionPolicy", "preemptionPolicy is the Policy for preempting pods with lower priority. One of Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if unset."),
  ],
  row: (pc) => [pc.metadata.name, pc.value ?? 0, pc.globalDefault ?? false, age(pc.metadata.creationTimestamp), pc.preemptionPolicy ?? ""],
  defaults(pc) {
    pc.preemptionPolicy ??= "PreemptLowerPriority";
  },
  validate: validatePriorityClass,
  validateUpdate: validatePriorityClassUpdate,
});

export const schedulingV1Resources: ResourceDef[] = [priorityClassResource];
