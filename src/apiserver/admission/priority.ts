/**
 * Priority, as upstream's admission plugin: a pod's `priorityClassName` resolves to its
 * PriorityClass, whose value and preemption policy are copied into the pod spec; an unknown
 * class is refused. Without a class the global default class (if any) applies, else 0.
 */
import { errors } from "../../machinery/errors.js";
import type { KubeObject } from "../../machinery/object.js";
import type { ResourceDef } from "../../machinery/resource.js";
import type { AdmissionPlugin } from "../store.js";

interface PodSpecPriority { priorityClassName?: string; priority?: number; preemptionPolicy?: string }
interface PriorityClassObj extends KubeObject { value?: number; globalDefault?: boolean; preemptionPolicy?: string }

export function priorityAdmission(classDef: () => ResourceDef): AdmissionPlugin {
  return {
    name: "Priority",
    async admit({ operation, def, object, store }) {
      if (operation !== "CREATE" || !(def.group === "" && def.kind === "Pod")) return;
      const spec = (object.spec ?? {}) as PodSpecPriority;
      let pc: PriorityClassObj | undefined;
      if (spec.priorityClassName) {
        try {
          pc = (await store.get(classDef(), undefined, spec.priorityClassName)) as PriorityClassObj;
        } catch (err) {
          if ((err as { code?: number }).code !== 404) throw err;
          throw errors.forbidden(`pods "${object.metadata.name ?? ""}" is forbidden: no PriorityClass with name ${spec.priorityClassName} was found`, { name: object.metadata.name, kind: "pods" });
        }
      } else {
        const all = await store.list(classDef(), undefined, { filter: (o) => (o as PriorityClassObj).globalDefault === true });
        pc = (all.objects ?? [])[0] as PriorityClassObj | undefined;
        if (pc) spec.priorityClassName = pc.metadata.name;
      }
      const value = pc?.value ?? 0;
      if (spec.priority !== undefined && spec.priority !== value && pc) {
        throw errors.forbidden(`pods "${object.metadata.name ?? ""}" is forbidden: the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${value} from the given PriorityClass name`, { name: object.metadata.name, kind: "pods" });
      }
      spec.priority = value;
      spec.preemptionPolicy = pc?.preemptionPolicy ?? spec.preemptionPolicy ?? "PreemptLowerPriority";
      object.spec = spec;
    },
  };
}
