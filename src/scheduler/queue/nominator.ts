/**
 * Pods nominated to a node by preemption (status.nominatedNodeName, or the scheduler's own
 * decision before that status write lands). Filters count them on their node so that other
 * pods of lower priority do not take the room freed for them.
 */
import type { Nominator } from "../framework/interfaces.js";
import type { PodInfo } from "../framework/pod-info.js";

export class PodNominator implements Nominator {
  private readonly byNode = new Map<string, PodInfo[]>();
  private readonly nodeOf = new Map<string, string>();

  /** Nominates `pi` to `nodeName` (default: its status.nominatedNodeName); "" clears it. */
  add(pi: PodInfo, nodeName?: string): void {
    this.delete(pi.uid);
    const node = nodeName ?? pi.pod.status?.nominatedNodeName ?? "";
    if (!node || pi.pod.spec?.nodeName) return;
    this.nodeOf.set(pi.uid, node);
    let list = this.byNode.get(node);
    if (!list) this.byNode.set(node, (list = []));
    list.push(pi);
  }

  delete(uid: string): void {
    const node = this.nodeOf.get(uid);
    if (node === undefined) return;
    this.nodeOf.delete(uid);
    const list = this.byNode.get(node);
    if (!list) return;
    const i = list.findIndex((p) => p.uid === uid);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.byNode.delete(node);
  }

  /**
   * A newer version of a pod. When neither version carries a nominated node but the scheduler
   * nominated one (its status write not yet seen), the nomination is kept.
   */
  update(oldPi: PodInfo, newPi: PodInfo): void {
    let node: string | undefined;
    if (!oldPi.pod.status?.nominatedNodeName && !newPi.pod.status?.nominatedNodeName) node = this.nodeOf.get(oldPi.uid);
    this.delete(oldPi.uid);
    this.add(newPi, node);
  }

  nominatedNodeOf(uid: string): string | undefined {
    return this.nodeOf.get(uid);
  }

  nominatedPodsForNode(nodeName: string): readonly PodInfo[] {
    return this.byNode.get(nodeName) ?? [];
  }

  get size(): number {
    return this.nodeOf.size;
  }
}
