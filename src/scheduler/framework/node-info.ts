/**
 * NodeInfo: one node with the pods the scheduler believes are on it (bound or assumed) and
 * the aggregates plugins read: requested resources, host ports in use, pods with affinity.
 */
import { PodInfo, type HostPort } from "./pod-info.js";
import { Resource } from "./resource.js";
import type { Node } from "./types.js";

/** Host ports in use: `protocol/port` → IP → number of users. */
export class HostPortInfo {
  private readonly byPort = new Map<string, Map<string, number>>();

  add(p: HostPort): void {
    const k = `${p.protocol}/${p.port}`;
    let ips = this.byPort.get(k);
    if (!ips) this.byPort.set(k, (ips = new Map()));
    ips.set(p.ip, (ips.get(p.ip) ?? 0) + 1);
  }

  remove(p: HostPort): void {
    const k = `${p.protocol}/${p.port}`;
    const ips = this.byPort.get(k);
    const n = ips?.get(p.ip);
    if (!ips || n === undefined) return;
    if (n > 1) ips.set(p.ip, n - 1);
    else {
      ips.delete(p.ip);
      if (ips.size === 0) this.byPort.delete(k);
    }
  }

  /** 0.0.0.0 conflicts with any IP on the same protocol/port; other IPs with themselves and 0.0.0.0. */
  conflicts(p: HostPort): boolean {
    if (p.port <= 0) return false;
    const ips = this.byPort.get(`${p.protocol}/${p.port}`);
    if (!ips) return false;
    if (p.ip === "0.0.0.0") return ips.size > 0;
    return ips.has("0.0.0.0") || ips.has(p.ip);
  }

  get size(): number {
    return this.byPort.size;
  }

  clone(): HostPortInfo {
    const c = new HostPortInfo();
    for (const [k, ips] of this.byPort) c.byPort.set(k, new Map(ips));
    return c;
  }
}

/** An image name as the node reports it, with `:latest` added when it carries no tag or digest. */
export function normalizedImageName(name: string): string {
  const slash = name.lastIndexOf("/");
  const last = name.slice(slash + 1);
  return last.includes(":") || last.includes("@") ? name : `${name}:latest`;
}

export class NodeInfo {
  node: Node | undefined;
  readonly pods: PodInfo[] = [];
  readonly podsWithAffinity: PodInfo[] = [];
  readonly podsWithRequiredAntiAffinity: PodInfo[] = [];
  usedPorts = new HostPortInfo();
  requested = new Resource();
  /** Requested with the scheduler's defaults for pods that request no cpu/memory. */
  nonZeroCPU = 0;
  nonZeroMemory = 0;
  allocatable = new Resource();
  /** Image name → size in bytes, from node.status.images. */
  imageSizes = new Map<string, number>();
  /** Bumped on every change; the cache uses it to know what changed. */
  generation = 0;

  constructor(readonly name: string, node?: Node) {
    if (node) this.setNode(node);
  }

  setNode(node: Node): void {
    this.node = node;
    this.allocatable = Resource.fromList(node.status?.allocatable as Record<string, unknown> | undefined);
    this.imageSizes = new Map();
    for (const img of node.status?.images ?? []) {
      for (const n of img.names ?? []) this.imageSizes.set(normalizedImageName(n), img.sizeBytes ?? 0);
    }
    this.generation++;
  }

  addPodInfo(pi: PodInfo): void {
    this.pods.push(pi);
    if (pi.hasAffinity) this.podsWithAffinity.push(pi);
    if (pi.hasRequiredAntiAffinity) this.podsWithRequiredAntiAffinity.push(pi);
    this.requested.add(pi.requests);
    this.nonZeroCPU += pi.nonZeroCPU;
    this.nonZeroMemory += pi.nonZeroMemory;
    for (const p of pi.hostPorts) this.usedPorts.add(p);
    this.generation++;
  }

  /** Removes the pod with this UID; false when it was not here. */
  removePod(uid: string): boolean {
    const i = this.pods.findIndex((p) => p.uid === uid);
    if (i < 0) return false;
    const pi = this.pods[i]!;
    this.pods.splice(i, 1);
    removeFrom(this.podsWithAffinity, uid);
    removeFrom(this.podsWithRequiredAntiAffinity, uid);
    this.requested.sub(pi.requests);
    this.nonZeroCPU -= pi.nonZeroCPU;
    this.nonZeroMemory -= pi.nonZeroMemory;
    for (const p of pi.hostPorts) this.usedPorts.remove(p);
    this.generation++;
    return true;
  }

  hasPod(uid: string): boolean {
    return this.pods.some((p) => p.uid === uid);
  }

  /** An independent copy (preemption and nominated pods change copies, never the cache's). */
  clone(): NodeInfo {
    const c = new NodeInfo(this.name);
    c.node = this.node;
    c.pods.push(...this.pods);
    c.podsWithAffinity.push(...this.podsWithAffinity);
    c.podsWithRequiredAntiAffinity.push(...this.podsWithRequiredAntiAffinity);
    c.usedPorts = this.usedPorts.clone();
    c.requested = this.requested.clone();
    c.nonZeroCPU = this.nonZeroCPU;
    c.nonZeroMemory = this.nonZeroMemory;
    c.allocatable = this.allocatable;
    c.imageSizes = this.imageSizes;
    c.generation = this.generation;
    return c;
  }
}

function removeFrom(list: PodInfo[], uid: string): void {
  const i = list.findIndex((p) => p.uid === uid);
  if (i >= 0) list.splice(i, 1);
}
