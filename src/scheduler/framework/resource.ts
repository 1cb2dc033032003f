/**
 * Resource arithmetic in the scheduler's units (milli-CPU, bytes, counts), and the pod's
 * effective request as upstream's PodRequests computes it: the sum of the app containers and
 * the sidecars (restartable init containers), against the largest init container (plus the
 * sidecars started before it), plus the pod overhead.
 */
import { parseQuantity } from "../../api/core/v1/quantity.js";
import type { Pod } from "./types.js";

type ResourceList = Record<string, unknown> | undefined;

/** Upstream's schedutil defaults for containers that request no CPU / memory (used in scoring only). */
export const defaultMilliCPURequest = 100;
export const defaultMemoryRequest = 200 * 1024 * 1024;

const milliCache = new Map<string, number>();
const valueCache = new Map<string, number>();

/** Quantity.MilliValue(): rounded up to a whole milli-unit. */
export function milliValue(q: unknown): number {
  const key = String(q);
  let v = milliCache.get(key);
  if (v === undefined) {
    const p = parseQuantity(q);
    v = p ? Number(ceilDiv(p.nano, 1_000_000n)) : 0;
    if (milliCache.size < 10_000) milliCache.set(key, v);
  }
  return v;
}

/** Quantity.Value(): rounded up to a whole unit. */
export function quantityValue(q: unknown): number {
  const key = String(q);
  let v = valueCache.get(key);
  if (v === undefined) {
    const p = parseQuantity(q);
    v = p ? Number(ceilDiv(p.nano, 1_000_000_000n)) : 0;
    if (valueCache.size < 10_000) valueCache.set(key, v);
  }
  return v;
}

function ceilDiv(n: bigint, d: bigint): bigint {
  const q = n / d;
  return q * d === n || n < 0n ? q : q + 1n;
}

/** A set of resource amounts: cpu in milli-units, the rest in whole units. */
export class Resource {
  milliCPU = 0;
  memory = 0;
  ephemeralStorage = 0;
  allowedPodNumber = 0;
  /** Extended resources, hugepages and anything else named. */
  scalar: Map<string, number> | undefined;

  static fromList(list: ResourceList): Resource {
    const r = new Resource();
    if (list) for (const [name, q] of Object.entries(list)) r.set(name, name === "cpu" ? milliValue(q) : quantityValue(q));
    return r;
  }

  get(name: string): number {
    switch (name) {
      case "cpu": return this.milliCPU;
      case "memory": return this.memory;
      case "ephemeral-storage": return this.ephemeralStorage;
      case "pods": return this.allowedPodNumber;
      default: return this.scalar?.get(name) ?? 0;
    }
  }

  set(name: string, v: number): void {
    switch (name) {
      case "cpu": this.milliCPU = v; break;
      case "memory": this.memory = v; break;
      case "ephemeral-storage": this.ephemeralStorage = v; break;
      case "pods": this.allowedPodNumber = v; break;
      default: (this.scalar ??= new Map()).set(name, v);
    }
  }

  add(o: Resource): this {
    this.milliCPU += o.milliCPU;
    this.memory += o.memory;
    this.ephemeralStorage += o.ephemeralStorage;
    this.allowedPodNumber += o.allowedPodNumber;
    if (o.scalar) for (const [k, v] of o.scalar) this.set(k, this.get(k) + v);
    return this;
  }

  sub(o: Resource): this {
    this.milliCPU -= o.milliCPU;
    this.memory -= o.memory;
    this.ephemeralStorage -= o.ephemeralStorage;
    this.allowedPodNumber -= o.allowedPodNumber;
    if (o.scalar) for (const [k, v] of o.scalar) this.set(k, this.get(k) - v);
    return this;
  }

  /** Each amount becomes the larger of the two. */
  max(o: Resource): this {
    this.milliCPU = Math.max(this.milliCPU, o.milliCPU);
    this.memory = Math.max(this.memory, o.memory);
    this.ephemeralStorage = Math.max(this.ephemeralStorage, o.ephemeralStorage);
    this.allowedPodNumber = Math.max(this.allowedPodNumber, o.allowedPodNumber);
    if (o.scalar) for (const [k, v] of o.scalar) this.set(k, Math.max(this.get(k), v));
    return this;
  }

  clone(): Resource {
    const r = new Resource();
    r.milliCPU = this.milliCPU;
    r.memory = this.memory;
    r.ephemeralStorage = this.ephemeralStorage;
    r.allowedPodNumber = this.allowedPodNumber;
    if (this.scalar) r.scalar = new Map(this.scalar);
    return r;
  }

  isZero(): boolean {
    if (this.milliCPU || this.memory || this.ephemeralStorage) return false;
    if (this.scalar) for (const v of this.scalar.values()) if (v) return false;
    return true;
  }
}

interface ContainerLike {
  resources?: { requests?: ResourceList };
  restartPolicy?: string;
}

/** Fills in defaults for the resources a container leaves out (NonMissingContainerRequests). */
function containerRequests(c: ContainerLike, nonMissing: boolean): Resource {
  const r = Resource.fromList(c.resources?.requests);
  if (nonMissing) {
    const req = c.resources?.requests;
    if (!req || !("cpu" in req)) r.milliCPU = defaultMilliCPURequest;
    if (!req || !("memory" in req)) r.memory = defaultMemoryRequest;
  }
  return r;
}

/**
 * The pod's effective request (upstream's resourcehelper.PodRequests). With `nonMissing`,
 * containers without a cpu/memory request count the scheduler's defaults, as scoring does.
 */
export function podRequests(pod: Pod, nonMissing = false): Resource {
  const spec = pod.spec;
  const reqs = new Resource();
  if (!spec) return reqs;
  for (const c of spec.containers ?? []) reqs.add(containerRequests(c, nonMissing));
  const sidecars = new Resource();
  const initMax = new Resource();
  for (const c of spec.initContainers ?? []) {
    const r = containerRequests(c, nonMissing);
    if (c.restartPolicy === "Always") {
      // A sidecar keeps running: it adds to the pod's steady state and to every later init step.
      reqs.add(r);
      sidecars.add(r);
      initMax.max(sidecars);
    } else {
      initMax.max(r.add(sidecars));
    }
  }
  reqs.max(initMax);
  if (spec.overhead) reqs.add(Resource.fromList(spec.overhead as ResourceList));
  return reqs;
}
