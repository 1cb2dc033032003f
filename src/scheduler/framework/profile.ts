/**
 * A scheduling profile: which plugins run, their score weights and arguments (upstream's
 * KubeSchedulerProfile with multiPoint enablement: a plugin listed once runs at every
 * extension point it implements, in list order).
 */

export type ExtensionPoint =
  | "preEnqueue" | "queueSort" | "preFilter" | "filter" | "postFilter" | "preScore" | "score"
  | "reserve" | "permit" | "preBind" | "bind" | "postBind";

export interface PluginRef {
  name: string;
  /** Score weight (default 1). */
  weight?: number;
}

export interface Profile {
  schedulerName: string;
  plugins: PluginRef[];
  /** Plugins to leave out at one extension point (`"*"` for every plugin there). */
  disabled?: Partial<Record<ExtensionPoint, string[]>>;
  /** Per-plugin arguments, by plugin name. */
  pluginConfig?: Record<string, unknown>;
  /** 0 (or unset) = upstream's adaptive default. */
  percentageOfNodesToScore?: number;
}

/** Upstream v1.32's default plugin set and weights (getDefaultPlugins), for the plugins Timonel has. */
export const defaultPluginRefs: readonly PluginRef[] = [
  { name: "SchedulingGates" },
  { name: "PrioritySort" },
  { name: "NodeUnschedulable" },
  { name: "NodeName" },
  { name: "TaintToleration", weight: 3 },
  { name: "NodeAffinity", weight: 2 },
  { name: "NodePorts" },
  { name: "NodeResourcesFit", weight: 1 },
  { name: "VolumeBinding" },
  { name: "PodTopologySpread", weight: 2 },
  { name: "InterPodAffinity", weight: 2 },
  { name: "DefaultPreemption" },
  { name: "NodeResourcesBalancedAllocation", weight: 1 },
  { name: "ImageLocality", weight: 1 },
  { name: "DefaultBinder" },
];

export function defaultProfile(schedulerName = "default-scheduler"): Profile {
  return { schedulerName, plugins: defaultPluginRefs.map((p) => ({ ...p })) };
}
