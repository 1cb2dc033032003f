/**
 * Priority, as upstream's admission plugin: a pod's `priorityClassName` resolves to its
 * PriorityClass, whose value and preemption policy are copied into the pod spec; an unknown
 * class is refused. Without a class the global default class (if any) applies, else 0.
 */
import { errors } from "../../machinery/errors.js";
import type { KubeObject } from "../../machinery/object.js";
import type { ResourceDef } from "../../machinery/resource.js";
import { storagePrefix } from "../../machinery/registry.js";
import type { AdmissionPlugin, ResourceStore } from "../store.js";
import type { HubSubscription, WatchHub } from "../watch/hub.js";

interface PodSpecPriority { priorityClassName?: string; priority?: number; preemptionPolicy?: string }
interface PriorityClassObj extends KubeObject { value?: number; globalDefault?: boolean; preemptionPolicy?: string }

/**
 * The global default class, read from storage once and kept until a PriorityClass changes,
 * as upstream's plugin reads it from an informer: without it every pod create would scan the
 * PriorityClasses. Changes arrive through the watch hub (a few ms after the write, the same
 * lag an informer has). Without a hub every lookup reads storage.
 */
class GlobalDefaultCache {
  private value?: Promise<PriorityClassObj | undefined>;
  private sub?: HubSubscription;

  constructor(private readonly classDef: () => ResourceDef, private readonly hub?: () => WatchHub | undefined) {}

  get(store: ResourceStore): Promise<PriorityClassObj | undefined> {
    if (this.value) return this.value;
    const read = store.list(this.classDef(), undefined, { filter: (o) => (o as PriorityClassObj).globalDefault === true }).then((all) => {
      this.follow(all.revision);
      return (all.objects ?? [])[0] as PriorityClassObj | undefined;
    });
    const hub = this.hub?.();
    if (!hub) return read;
    this.value = read;
    read.catch(() => this.invalidate(read));
    return read;
  }

  private follow(revision: number): void {
    const hub = this.hub?.();
    if (!hub || this.sub) return;
    const prefix = storagePrefix(this.classDef());
    try {
      this.sub = hub.subscribe(prefix, revision, () => this.invalidate(), () => {
        this.sub = undefined;
        this.invalidate();
      });
    } catch {
      // History already compacted: no cache this time; the next lookup subscribes again.
      this.invalidate();
    }
  }

  private invalidate(only?: Promise<PriorityClassObj | undefined>): void {
    if (!only || this.value === only) this.value = undefined;
  }
}

/** `hub` (optional) lets the plugin cache the global default class between PriorityClass writes. */
export function priorityAdmission(classDef: () => ResourceDef, hub?: () => WatchHub | undefined): AdmissionPlugin {
  const globalDefault = new GlobalDefaultCache(classDef, hub);
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
        pc = await globalDefault.get(store);
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
