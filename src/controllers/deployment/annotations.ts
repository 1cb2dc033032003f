/**
 * Revisions and annotations of a Deployment's ReplicaSets (upstream's deployment util):
 * `deployment.kubernetes.io/revision` (and `revision-history` when an old ReplicaSet comes
 * back), the Deployment's own annotations copied onto its new ReplicaSet (so
 * `kubernetes.io/change-cause` travels with the revision), and the `desired-replicas` /
 * `max-replicas` pair that proportional scaling reads. Pure: functions change the copy
 * they are given.
 */
import type { Deployment } from "../../api/apps/v1/deployment.js";
import type { ReplicaSet } from "../../api/apps/v1/replicaset.js";
import type { KubeObject } from "../../machinery/object.js";
import { desiredReplicasAnnotation, maxReplicasAnnotation, maxSurge, specReplicas } from "./replicas.js";

export const revisionAnnotation = "deployment.kubernetes.io/revision";
export const revisionHistoryAnnotation = "deployment.kubernetes.io/revision-history";
/** The annotation apps/v1 keeps the removed spec.rollbackTo in (extensions/v1beta1's rollback). */
export const rollbackToAnnotation = "deprecated.deployment.rollback.to";
export const lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration";
export const podTemplateHashLabel = "pod-template-hash";
/** Upstream caps revision-history so that the annotation stays small. */
export const maxRevisionHistoryChars = 2000;

const skipped = new Set([
  lastAppliedAnnotation,
  revisionAnnotation,
  revisionHistoryAnnotation,
  desiredReplicasAnnotation,
  maxReplicasAnnotation,
  rollbackToAnnotation,
]);

/** Annotations that belong to the Deployment (or to one ReplicaSet) and are never copied. */
export function skipCopyAnnotation(key: string): boolean {
  return skipped.has(key);
}

/** The revision of an object; 0 without one; undefined when it is not a number. */
export function revisionOf(obj: KubeObject): number | undefined {
  const v = obj.metadata.annotations?.[revisionAnnotation];
  if (v === undefined) return 0;
  return /^[+-]?\d+$/.test(v) ? Number.parseInt(v, 10) : undefined;
}

/** MaxRevision: the highest revision among the ReplicaSets (unparsable ones are skipped). */
export function maxRevision(rss: ReplicaSet[]): number {
  let max = 0;
  for (const rs of rss) {
    const v = revisionOf(rs);
    if (v !== undefined && v > max) max = v;
  }
  return max;
}

/** ReplicaSetsByRevision: lower revision first; creation order breaks ties and unparsable ones. */
export function compareByRevision(a: ReplicaSet, b: ReplicaSet, byCreation: (a: ReplicaSet, b: ReplicaSet) => number): number {
  const ra = revisionOf(a);
  const rb = revisionOf(b);
  if (ra === undefined || rb === undefined || ra === rb) return byCreation(a, b);
  return ra - rb;
}

/** Copies the Deployment's annotations (minus the skipped ones) onto `rs`; whether anything changed. */
export function copyDeploymentAnnotations(d: Deployment, rs: ReplicaSet): boolean {
  let changed = false;
  const ann = (rs.metadata.annotations ??= {});
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    if (skipCopyAnnotation(k) || ann[k] === v) continue;
    ann[k] = v;
    changed = true;
  }
  return changed;
}

/** SetReplicasAnnotations: desired-replicas and max-replicas; whether anything changed. */
export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  const ann = (rs.metadata.annotations ??= {});
  let changed = false;
  if (ann[desiredReplicasAnnotation] !== String(desired)) {
    ann[desiredReplicasAnnotation] = String(desired);
    changed = true;
  }
  if (ann[maxReplicasAnnotation] !== String(max)) {
    ann[maxReplicasAnnotation] = String(max);
    changed = true;
  }
  return changed;
}

export function replicasAnnotationsNeedUpdate(rs: ReplicaSet, desired: number, max: number): boolean {
  const ann = rs.metadata.annotations;
  return !ann || ann[desiredReplicasAnnotation] !== String(desired) || ann[maxReplicasAnnotation] !== String(max);
}

/**
 * SetNewReplicaSetAnnotations: copy the Deployment's annotations, raise the revision to
 * `newRevision` when it is lower (recording the old one in revision-history: a template that
 * comes back keeps a trace of the revisions it served), and on a ReplicaSet about to be
 * created, the replicas annotations. Whether anything changed.
 */
export function setNewReplicaSetAnnotations(d: Deployment, rs: ReplicaSet, newRevision: number, exists: boolean): boolean {
  let changed = copyDeploymentAnnotations(d, rs);
  const ann = (rs.metadata.annotations ??= {});
  const had = Object.prototype.hasOwnProperty.call(ann, revisionAnnotation);
  const oldText = ann[revisionAnnotation] ?? "";
  let oldRevision = 0;
  if (oldText !== "") {
    if (!/^[+-]?\d+$/.test(oldText)) return false;
    oldRevision = Number.parseInt(oldText, 10);
  }
  if (oldRevision < newRevision) {
    ann[revisionAnnotation] = String(newRevision);
    changed = true;
    if (had) {
      const history = ann[revisionHistoryAnnotation] ?? "";
      if (history === "") {
        ann[revisionHistoryAnnotation] = oldText;
      } else {
        const parts = history.split(",");
        let total = history.length + oldText.length + 1;
        let start = 0;
        while (total > maxRevisionHistoryChars && start < parts.length) {
          total -= parts[start]!.length + 1;
          start++;
        }
        if (total <= maxRevisionHistoryChars) ann[revisionHistoryAnnotation] = [...parts.slice(start), oldText].join(",");
      }
    }
  }
  if (!exists && setReplicasAnnotations(rs, specReplicas(d), specReplicas(d) + maxSurge(d))) changed = true;
  return changed;
}

/** SetDeploymentRevision: whether the Deployment's revision annotation changed. */
export function setDeploymentRevision(d: Deployment, revision: string): boolean {
  const ann = (d.metadata.annotations ??= {});
  if (ann[revisionAnnotation] === revision) return false;
  ann[revisionAnnotation] = revision;
  return true;
}

/**
 * SetDeploymentAnnotationsTo (the server-side rollback): the Deployment takes the
 * ReplicaSet's copyable annotations, keeping only its own skipped ones.
 */
export function setDeploymentAnnotationsTo(d: Deployment, rs: ReplicaSet): void {
  const next: Record<string, string> = {};
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) if (skipCopyAnnotation(k)) next[k] = v;
  for (const [k, v] of Object.entries(rs.metadata.annotations ?? {})) if (!skipCopyAnnotation(k)) next[k] = v;
  d.metadata.annotations = next;
}
