/**
 * The extension points (one small interface each, as upstream's framework), the Handle
 * plugins get from the framework, and the cluster events plugins register to requeue pods.
 */
import type { KubeObject } from "../../machinery/object.js";
import type { CycleState } from "./cycle-state.js";
import type { NodeInfo } from "./node-info.js";
import type { PodInfo } from "./pod-info.js";
import type { MaybeStatus, NodeToStatus, Status } from "./status.js";
import type { NamespaceObj } from "../../api/core/v1/namespace.js";
import type { PersistentVolumeClaim, Pod, PodDisruptionBudget } from "./types.js";

export const maxNodeScore = 100;
export const minNodeScore = 0;

export interface NodeScore {
  name: string;
  score: number;
}

/** A PreFilter plugin's narrowing of the candidate nodes (undefined = every node). */
export class PreFilterResult {
  constructor(readonly nodeNames: ReadonlySet<string> | undefined) {}

  allNodes(): boolean {
    return this.nodeNames === undefined;
  }

  merge(o: PreFilterResult | undefined): PreFilterResult {
    if (!o || o.allNodes()) return this;
    if (this.allNodes()) return o;
    const a = this.nodeNames!;
    return new PreFilterResult(new Set([...o.nodeNames!].filter((n) => a.has(n))));
  }
}

/** A pod waiting in the scheduling queue. */
export interface QueuedPodInfo {
  pi: PodInfo;
  /** When it was last added to a queue (orders equal priorities, starts backoff). */
  timestamp: number;
  /** Scheduling attempts so far. */
  attempts: number;
  initialAttemptTimestamp: number | undefined;
  /** Plugins that rejected it in the last attempt: only events they registered requeue it. */
  unschedulablePlugins: Set<string>;
  /** Held back by a PreEnqueue plugin (scheduling gates). */
  gated: boolean;
}

// Cluster events (upstream's framework.ClusterEvent, simplified).
export type EventResource = "Node" | "Pod" | "PersistentVolumeClaim" | "Namespace";

export const ActionType = {
  Add: 1,
  Delete: 2,
  UpdateNodeAllocatable: 4,
  UpdateNodeLabel: 8,
  UpdateNodeTaint: 16,
  UpdateNodeCondition: 32,
  UpdatePodLabel: 64,
  UpdatePodScaleDown: 128,
  UpdateOther: 256,
} as const;
export const anyUpdate = 4 | 8 | 16 | 32 | 64 | 128 | 256;
export const allActions = 1 | 2 | anyUpdate;

export interface ClusterEvent {
  resource: EventResource;
  /** ActionType bits. */
  action: number;
  label: string;
}

export type QueueingHint = "Queue" | "QueueSkip";

/** Decides whether an event could make `pod` schedulable (upstream's QueueingHintFn). */
export type QueueingHintFn = (pod: Pod, oldObj: KubeObject | undefined, newObj: KubeObject | undefined) => QueueingHint;

export interface ClusterEventWithHint {
  resource: EventResource;
  action: number;
  hint?: QueueingHintFn;
}

// Extension points.
export interface Plugin {
  readonly name: string;
  /** Events that could make a pod this plugin rejected schedulable. */
  eventsToRegister?(): ClusterEventWithHint[];
}

export interface PreEnqueuePlugin extends Plugin {
  preEnqueue(pod: Pod): MaybeStatus;
}

export interface QueueSortPlugin extends Plugin {
  less(a: QueuedPodInfo, b: QueuedPodInfo): boolean;
}

export interface PreFilterExtensions {
  addPod(state: CycleState, podToSchedule: PodInfo, toAdd: PodInfo, nodeInfo: NodeInfo): MaybeStatus;
  removePod(state: CycleState, podToSchedule: PodInfo, toRemove: PodInfo, nodeInfo: NodeInfo): MaybeStatus;
}

export interface PreFilterPlugin extends Plugin {
  preFilter(state: CycleState, pi: PodInfo, nodes: readonly NodeInfo[]): PreFilterResult | Status | undefined;
  readonly preFilterExtensions?: PreFilterExtensions;
}

export interface FilterPlugin extends Plugin {
  filter(state: CycleState, pi: PodInfo, nodeInfo: NodeInfo): MaybeStatus;
}

export interface PostFilterResult {
  nominatedNodeName?: string;
}

export interface PostFilterPlugin extends Plugin {
  postFilter(state: CycleState, pi: PodInfo, statuses: NodeToStatus): { result?: PostFilterResult; status: MaybeStatus };
}

export interface PreScorePlugin extends Plugin {
  preScore(state: CycleState, pi: PodInfo, nodes: readonly NodeInfo[]): MaybeStatus;
}

export interface ScorePlugin extends Plugin {
  /** A score for the node; throw to fail the cycle with an Error status. */
  score(state: CycleState, pi: PodInfo, nodeInfo: NodeInfo): number;
  normalizeScore?(state: CycleState, pi: PodInfo, scores: NodeScore[]): MaybeStatus;
}

export interface ReservePlugin extends Plugin {
  reserve(state: CycleState, pi: PodInfo, nodeName: string): MaybeStatus;
  unreserve(state: CycleState, pi: PodInfo, nodeName: string): void;
}

export interface PermitPlugin extends Plugin {
  /** Success, a rejection, or Wait with a timeout (the pod then waits for allow/reject). */
  permit(state: CycleState, pi: PodInfo, nodeName: string): { status: MaybeStatus; timeoutMs?: number };
}

export interface PreBindPlugin extends Plugin {
  preBind(state: CycleState, pi: PodInfo, nodeName: string): Promise<MaybeStatus>;
}

export interface BindPlugin extends Plugin {
  /** Skip hands the pod to the next bind plugin. */
  bind(state: CycleState, pi: PodInfo, nodeName: string): Promise<MaybeStatus>;
}

export interface PostBindPlugin extends Plugin {
  postBind(state: CycleState, pi: PodInfo, nodeName: string): void;
}

// What plugins see of the world.

/** The nodes of this cycle's snapshot. */
export interface SharedLister {
  list(): readonly NodeInfo[];
  get(name: string): NodeInfo | undefined;
  havePodsWithAffinityList(): readonly NodeInfo[];
  havePodsWithRequiredAntiAffinityList(): readonly NodeInfo[];
  /** On how many nodes an image (normalized name) is present. */
  imageNumNodes(image: string): number;
}

export type Namespace = NamespaceObj;

/** Read-only views of other kinds, from informers (empty in unit tests). */
export interface Listers {
  pdbs(): readonly PodDisruptionBudget[];
  namespace(name: string): Namespace | undefined;
  namespaces(): readonly Namespace[];
  pvc(namespace: string, name: string): PersistentVolumeClaim | undefined;
}

export const emptyListers: Listers = {
  pdbs: () => [],
  namespace: () => undefined,
  namespaces: () => [],
  pvc: () => undefined,
};

/** The API writes plugins make. */
export interface ClusterApi {
  bind(pod: Pod, nodeName: string): Promise<void>;
  /** Deletes with a UID precondition. */
  deletePod(pod: Pod): Promise<void>;
  /** Strategic-merge patch of the pod's status (conditions merge by type). */
  patchPodStatus(pod: Pod, status: Record<string, unknown>): Promise<void>;
}

export type EventType = "Normal" | "Warning";
export type EventRecorder = (obj: Pod, type: EventType, reason: string, action: string, message: string) => void;

export interface Nominator {
  /** Pods nominated to run on the node (after preemption), in no particular order. */
  nominatedPodsForNode(nodeName: string): readonly PodInfo[];
  /** The node a pod is nominated to, if any (the scheduler's view, ahead of the pod's status). */
  nominatedNodeOf?(uid: string): string | undefined;
}

/** What a plugin factory receives (upstream's framework.Handle). */
export interface Handle {
  readonly schedulerName: string;
  /** The current cycle's snapshot. */
  snapshot(): SharedLister;
  readonly listers: Listers;
  readonly api: ClusterApi;
  readonly recorder: EventRecorder;
  readonly nominator: Nominator;
  /** Filters `nodeInfo` as the cycle does, including pods nominated to it with higher or equal priority. */
  runFilterPluginsWithNominatedPods(state: CycleState, pi: PodInfo, nodeInfo: NodeInfo): MaybeStatus;
  runPreFilterExtensionAddPod(state: CycleState, podToSchedule: PodInfo, toAdd: PodInfo, nodeInfo: NodeInfo): MaybeStatus;
  runPreFilterExtensionRemovePod(state: CycleState, podToSchedule: PodInfo, toRemove: PodInfo, nodeInfo: NodeInfo): MaybeStatus;
  /** Resolves a pod's priority (spec.priority, else its PriorityClass). */
  priorityOf(pod: Pod): number;
  /** Allows or rejects a pod waiting in Permit. */
  waitingPod(uid: string): WaitingPod | undefined;
  log(msg: string): void;
}

export interface WaitingPod {
  readonly pi: PodInfo;
  allow(plugin: string): void;
  reject(plugin: string, msg: string): void;
}

export type PluginFactory = (args: unknown, handle: Handle) => Plugin;
