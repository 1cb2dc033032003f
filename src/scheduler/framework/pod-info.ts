/**
 * PodInfo: a pod with what every plugin would otherwise recompute (effective requests, host
 * ports, compiled affinity terms, priority), built once when the pod enters the scheduler.
 */
import type { PodAffinityTerm, WeightedPodAffinityTerm } from "kubernetes-types/core/v1.js";
import { LabelSelector, labelSelectorFromObject, type LabelSelectorObject } from "../../machinery/selectors/index.js";
import { podRequests, Resource } from "./resource.js";
import { podKey, podUid, type Pod } from "./types.js";

/** A compiled PodAffinityTerm (upstream's framework.AffinityTerm). */
export class AffinityTerm {
  /**
   * @param nsSelector the namespaceSelector; `undefined` selects no namespace (only
   *   `namespaces` count), an empty selector selects every namespace.
   */
  constructor(
    readonly namespaces: ReadonlySet<string>,
    readonly nsSelector: LabelSelector | undefined,
    readonly selector: LabelSelector,
    readonly topologyKey: string,
  ) {}

  /** Whether `pod` is selected by this term; `nsLabels` are the labels of the pod's namespace. */
  matches(pod: Pod, nsLabels?: Record<string, string>): boolean {
    if (!this.namespaces.has(pod.metadata.namespace ?? "") && !this.nsSelector?.matches(nsLabels ?? {})) return false;
    return this.selector.matches(pod.metadata.labels);
  }

  /** A selector that needs the namespaces' labels (neither absent nor "all"). */
  get hasNamespaceSelector(): boolean {
    return this.nsSelector !== undefined && !this.nsSelector.empty;
  }

  /** The same term with its namespace selector resolved into the namespace set. */
  withNamespaces(extra: Iterable<string>): AffinityTerm {
    return new AffinityTerm(new Set([...this.namespaces, ...extra]), undefined, this.selector, this.topologyKey);
  }
}

export interface WeightedAffinityTerm {
  weight: number;
  term: AffinityTerm;
}

export interface HostPort {
  ip: string;
  protocol: string;
  port: number;
}

function safeSelector(o: LabelSelectorObject | null | undefined): LabelSelector {
  try {
    return labelSelectorFromObject(o);
  } catch {
    // Upstream ignores affinity terms the API server let through but that do not parse.
    return LabelSelector.nothing();
  }
}

function compileTerm(pod: Pod, t: PodAffinityTerm): AffinityTerm {
  const namespaces = new Set(t.namespaces ?? []);
  if (namespaces.size === 0 && !t.namespaceSelector) namespaces.add(pod.metadata.namespace ?? "");
  let sel: LabelSelectorObject | undefined = t.labelSelector;
  // matchLabelKeys / mismatchLabelKeys: merged with the incoming pod's label values.
  const labels = pod.metadata.labels ?? {};
  const extra = [
    ...(t.matchLabelKeys ?? []).filter((k) => k in labels).map((k) => ({ key: k, operator: "In", values: [labels[k]!] })),
    ...(t.mismatchLabelKeys ?? []).filter((k) => k in labels).map((k) => ({ key: k, operator: "NotIn", values: [labels[k]!] })),
  ];
  if (sel && extra.length) sel = { ...sel, matchExpressions: [...(sel.matchExpressions ?? []), ...extra] };
  const nsSel = t.namespaceSelector ? safeSelector(t.namespaceSelector) : undefined;
  return new AffinityTerm(namespaces, nsSel, safeSelector(sel), t.topologyKey);
}

function compileWeighted(pod: Pod, ts: readonly WeightedPodAffinityTerm[] | undefined): WeightedAffinityTerm[] {
  return (ts ?? []).filter((t) => t.weight).map((t) => ({ weight: t.weight, term: compileTerm(pod, t.podAffinityTerm) }));
}

export type PriorityResolver = (pod: Pod) => number;

export const specPriority: PriorityResolver = (pod) => pod.spec?.priority ?? 0;

export class PodInfo {
  readonly uid: string;
  readonly key: string;
  /** The pod's effective request, with init containers, sidecars and overhead. */
  readonly requests: Resource;
  /** Requests with the scheduler's defaults for missing cpu/memory (for scoring). */
  readonly nonZeroCPU: number;
  readonly nonZeroMemory: number;
  readonly requiredAffinityTerms: readonly AffinityTerm[];
  readonly requiredAntiAffinityTerms: readonly AffinityTerm[];
  readonly preferredAffinityTerms: readonly WeightedAffinityTerm[];
  readonly preferredAntiAffinityTerms: readonly WeightedAffinityTerm[];
  readonly hostPorts: readonly HostPort[];

  constructor(readonly pod: Pod, readonly priority: number = specPriority(pod), from?: PodInfo) {
    this.uid = podUid(pod);
    this.key = podKey(pod);
    if (from) {
      this.requests = from.requests;
      this.nonZeroCPU = from.nonZeroCPU;
      this.nonZeroMemory = from.nonZeroMemory;
      this.requiredAffinityTerms = from.requiredAffinityTerms;
      this.requiredAntiAffinityTerms = from.requiredAntiAffinityTerms;
      this.preferredAffinityTerms = from.preferredAffinityTerms;
      this.preferredAntiAffinityTerms = from.preferredAntiAffinityTerms;
      this.hostPorts = from.hostPorts;
      return;
    }
    this.requests = podRequests(pod);
    const nz = podRequests(pod, true);
    this.nonZeroCPU = nz.milliCPU;
    this.nonZeroMemory = nz.memory;
    const aff = pod.spec?.affinity;
    this.requiredAffinityTerms = (aff?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => compileTerm(pod, t));
    this.requiredAntiAffinityTerms = (aff?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => compileTerm(pod, t));
    this.preferredAffinityTerms = compileWeighted(pod, aff?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution);
    this.preferredAntiAffinityTerms = compileWeighted(pod, aff?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution);
    const ports: HostPort[] = [];
    for (const c of pod.spec?.containers ?? []) {
      for (const p of c.ports ?? []) {
        if (!p.hostPort || p.hostPort <= 0) continue;
        ports.push({ ip: p.hostIP || "0.0.0.0", protocol: p.protocol || "TCP", port: p.hostPort });
      }
    }
    this.hostPorts = ports;
  }

  get hasAffinity(): boolean {
    return this.requiredAffinityTerms.length + this.requiredAntiAffinityTerms.length + this.preferredAffinityTerms.length + this.preferredAntiAffinityTerms.length > 0;
  }

  get hasRequiredAntiAffinity(): boolean {
    return this.requiredAntiAffinityTerms.length > 0;
  }

  /** The same pod bound to `nodeName` (what the cache assumes while the binding is in flight). */
  withNodeName(nodeName: string): PodInfo {
    const pod: Pod = { ...this.pod, spec: { containers: [], ...this.pod.spec, nodeName } };
    return new PodInfo(pod, this.priority, this);
  }

  /** A newer version of the same pod; compiled fields are recomputed. */
  withPod(pod: Pod, priority = this.priority): PodInfo {
    return new PodInfo(pod, priority);
  }
}
