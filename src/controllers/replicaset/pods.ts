/**
 * Pod predicates the replica controllers share (upstream's pkg/api/v1/pod and
 * pkg/controller helpers): active, ready, available, and the pod a template stamps out.
 * Pure functions over plain objects; no I/O.
 */
import type { PodTemplateSpec } from "kubernetes-types/core/v1.js";
import type { PodObj } from "../../api/core/v1/pod-printer.js";
import { deepCopy, type KubeObject, type OwnerReference } from "../../machinery/object.js";

export type { PodObj };

/** IsPodActive: not Succeeded, not Failed, not being deleted. */
export function isPodActive(pod: PodObj): boolean {
  const phase = pod.status?.phase;
  return phase !== "Succeeded" && phase !== "Failed" && !pod.metadata.deletionTimestamp;
}

function readyCondition(pod: PodObj): { status?: string; lastTransitionTime?: string } | undefined {
  return pod.status?.conditions?.find((c) => c.type === "Ready");
}

export function isPodReady(pod: PodObj): boolean {
  return readyCondition(pod)?.status === "True";
}

/** When the pod became Ready (ms since epoch), 0 when it is not ready or the time is unknown. */
export function podReadyTime(pod: PodObj): number {
  const c = readyCondition(pod);
  if (c?.status !== "True" || !c.lastTransitionTime) return 0;
  const t = Date.parse(c.lastTransitionTime);
  return Number.isNaN(t) ? 0 : t;
}

/**
 * IsPodAvailable: ready, and ready for longer than minReadySeconds (strictly, as upstream's
 * `Before(now)`). A ready pod without a transition time is available only when
 * minReadySeconds is 0.
 */
export function isPodAvailable(pod: PodObj, minReadySeconds: number, now: number): boolean {
  if (!isPodReady(pod)) return false;
  if (minReadySeconds <= 0) return true;
  const since = podReadyTime(pod);
  return since > 0 && since + minReadySeconds * 1000 < now;
}

/**
 * How long until a ready but not yet available pod becomes available, or undefined when it
 * never will by waiting (not ready, no transition time) or already is.
 */
export function msUntilAvailable(pod: PodObj, minReadySeconds: number, now: number): number | undefined {
  if (minReadySeconds <= 0 || !isPodReady(pod)) return undefined;
  const since = podReadyTime(pod);
  if (since === 0) return undefined;
  const left = since + minReadySeconds * 1000 - now;
  return left >= 0 ? left : undefined;
}

/** The generateName of an owner's pods: `<owner>-`. */
export function podNamePrefix(ownerName: string): string {
  return `${ownerName}-`;
}

/**
 * GetPodFromTemplate: labels, annotations and finalizers of the template, its spec, the
 * controller reference and generateName `<owner>-`.
 */
export function podFromTemplate(template: PodTemplateSpec, owner: KubeObject, ref: OwnerReference): PodObj {
  const meta = template.metadata ?? {};
  const pod: PodObj = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      generateName: podNamePrefix(owner.metadata.name ?? ""),
      namespace: owner.metadata.namespace,
      ownerReferences: [ref],
    },
    spec: deepCopy(template.spec ?? { containers: [] }),
  };
  if (meta.labels && Object.keys(meta.labels).length) pod.metadata.labels = { ...meta.labels };
  if (meta.annotations && Object.keys(meta.annotations).length) pod.metadata.annotations = { ...meta.annotations };
  if (meta.finalizers?.length) pod.metadata.finalizers = [...meta.finalizers];
  return pod;
}
