/**
 * Informer events → scheduler state: assigned pods go to the cache, pending pods of this
 * scheduler to the queue, and changes that could make a parked pod schedulable become
 * cluster events (node added, its allocatable, labels, taints or conditions changed; an
 * assigned pod added, relabelled, scaled down or deleted; claims changed).
 */
import type { Cache } from "./cache/cache.js";
import { ActionType, type ClusterEvent } from "./framework/interfaces.js";
import type { KubeObject } from "../machinery/object.js";
import { isAssigned, isTerminal, podUid, type Node, type Pod } from "./framework/types.js";
import type { SchedulingQueue } from "./queue/scheduling-queue.js";

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** The ActionType bits of a node update (0: nothing the scheduler cares about). */
export function nodeUpdateAction(o: Node, n: Node): number {
  let a = 0;
  if (!same(o.status?.allocatable, n.status?.allocatable)) a |= ActionType.UpdateNodeAllocatable;
  if (!same(o.metadata.labels, n.metadata.labels)) a |= ActionType.UpdateNodeLabel;
  if (!same(o.spec?.taints, n.spec?.taints) || !!o.spec?.unschedulable !== !!n.spec?.unschedulable) a |= ActionType.UpdateNodeTaint;
  const conds = (x: Node): unknown => (x.status?.conditions ?? []).map((c) => [c.type, c.status]);
  if (!same(conds(o), conds(n))) a |= ActionType.UpdateNodeCondition;
  return a;
}

/** The ActionType bits of an update to an assigned pod. */
export function podUpdateAction(o: Pod, n: Pod): number {
  let a = 0;
  if (!same(o.metadata.labels, n.metadata.labels)) a |= ActionType.UpdatePodLabel;
  const res = (p: Pod): unknown => (p.spec?.containers ?? []).map((c) => c.resources?.requests);
  if (!same(res(o), res(n))) a |= ActionType.UpdatePodScaleDown;
  return a;
}

const ev = (resource: ClusterEvent["resource"], action: number, label: string): ClusterEvent => ({ resource, action, label });
const nodeAdd = ev("Node", ActionType.Add, "NodeAdd");
const nodeDelete = ev("Node", ActionType.Delete, "NodeDelete");
const assignedPodAdd = ev("Pod", ActionType.Add, "AssignedPodAdd");
const assignedPodDelete = ev("Pod", ActionType.Delete, "AssignedPodDelete");

export interface HandlerDeps {
  cache: Cache;
  queue: SchedulingQueue;
  /** Whether this scheduler owns pods with this spec.schedulerName. */
  responsibleFor(pod: Pod): boolean;
}

export function nodeHandlers({ cache, queue }: HandlerDeps) {
  return {
    onAdd(n: Node): void {
      cache.addNode(n);
      queue.moveAllToActiveOrBackoffQueue(nodeAdd, undefined, n);
    },
    onUpdate(o: Node, n: Node): void {
      cache.updateNode(n);
      const a = nodeUpdateAction(o, n);
      if (a) queue.moveAllToActiveOrBackoffQueue(ev("Node", a, "NodeUpdate"), o, n);
    },
    onDelete(n: Node): void {
      cache.removeNode(n.metadata.name ?? "");
      queue.moveAllToActiveOrBackoffQueue(nodeDelete, n, undefined);
    },
  };
}

export function podHandlers({ cache, queue, responsibleFor }: HandlerDeps) {
  const pending = (p: Pod): boolean => !isAssigned(p) && responsibleFor(p) && !isTerminal(p);
  const assignedGone = (p: Pod): void => {
    cache.removePod(p);
    queue.moveAllToActiveOrBackoffQueue(assignedPodDelete, p, undefined);
  };
  return {
    onAdd(p: Pod): void {
      if (isAssigned(p)) {
        if (isTerminal(p)) return;
        cache.addPod(p);
        queue.moveAllToActiveOrBackoffQueue(assignedPodAdd, undefined, p);
      } else if (pending(p)) queue.add(p);
    },
    onUpdate(o: Pod, n: Pod): void {
      if (isAssigned(n)) {
        if (!isAssigned(o)) queue.delete(o);
        if (isTerminal(n)) {
          if (!isTerminal(o) || !isAssigned(o)) assignedGone(n);
          return;
        }
        cache.addPod(n);
        if (!isAssigned(o)) queue.moveAllToActiveOrBackoffQueue(assignedPodAdd, undefined, n);
        else {
          const a = podUpdateAction(o, n);
          if (a) queue.moveAllToActiveOrBackoffQueue(ev("Pod", a, "AssignedPodUpdate"), o, n);
        }
        return;
      }
      // Still pending: while it is being bound, the cycle in flight owns it.
      if (cache.isAssumed(podUid(n))) return;
      if (pending(n)) queue.update(o, n);
      else queue.delete(n);
    },
    onDelete(p: Pod): void {
      if (isAssigned(p)) assignedGone(p);
      else queue.delete(p);
    },
  };
}

export function pvcHandlers({ queue }: HandlerDeps) {
  return {
    onAdd: (c: KubeObject): void => queue.moveAllToActiveOrBackoffQueue(ev("PersistentVolumeClaim", ActionType.Add, "PvcAdd"), undefined, c),
    onUpdate: (o: KubeObject, c: KubeObject): void => queue.moveAllToActiveOrBackoffQueue(ev("PersistentVolumeClaim", ActionType.UpdateOther, "PvcUpdate"), o, c),
    onDelete: (c: KubeObject): void => queue.moveAllToActiveOrBackoffQueue(ev("PersistentVolumeClaim", ActionType.Delete, "PvcDelete"), c, undefined),
  };
}
