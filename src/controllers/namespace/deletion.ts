/**
 * The namespace deleter's pure parts (upstream's namespaced_resources_deleter and
 * status_condition_utils): which resources discovery offers for deleting a namespace's
 * content, how long to wait for graceful pods, and the five deletion conditions with
 * upstream's reasons and messages.
 */
import type { NamespaceCondition } from "kubernetes-types/core/v1.js";
import type { KubeObject } from "../../machinery/object.js";

/** The finalizer the namespace controller owns in spec.finalizers. */
export const kubernetesFinalizer = "kubernetes";

/** Upstream's estimate when content is held by finalizers (seconds). */
export const finalizerEstimateSeconds = 15;

export type ConditionType =
  | "NamespaceDeletionDiscoveryFailure"
  | "NamespaceDeletionGroupVersionParsingFailure"
  | "NamespaceDeletionContentFailure"
  | "NamespaceContentRemaining"
  | "NamespaceFinalizersRemaining";

export const conditionTypes: ConditionType[] = [
  "NamespaceDeletionDiscoveryFailure",
  "NamespaceDeletionGroupVersionParsingFailure",
  "NamespaceDeletionContentFailure",
  "NamespaceContentRemaining",
  "NamespaceFinalizersRemaining",
];

const okReasons: Record<ConditionType, string> = {
  NamespaceDeletionDiscoveryFailure: "ResourcesDiscovered",
  NamespaceDeletionGroupVersionParsingFailure: "ParsedGroupVersions",
  NamespaceDeletionContentFailure: "ContentDeleted",
  NamespaceContentRemaining: "ContentRemoved",
  NamespaceFinalizersRemaining: "ContentHasNoFinalizers",
};

const okMessages: Record<ConditionType, string> = {
  NamespaceDeletionDiscoveryFailure: "All resources successfully discovered",
  NamespaceDeletionGroupVersionParsingFailure: "All legacy kube types successfully parsed",
  NamespaceDeletionContentFailure: "All content successfully deleted, may be waiting on finalization",
  NamespaceContentRemaining: "All content successfully removed",
  NamespaceFinalizersRemaining: "All content-preserving finalizers finished",
};

/** A failing condition (status True) of one type. */
export interface Problem {
  type: ConditionType;
  reason: string;
  message: string;
}

/** A namespaced resource that discovery lists, in its group's preferred version. */
export interface DiscoveredResource {
  group: string;
  version: string;
  resource: string;
  kind: string;
  verbs: string[];
}

/** The subset of aggregated discovery (apidiscovery.k8s.io/v2 APIGroupDiscoveryList) read here. */
export interface AggregatedDiscovery {
  items?: {
    metadata?: { name?: string };
    versions?: {
      version?: string;
      freshness?: string;
      resources?: { resource?: string; scope?: string; verbs?: string[]; responseKind?: { kind?: string } }[];
    }[];
  }[];
}

/**
 * Upstream's ServerPreferredNamespacedResources filtered to those that can be deleted: each
 * group's first (preferred) version, namespaced resources with the delete verb. Groups whose
 * preferred version is stale are reported as failed, as discovery's ErrGroupDiscoveryFailed.
 */
export function preferredDeletableResources(lists: AggregatedDiscovery[]): { resources: DiscoveredResource[]; failedGroups: string[] } {
  const resources: DiscoveredResource[] = [];
  const failedGroups: string[] = [];
  for (const list of lists) {
    for (const g of list.items ?? []) {
      const group = g.metadata?.name ?? "";
      const preferred = g.versions?.[0];
      if (!preferred?.version) continue;
      if (preferred.freshness === "Stale") {
        failedGroups.push(group ? `${group}/${preferred.version}` : preferred.version);
        continue;
      }
      for (const r of preferred.resources ?? []) {
        if (!r.resource || r.scope !== "Namespaced" || !(r.verbs ?? []).includes("delete")) continue;
        resources.push({ group, version: preferred.version, resource: r.resource, kind: r.responseKind?.kind ?? "", verbs: r.verbs ?? [] });
      }
    }
  }
  return { resources, failedGroups };
}

/** Upstream's estimate for pods: the longest grace period of a pod that has not finished. */
export function estimatePodsTermination(pods: readonly KubeObject[]): number {
  let estimate = 0;
  for (const p of pods) {
    const phase = (p.status as { phase?: string } | undefined)?.phase;
    if (phase === "Succeeded" || phase === "Failed") continue;
    const grace = (p.spec as { terminationGracePeriodSeconds?: number } | undefined)?.terminationGracePeriodSeconds;
    if (grace !== undefined && grace > estimate) estimate = grace;
  }
  return estimate;
}

/** What is left of one resource after its deletion, for the Remaining conditions. */
export interface Remaining {
  group: string;
  resource: string;
  count: number;
  /** Finalizer → how many of the remaining objects carry it. */
  finalizers: Map<string, number>;
}

/** Counts the finalizers on what is left of one resource. */
export function finalizersOf(items: readonly KubeObject[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const it of items) for (const f of it.metadata.finalizers ?? []) out.set(f, (out.get(f) ?? 0) + 1);
  return out;
}

/** NamespaceContentRemaining and NamespaceFinalizersRemaining, as upstream words them (sorted). */
export function remainingProblems(remaining: readonly Remaining[]): Problem[] {
  const resources: string[] = [];
  const byFinalizer = new Map<string, number>();
  for (const r of remaining) {
    if (r.count === 0) continue;
    // Upstream prints "<resource>.<group>", so core resources end with a dot ("pods.").
    resources.push(`${r.resource}.${r.group} has ${r.count} resource instances`);
    for (const [f, n] of r.finalizers) byFinalizer.set(f, (byFinalizer.get(f) ?? 0) + n);
  }
  const finalizers = [...byFinalizer].filter(([, n]) => n > 0).map(([f, n]) => `${f} in ${n} resource instances`);
  resources.sort();
  finalizers.sort();
  const out: Problem[] = [];
  if (resources.length) {
    out.push({ type: "NamespaceContentRemaining", reason: "SomeResourcesRemain", message: `Some resources are remaining: ${resources.join(", ")}` });
  }
  if (finalizers.length) {
    out.push({ type: "NamespaceFinalizersRemaining", reason: "SomeFinalizersRemain", message: `Some content in the namespace has finalizers remaining: ${finalizers.join(", ")}` });
  }
  return out;
}

export function discoveryProblem(failedGroups: string[], detail?: string): Problem {
  const message = failedGroups.length
    ? `Discovery failed for some groups, ${failedGroups.length} failing: unable to retrieve the complete list of server APIs: ${failedGroups.map((g) => `${g}: stale GroupVersion discovery: ${g}`).join(", ")}`
    : detail ?? "discovery failed";
  return { type: "NamespaceDeletionDiscoveryFailure", reason: "DiscoveryFailed", message };
}

export function contentDeletionProblem(errors: string[]): Problem | undefined {
  if (!errors.length) return undefined;
  const msgs = [...errors].sort();
  return {
    type: "NamespaceDeletionContentFailure",
    reason: "ContentDeletionFailed",
    message: `Failed to delete all resource types, ${msgs.length} remaining: ${msgs.join(", ")}`,
  };
}

/**
 * Upstream's updateConditions: every type gets a condition, the failing one when there is a
 * problem, the "ok" one otherwise; lastTransitionTime moves only when status, reason or
 * message change. Returns the new list, or undefined when nothing changed.
 */
export function updateConditions(current: readonly NamespaceCondition[], problems: readonly Problem[], now: string): NamespaceCondition[] | undefined {
  const next = current.map((c) => ({ ...c }));
  let changed = false;
  for (const type of conditionTypes) {
    const p = problems.find((x) => x.type === type);
    const want = p
      ? { status: "True", reason: p.reason, message: p.message }
      : { status: "False", reason: okReasons[type], message: okMessages[type] };
    const old = next.find((c) => c.type === type);
    if (!old) {
      next.push({ type, ...want, lastTransitionTime: now });
      changed = true;
    } else if (old.status !== want.status || old.reason !== want.reason || old.message !== want.message) {
      Object.assign(old, want, { lastTransitionTime: now });
      changed = true;
    }
  }
  return changed ? next : undefined;
}

/** Upstream requeues a namespace with content left after estimate/2 + 1 seconds; `maxMs` caps it. */
export function requeueDelayMs(estimateSeconds: number, maxMs: number): number {
  return Math.min((Math.floor(estimateSeconds / 2) + 1) * 1000, maxMs);
}

/** spec.finalizers without ours. */
export function withoutKubernetesFinalizer(finalizers: readonly string[] | undefined): string[] {
  return (finalizers ?? []).filter((f) => f !== kubernetesFinalizer);
}

/** `<group>/<version>, Resource=<resource>`, as Go prints a GroupVersionResource. */
export function gvrString(r: Pick<DiscoveredResource, "group" | "version" | "resource">): string {
  return `${r.group ? `${r.group}/` : "/"}${r.version}, Resource=${r.resource}`;
}
