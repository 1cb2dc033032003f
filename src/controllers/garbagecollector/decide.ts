/**
 * The garbage collector's decisions, as pure functions over objects: what state an object's
 * deletion is in, how each of an object's owners counts (solid, dangling, or waiting for its
 * dependents to go), what to do with a dependent, which dependents block an owner's
 * foreground deletion, and the patches that carry the decisions out. Upstream's
 * attemptToDeleteItem, classifyReferences and processDeletingDependentsItem, without I/O.
 */
import type { KubeObject, OwnerReference } from "../../machinery/object.js";

export const orphanFinalizer = "orphan";
export const foregroundFinalizer = "foregroundDeletion";

export type PropagationPolicy = "Orphan" | "Background" | "Foreground";

/**
 * - `live`: not being deleted;
 * - `orphaning`: deleted with the orphan finalizer: its dependents lose their reference to it;
 * - `deletingDependents`: deleted in the foreground: it waits for its blocking dependents;
 * - `beingDeleted`: deleted otherwise (a pod's grace period, someone else's finalizer).
 */
export type DeletionState = "live" | "orphaning" | "deletingDependents" | "beingDeleted";

export function deletionState(obj: KubeObject): DeletionState {
  if (!obj.metadata.deletionTimestamp) return "live";
  const finalizers = obj.metadata.finalizers ?? [];
  if (finalizers.includes(orphanFinalizer)) return "orphaning";
  if (finalizers.includes(foregroundFinalizer)) return "deletingDependents";
  return "beingDeleted";
}

/** How an owner counts for a dependent (upstream's classifyReferences). */
export type OwnerClass = "solid" | "dangling" | "waiting";

/**
 * An owner that is absent, or present under another uid (deleted and recreated), is
 * dangling; one deleted in the foreground waits for its dependents; any other is solid
 * (including one being orphaned: its dependents stay).
 */
export function classifyOwner(ref: OwnerReference, owner: KubeObject | undefined): OwnerClass {
  if (!owner || owner.metadata.uid !== ref.uid) return "dangling";
  return deletionState(owner) === "deletingDependents" ? "waiting" : "solid";
}

export interface ClassifiedOwner {
  ref: OwnerReference;
  cls: OwnerClass;
}

export type ItemAction =
  | { type: "none" }
  /** Drop the references to these owners (dangling or waiting ones, when a solid owner remains). */
  | { type: "removeOwnerReferences"; uids: string[] }
  /**
   * Delete the object with this policy. `unblockFirst`: one of its dependents is itself
   * waiting for its dependents, so clear blockOwnerDeletion on the object's references first
   * (upstream's guard against a foreground-deletion cycle).
   */
  | { type: "delete"; policy: PropagationPolicy; unblockFirst: boolean };

export interface ItemFacts {
  /** The object has dependents of its own. */
  hasDependents: boolean;
  /** One of those dependents is being deleted in the foreground. */
  dependentDeletingDependents: boolean;
}

/** What to do with an object that has owners (upstream's attemptToDeleteItem switch). */
export function decideItem(item: KubeObject, owners: ClassifiedOwner[], facts: ItemFacts): ItemAction {
  if (owners.length === 0) return { type: "none" };
  const state = deletionState(item);
  // Being deleted is a one-way trip: wait for the end, then its dependents are looked at.
  // (One deleting its dependents is handled as an owner, by decideForeground.)
  if (state !== "live") return { type: "none" };
  const solid = owners.filter((o) => o.cls === "solid");
  const gone = owners.filter((o) => o.cls !== "solid");
  if (solid.length > 0) {
    if (gone.length === 0) return { type: "none" };
    return { type: "removeOwnerReferences", uids: gone.map((o) => o.ref.uid) };
  }
  const waiting = owners.some((o) => o.cls === "waiting");
  if (waiting && facts.hasDependents) {
    return { type: "delete", policy: "Foreground", unblockFirst: facts.dependentDeletingDependents };
  }
  return { type: "delete", policy: policyFromFinalizers(item), unblockFirst: false };
}

/** An object without a solid owner is deleted honouring a policy its finalizers already ask for. */
export function policyFromFinalizers(obj: KubeObject): PropagationPolicy {
  const finalizers = obj.metadata.finalizers ?? [];
  if (finalizers.includes(orphanFinalizer)) return "Orphan";
  if (finalizers.includes(foregroundFinalizer)) return "Foreground";
  return "Background";
}

/** The reference from `dependent` to the owner with this uid. */
export function referenceTo(dependent: KubeObject, ownerUid: string): OwnerReference | undefined {
  return dependent.metadata.ownerReferences?.find((r) => r.uid === ownerUid);
}

/** Dependents whose reference to the owner sets blockOwnerDeletion: a foreground deletion waits for them. */
export function blockingDependents<T extends KubeObject>(ownerUid: string, dependents: readonly T[]): T[] {
  return dependents.filter((d) => referenceTo(d, ownerUid)?.blockOwnerDeletion === true);
}

/** What to do with an owner being deleted in the foreground. */
export type ForegroundAction<T extends KubeObject> =
  | { type: "removeFinalizer" }
  /** Dependents to look at again (they will be deleted, or lose their reference to the owner). */
  | { type: "wait"; recheck: T[] };

export function decideForeground<T extends KubeObject>(owner: KubeObject, dependents: readonly T[]): ForegroundAction<T> {
  const blocking = blockingDependents(owner.metadata.uid ?? "", dependents);
  // Non-blocking dependents are deleted too (once the owner is gone), but nothing waits for them.
  if (blocking.length === 0) return { type: "removeFinalizer" };
  return { type: "wait", recheck: dependents.filter((d) => deletionState(d) === "live") };
}

/** A merge patch dropping the references to `uids`, pinned to the object's resourceVersion. */
export function removeOwnerReferencesPatch(obj: KubeObject, uids: readonly string[]): Record<string, unknown> {
  const drop = new Set(uids);
  const remaining = (obj.metadata.ownerReferences ?? []).filter((r) => !drop.has(r.uid));
  return { metadata: { ownerReferences: remaining.length ? remaining : null, resourceVersion: obj.metadata.resourceVersion } };
}

/** A merge patch clearing blockOwnerDeletion on every reference of the object. */
export function unblockOwnerReferencesPatch(obj: KubeObject): Record<string, unknown> | undefined {
  const refs = obj.metadata.ownerReferences ?? [];
  if (!refs.some((r) => r.blockOwnerDeletion)) return undefined;
  const next = refs.map((r) => (r.blockOwnerDeletion ? { ...r, blockOwnerDeletion: false } : r));
  return { metadata: { ownerReferences: next, resourceVersion: obj.metadata.resourceVersion } };
}

/** A merge patch removing one finalizer, pinned to the object's resourceVersion. */
export function removeFinalizerPatch(obj: KubeObject, finalizer: string): Record<string, unknown> | undefined {
  const finalizers = obj.metadata.finalizers ?? [];
  if (!finalizers.includes(finalizer)) return undefined;
  const remaining = finalizers.filter((f) => f !== finalizer);
  return { metadata: { finalizers: remaining.length ? remaining : null, resourceVersion: obj.metadata.resourceVersion } };
}

/** Do two objects' owner references differ (in owners or in blockOwnerDeletion)? */
export function ownerReferencesChanged(a: KubeObject, b: KubeObject): boolean {
  const ra = a.metadata.ownerReferences ?? [];
  const rb = b.metadata.ownerReferences ?? [];
  if (ra.length !== rb.length) return true;
  return ra.some((r, i) => r.uid !== rb[i]!.uid || !!r.blockOwnerDeletion !== !!rb[i]!.blockOwnerDeletion);
}

/**
 * Owners to look at again after a dependent changed: references that went away or stopped
 * blocking (an owner deleted in the foreground may now be free to go).
 */
export function unblockedOwners(before: KubeObject, after: KubeObject): string[] {
  const now = new Map((after.metadata.ownerReferences ?? []).map((r) => [r.uid, r]));
  return (before.metadata.ownerReferences ?? [])
    .filter((r) => r.blockOwnerDeletion && !now.get(r.uid)?.blockOwnerDeletion)
    .map((r) => r.uid);
}
