/**
 * The scheduler cache: every node with the pods bound or assumed on it. Assumed pods (a
 * decision made, the binding not yet acknowledged) count like bound ones, so the next pod
 * sees their resources taken; `forgetPod` undoes an assumption whose binding failed, and the
 * informer's add confirms it.
 *
 * The cache is also the snapshot plugins read (SharedLister): scheduling cycles run
 * synchronously between informer events, so no copy is needed; `updateSnapshot` only
 * rebuilds the node lists when nodes or affinity pods came or went.
 */
import type { SharedLister } from "../framework/interfaces.js";
import { NodeInfo } from "../framework/node-info.js";
import { PodInfo, specPriority, type PriorityResolver } from "../framework/pod-info.js";
import { isTerminal, podUid, type Node, type Pod } from "../framework/types.js";

/** An unordered list with O(1) add and remove (swap with the last). */
class NodeSet {
  readonly items: NodeInfo[] = [];
  private readonly index = new Map<NodeInfo, number>();

  add(ni: NodeInfo): void {
    if (this.index.has(ni)) return;
    this.index.set(ni, this.items.length);
    this.items.push(ni);
  }

  delete(ni: NodeInfo): void {
    const i = this.index.get(ni);
    if (i === undefined) return;
    const last = this.items.pop()!;
    this.index.delete(ni);
    if (last !== ni) {
      this.items[i] = last;
      this.index.set(last, i);
    }
  }
}

interface PodState {
  pi: PodInfo;
  assumed: boolean;
  bindingFinished: boolean;
}

export class Cache implements SharedLister {
  private readonly nodes = new Map<string, NodeInfo>();
  private readonly podStates = new Map<string, PodState>();
  /** Image name → nodes that have it. */
  private readonly imageNodes = new Map<string, Set<string>>();
  private nodeList: NodeInfo[] = [];
  /** Nodes (with a Node object) that hold pods with affinity / required anti-affinity. */
  private readonly withAffinity = new NodeSet();
  private readonly withAntiAffinity = new NodeSet();
  private listDirty = true;

  constructor(private readonly priorityOf: PriorityResolver = specPriority) {}

  // Nodes.

  addNode(node: Node): void {
    const name = node.metadata.name ?? "";
    let ni = this.nodes.get(name);
    if (ni?.node) this.removeImages(ni);
    if (!ni) this.nodes.set(name, (ni = new NodeInfo(name)));
    ni.setNode(node);
    this.addImages(ni);
    this.trackAffinity(ni);
    this.listDirty = true;
  }

  updateNode(node: Node): void {
    const ni = this.nodes.get(node.metadata.name ?? "");
    if (!ni?.node) return this.addNode(node);
    this.removeImages(ni);
    ni.setNode(node);
    this.addImages(ni);
  }

  removeNode(name: string): void {
    const ni = this.nodes.get(name);
    if (!ni) return;
    if (ni.node) this.removeImages(ni);
    // Pods still on it keep a node-less NodeInfo until they are removed too.
    if (ni.pods.length === 0) this.nodes.delete(name);
    else ni.node = undefined;
    this.trackAffinity(ni);
    this.listDirty = true;
  }

  /** Keeps the affinity lists in step with one node. */
  private trackAffinity(ni: NodeInfo): void {
    if (ni.node && ni.podsWithAffinity.length > 0) this.withAffinity.add(ni);
    else this.withAffinity.delete(ni);
    if (ni.node && ni.podsWithRequiredAntiAffinity.length > 0) this.withAntiAffinity.add(ni);
    else this.withAntiAffinity.delete(ni);
  }

  private addImages(ni: NodeInfo): void {
    for (const img of ni.imageSizes.keys()) {
      let s = this.imageNodes.get(img);
      if (!s) this.imageNodes.set(img, (s = new Set()));
      s.add(ni.name);
    }
  }

  private removeImages(ni: NodeInfo): void {
    for (const img of ni.imageSizes.keys()) {
      const s = this.imageNodes.get(img);
      s?.delete(ni.name);
      if (s?.size === 0) this.imageNodes.delete(img);
    }
  }

  // Pods.

  /** The scheduler decided: the pod counts on its node until bound or forgotten. */
  assumePod(pi: PodInfo): void {
    if (this.podStates.has(pi.uid)) throw new Error(`pod ${pi.key} (${pi.uid}) is in the cache, so can't be assumed`);
    this.addToNode(pi);
    this.podStates.set(pi.uid, { pi, assumed: true, bindingFinished: false });
  }

  finishBinding(pi: PodInfo): void {
    const st = this.podStates.get(pi.uid);
    if (st?.assumed) st.bindingFinished = true;
  }

  /** Undoes an assumption (the binding failed). */
  forgetPod(pi: PodInfo): void {
    const st = this.podStates.get(pi.uid);
    if (!st) return;
    if (!st.assumed) throw new Error(`only assumed pod can be forgotten, pod ${pi.key} is not assumed`);
    this.removeFromNode(st.pi);
    this.podStates.delete(pi.uid);
  }

  isAssumed(uid: string): boolean {
    return this.podStates.get(uid)?.assumed ?? false;
  }

  getPod(uid: string): PodInfo | undefined {
    return this.podStates.get(uid)?.pi;
  }

  /** An assigned pod seen by the informer (confirms an assumed one). */
  addPod(pod: Pod): void {
    if (isTerminal(pod)) return this.removePod(pod);
    const uid = podUid(pod);
    const st = this.podStates.get(uid);
    const pi = new PodInfo(pod, this.priorityOf(pod));
    if (st) {
      this.removeFromNode(st.pi);
      st.pi = pi;
      st.assumed = false;
      this.addToNode(pi);
      return;
    }
    this.addToNode(pi);
    this.podStates.set(uid, { pi, assumed: false, bindingFinished: false });
  }

  updatePod(_old: Pod, pod: Pod): void {
    this.addPod(pod);
  }

  removePod(pod: Pod): void {
    const uid = podUid(pod);
    const st = this.podStates.get(uid);
    if (!st) return;
    this.removeFromNode(st.pi);
    this.podStates.delete(uid);
  }

  private addToNode(pi: PodInfo): void {
    const name = pi.pod.spec?.nodeName ?? "";
    let ni = this.nodes.get(name);
    if (!ni) this.nodes.set(name, (ni = new NodeInfo(name)));
    ni.addPodInfo(pi);
    if (pi.hasAffinity) this.trackAffinity(ni);
  }

  private removeFromNode(pi: PodInfo): void {
    const name = pi.pod.spec?.nodeName ?? "";
    const ni = this.nodes.get(name);
    if (!ni) return;
    ni.removePod(pi.uid);
    if (pi.hasAffinity) this.trackAffinity(ni);
    if (!ni.node && ni.pods.length === 0) this.nodes.delete(name);
  }

  // Snapshot (SharedLister).

  /** Brings the node lists up to date; call at the start of each scheduling cycle. */
  updateSnapshot(): this {
    if (this.listDirty) {
      this.nodeList = [...this.nodes.values()].filter((n) => n.node !== undefined);
      this.listDirty = false;
    }
    return this;
  }

  list(): readonly NodeInfo[] {
    return this.nodeList;
  }

  get(name: string): NodeInfo | undefined {
    const ni = this.nodes.get(name);
    return ni?.node ? ni : undefined;
  }

  havePodsWithAffinityList(): readonly NodeInfo[] {
    return this.withAffinity.items;
  }

  havePodsWithRequiredAntiAffinityList(): readonly NodeInfo[] {
    return this.withAntiAffinity.items;
  }

  imageNumNodes(image: string): number {
    return this.imageNodes.get(image)?.size ?? 0;
  }

  get nodeCount(): number {
    return this.updateSnapshot().nodeList.length;
  }

  get podCount(): number {
    return this.podStates.size;
  }

  get assumedCount(): number {
    let n = 0;
    for (const st of this.podStates.values()) if (st.assumed) n++;
    return n;
  }
}

/** A snapshot of hand-made nodes and pods (for tests and tools). */
export function snapshotOf(nodes: readonly Node[], pods: readonly Pod[] = [], priorityOf?: PriorityResolver): Cache {
  const c = new Cache(priorityOf);
  for (const n of nodes) c.addNode(n);
  for (const p of pods) if (p.spec?.nodeName) c.addPod(p);
  return c.updateSnapshot();
}
