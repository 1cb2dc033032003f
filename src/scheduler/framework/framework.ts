/**
 * The framework runtime: instantiates a profile's plugins from the registry, sorts them into
 * extension points, and runs each point as upstream's frameworkImpl does (first rejection wins
 * in Filter, Skip statuses recorded in the CycleState, weighted and normalized scores, Permit
 * waits, Bind plugins tried in order until one does not Skip). It is also the Handle plugins get.
 */
import { CycleState } from "./cycle-state.js";
import {
  emptyListers, maxNodeScore, minNodeScore, PreFilterResult,
  type BindPlugin, type ClusterApi, type ClusterEventWithHint, type EventRecorder, type FilterPlugin, type Handle,
  type Listers, type NodeScore, type Nominator, type PermitPlugin, type Plugin, type PostBindPlugin,
  type PostFilterPlugin, type PostFilterResult, type PreBindPlugin, type PreEnqueuePlugin, type PreFilterPlugin,
  type PreScorePlugin, type QueueSortPlugin, type ReservePlugin, type ScorePlugin, type SharedLister, type WaitingPod,
} from "./interfaces.js";
import type { NodeInfo } from "./node-info.js";
import type { PodInfo } from "./pod-info.js";
import type { ExtensionPoint, Profile } from "./profile.js";
import type { Registry } from "./registry.js";
import { Status, type MaybeStatus, type NodeToStatus } from "./status.js";
import type { Pod } from "./types.js";

export interface FrameworkOptions {
  registry: Registry;
  profile: Profile;
  listers?: Listers;
  api?: ClusterApi;
  recorder?: EventRecorder;
  nominator?: Nominator;
  priorityOf?: (pod: Pod) => number;
  log?: (msg: string) => void;
  /** Longest a Permit plugin may make a pod wait. */
  maxPermitWaitMs?: number;
}

const noApi: ClusterApi = {
  bind: () => Promise.reject(new Error("no API client")),
  deletePod: () => Promise.reject(new Error("no API client")),
  patchPodStatus: () => Promise.reject(new Error("no API client")),
};

const emptySnapshot: SharedLister = {
  list: () => [],
  get: () => undefined,
  havePodsWithAffinityList: () => [],
  havePodsWithRequiredAntiAffinityList: () => [],
  imageNumNodes: () => 0,
};

function implementsPoint(p: Plugin, method: ExtensionPoint | "less"): boolean {
  return typeof (p as unknown as Record<string, unknown>)[method] === "function";
}

export interface ScoredPlugin {
  plugin: ScorePlugin;
  weight: number;
}

export class Framework implements Handle {
  readonly schedulerName: string;
  readonly profile: Profile;
  readonly plugins = new Map<string, Plugin>();
  readonly preEnqueuePlugins: PreEnqueuePlugin[] = [];
  readonly queueSortPlugin: QueueSortPlugin | undefined;
  readonly preFilterPlugins: PreFilterPlugin[] = [];
  readonly filterPlugins: FilterPlugin[] = [];
  readonly postFilterPlugins: PostFilterPlugin[] = [];
  readonly preScorePlugins: PreScorePlugin[] = [];
  readonly scorePlugins: ScoredPlugin[] = [];
  readonly reservePlugins: ReservePlugin[] = [];
  readonly permitPlugins: PermitPlugin[] = [];
  readonly preBindPlugins: PreBindPlugin[] = [];
  readonly bindPlugins: BindPlugin[] = [];
  readonly postBindPlugins: PostBindPlugin[] = [];
  readonly listers: Listers;
  readonly api: ClusterApi;
  readonly recorder: EventRecorder;
  readonly nominator: Nominator;
  private currentSnapshot: SharedLister = emptySnapshot;
  private readonly waiting = new Map<string, WaitingPodImpl>();
  private readonly priorityFn: (pod: Pod) => number;
  private readonly logFn: (msg: string) => void;
  private readonly maxPermitWaitMs: number;

  constructor(opts: FrameworkOptions) {
    this.profile = opts.profile;
    this.schedulerName = opts.profile.schedulerName;
    this.listers = opts.listers ?? emptyListers;
    this.api = opts.api ?? noApi;
    this.recorder = opts.recorder ?? (() => {});
    this.nominator = opts.nominator ?? { nominatedPodsForNode: () => [] };
    this.priorityFn = opts.priorityOf ?? ((p) => p.spec?.priority ?? 0);
    this.logFn = opts.log ?? (() => {});
    this.maxPermitWaitMs = opts.maxPermitWaitMs ?? 15 * 60_000;
    const disabled = opts.profile.disabled ?? {};
    const off = (point: ExtensionPoint, name: string): boolean => {
      const list = disabled[point];
      return !!list && (list.includes("*") || list.includes(name));
    };
    let queueSort: QueueSortPlugin | undefined;
    for (const ref of opts.profile.plugins) {
      const factory = opts.registry.get(ref.name);
      if (!factory) throw new Error(`plugin ${JSON.stringify(ref.name)} is not registered`);
      if (this.plugins.has(ref.name)) throw new Error(`plugin ${JSON.stringify(ref.name)} is enabled twice`);
      const p = factory(opts.profile.pluginConfig?.[ref.name], this);
      this.plugins.set(ref.name, p);
      const add = <T extends Plugin>(point: ExtensionPoint, list: T[]): void => {
        if (implementsPoint(p, point) && !off(point, ref.name)) list.push(p as T);
      };
      add("preEnqueue", this.preEnqueuePlugins);
      if (implementsPoint(p, "less") && !off("queueSort", ref.name)) {
        if (queueSort) throw new Error("only one QueueSort plugin can be enabled");
        queueSort = p as QueueSortPlugin;
      }
      add("preFilter", this.preFilterPlugins);
      add("filter", this.filterPlugins);
      add("postFilter", this.postFilterPlugins);
      add("preScore", this.preScorePlugins);
      if (implementsPoint(p, "score") && !off("score", ref.name)) {
        const weight = ref.weight ?? 1;
        if (weight <= 0) throw new Error(`score plugin ${ref.name} needs a positive weight`);
        this.scorePlugins.push({ plugin: p as ScorePlugin, weight });
      }
      if (implementsPoint(p, "reserve") && !off("reserve", ref.name)) this.reservePlugins.push(p as ReservePlugin);
      add("permit", this.permitPlugins);
      add("preBind", this.preBindPlugins);
      add("bind", this.bindPlugins);
      add("postBind", this.postBindPlugins);
    }
    this.queueSortPlugin = queueSort;
  }

  // Handle.

  snapshot(): SharedLister {
    return this.currentSnapshot;
  }

  setSnapshot(s: SharedLister): void {
    this.currentSnapshot = s;
  }

  priorityOf(pod: Pod): number {
    return this.priorityFn(pod);
  }

  log(msg: string): void {
    this.logFn(msg);
  }

  waitingPod(uid: string): WaitingPod | undefined {
    const w = this.waiting.get(uid);
    return w && !w.settled ? w : undefined;
  }

  /** Events each plugin registered, by plugin name. */
  eventsToRegister(): Map<string, ClusterEventWithHint[]> {
    const m = new Map<string, ClusterEventWithHint[]>();
    for (const [name, p] of this.plugins) if (p.eventsToRegister) m.set(name, p.eventsToRegister());
    return m;
  }

  // Extension points.

  runPreEnqueuePlugins(pod: Pod): MaybeStatus {
    for (const p of this.preEnqueuePlugins) {
      const s = p.preEnqueue(pod);
      if (s && !s.isSuccess()) return s.withPlugin(p.name);
    }
    return undefined;
  }

  runPreFilterPlugins(state: CycleState, pi: PodInfo, nodes: readonly NodeInfo[]): { result: PreFilterResult; status: MaybeStatus; unschedulablePlugins: Set<string> } {
    let result = new PreFilterResult(undefined);
    const skip = new Set<string>();
    const withNodes: string[] = [];
    for (const p of this.preFilterPlugins) {
      let out: PreFilterResult | Status | undefined;
      try {
        out = p.preFilter(state, pi, nodes);
      } catch (err) {
        out = Status.error(err);
      }
      if (out instanceof Status) {
        if (out.code === "Skip") {
          skip.add(p.name);
          continue;
        }
        if (out.isRejected()) return { result, status: out.withPlugin(p.name), unschedulablePlugins: new Set([p.name]) };
        if (!out.isSuccess()) {
          return { result, status: Status.error(new Error(`running PreFilter plugin "${p.name}": ${out.asError().message}`)).withPlugin(p.name), unschedulablePlugins: new Set() };
        }
        continue;
      }
      if (out && !out.allNodes()) {
        withNodes.push(p.name);
        result = result.merge(out);
        if (result.nodeNames!.size === 0) {
          const msg = withNodes.length === 1
            ? `node(s) didn't satisfy plugin ${withNodes[0]}`
            : `node(s) didn't satisfy plugin(s) [${withNodes.join(" ")}] simultaneously`;
          return { result, status: Status.unresolvable(msg), unschedulablePlugins: new Set(withNodes) };
        }
      }
    }
    state.skipFilterPlugins = skip;
    return { result, status: undefined, unschedulablePlugins: new Set(withNodes) };
  }

  /** The Filter plugins a cycle runs (those whose PreFilter did not Skip), computed once per cycle. */
  private activeFilters(state: CycleState): readonly FilterPlugin[] {
    const skip = state.skipFilterPlugins;
    if (skip !== this.lastSkip) {
      this.lastSkip = skip;
      this.lastFilters = skip.size ? this.filterPlugins.filter((p) => !skip.has(p.name)) : this.filterPlugins;
    }
    return this.lastFilters;
  }

  private lastSkip: Set<string> | undefined;
  private lastFilters: readonly FilterPlugin[] = [];

  runFilterPlugins(state: CycleState, pi: PodInfo, nodeInfo: NodeInfo): MaybeStatus {
    const filters = this.activeFilters(state);
    for (let i = 0; i < filters.length; i++) {
      const p = filters[i]!;
      let s: MaybeStatus;
      try {
        s = p.filter(state, pi, nodeInfo);
      } catch (err) {
        s = Status.error(err);
      }
      if (s && !s.isSuccess()) {
        if (!s.isRejected()) s = Status.error(new Error(`running "${p.name}" filter plugin: ${s.asError().message}`));
        return s.withPlugin(p.name);
      }
    }
    return undefined;
  }

  runFilterPluginsWithNominatedPods(state: CycleState, pi: PodInfo, nodeInfo: NodeInfo): MaybeStatus {
    const nominated = nodeInfo.node ? this.nominator.nominatedPodsForNode(nodeInfo.name) : [];
    if (nominated.length === 0) return this.runFilterPlugins(state, pi, nodeInfo);
    // First pass: with the nominated pods of equal or higher priority, whose room this pod must
    // not take. Second pass without them, for filters such as pod affinity they would satisfy.
    let added = false;
    let stateOut = state;
    let infoOut = nodeInfo;
    for (const npi of nominated) {
      if (npi.priority < pi.priority || npi.uid === pi.uid) continue;
      if (!added) {
        stateOut = state.clone();
        infoOut = nodeInfo.clone();
        added = true;
      }
      infoOut.addPodInfo(npi);
      const s = this.runPreFilterExtensionAddPod(stateOut, pi, npi, infoOut);
      if (s && !s.isSuccess()) return Status.error(s.asError());
    }
    const first = this.runFilterPlugins(stateOut, pi, infoOut);
    if (!added || (first && !first.isSuccess())) return first;
    return this.runFilterPlugins(state, pi, nodeInfo);
  }

  runPreFilterExtensionAddPod(state: CycleState, podToSchedule: PodInfo, toAdd: PodInfo, nodeInfo: NodeInfo): MaybeStatus {
    for (const p of this.preFilterPlugins) {
      if (!p.preFilterExtensions || state.skipFilterPlugins.has(p.name)) continue;
      const s = p.preFilterExtensions.addPod(state, podToSchedule, toAdd, nodeInfo);
      if (s && !s.isSuccess()) return Status.error(new Error(`running AddPod on PreFilter plugin "${p.name}": ${s.asError().message}`)).withPlugin(p.name);
    }
    return undefined;
  }

  runPreFilterExtensionRemovePod(state: CycleState, podToSchedule: PodInfo, toRemove: PodInfo, nodeInfo: NodeInfo): MaybeStatus {
    for (const p of this.preFilterPlugins) {
      if (!p.preFilterExtensions || state.skipFilterPlugins.has(p.name)) continue;
      const s = p.preFilterExtensions.removePod(state, podToSchedule, toRemove, nodeInfo);
      if (s && !s.isSuccess()) return Status.error(new Error(`running RemovePod on PreFilter plugin "${p.name}": ${s.asError().message}`)).withPlugin(p.name);
    }
    return undefined;
  }

  runPostFilterPlugins(state: CycleState, pi: PodInfo, statuses: NodeToStatus): { result?: PostFilterResult; status: Status } {
    let result: PostFilterResult | undefined;
    const reasons: string[] = [];
    let rejector = "";
    for (const p of this.postFilterPlugins) {
      let out: { result?: PostFilterResult; status: MaybeStatus };
      try {
        out = p.postFilter(state, pi, statuses);
      } catch (err) {
        out = { status: Status.error(err) };
      }
      const s = out.status;
      if (!s || s.isSuccess()) return { result: out.result, status: (s ?? new Status("Success")).withPlugin(p.name) };
      if (s.code === "UnschedulableAndUnresolvable") return { result: out.result, status: s.withPlugin(p.name) };
      if (!s.isRejected()) return { status: Status.error(s.asError()).withPlugin(p.name) };
      if (out.result) result = out.result;
      reasons.push(...s.reasons);
      rejector ||= p.name;
    }
    return { result, status: new Status("Unschedulable", reasons).withPlugin(rejector) };
  }

  runPreScorePlugins(state: CycleState, pi: PodInfo, nodes: readonly NodeInfo[]): MaybeStatus {
    const skip = new Set<string>();
    for (const p of this.preScorePlugins) {
      let s: MaybeStatus;
      try {
        s = p.preScore(state, pi, nodes);
      } catch (err) {
        s = Status.error(err);
      }
      if (s?.code === "Skip") {
        skip.add(p.name);
        continue;
      }
      if (s && !s.isSuccess()) return Status.error(new Error(`running PreScore plugin "${p.name}": ${s.asError().message}`)).withPlugin(p.name);
    }
    state.skipScorePlugins = skip;
    return undefined;
  }

  /** Weighted totals per node, in `nodes` order, or the Error status of the plugin that failed. */
  runScorePlugins(state: CycleState, pi: PodInfo, nodes: readonly NodeInfo[]): Float64Array | Status {
    const totals = new Float64Array(nodes.length);
    const skip = state.skipScorePlugins;
    for (const { plugin, weight } of this.scorePlugins) {
      if (skip.has(plugin.name)) continue;
      try {
        if (!plugin.normalizeScore) {
          // No normalization: straight into the totals, without a NodeScore per node.
          for (let i = 0; i < nodes.length; i++) {
            const v = plugin.score(state, pi, nodes[i]!);
            if (v > maxNodeScore || v < minNodeScore) return invalidScore(plugin.name, v);
            totals[i]! += v * weight;
          }
          continue;
        }
        const scores: NodeScore[] = new Array(nodes.length);
        for (let i = 0; i < nodes.length; i++) scores[i] = { name: nodes[i]!.name, score: plugin.score(state, pi, nodes[i]!) };
        const s = plugin.normalizeScore(state, pi, scores);
        if (s && !s.isSuccess()) return Status.error(new Error(`running Normalize on Score plugin "${plugin.name}": ${s.asError().message}`)).withPlugin(plugin.name);
        for (let i = 0; i < scores.length; i++) {
          const v = scores[i]!.score;
          if (v > maxNodeScore || v < minNodeScore) return invalidScore(plugin.name, v);
          totals[i]! += v * weight;
        }
      } catch (err) {
        return Status.error(new Error(`running Score plugin "${plugin.name}": ${(err as Error).message ?? String(err)}`)).withPlugin(plugin.name);
      }
    }
    return totals;
  }

  runReservePluginsReserve(state: CycleState, pi: PodInfo, nodeName: string): MaybeStatus {
    for (const p of this.reservePlugins) {
      let s: MaybeStatus;
      try {
        s = p.reserve(state, pi, nodeName);
      } catch (err) {
        s = Status.error(err);
      }
      if (s && !s.isSuccess()) {
        if (s.isRejected()) return s.withPlugin(p.name);
        return Status.error(new Error(`running Reserve plugin "${p.name}": ${s.asError().message}`)).withPlugin(p.name);
      }
    }
    return undefined;
  }

  /** Runs every Unreserve, in reverse order, ignoring failures (as upstream). */
  runReservePluginsUnreserve(state: CycleState, pi: PodInfo, nodeName: string): void {
    for (let i = this.reservePlugins.length - 1; i >= 0; i--) {
      try {
        this.reservePlugins[i]!.unreserve(state, pi, nodeName);
      } catch (err) {
        this.log(`unreserve ${this.reservePlugins[i]!.name}: ${(err as Error).message}`);
      }
    }
  }

  runPermitPlugins(state: CycleState, pi: PodInfo, nodeName: string): MaybeStatus {
    const waits = new Map<string, number>();
    for (const p of this.permitPlugins) {
      let out: { status: MaybeStatus; timeoutMs?: number };
      try {
        out = p.permit(state, pi, nodeName);
      } catch (err) {
        out = { status: Status.error(err) };
      }
      const s = out.status;
      if (!s || s.isSuccess()) continue;
      if (s.isRejected()) return s.withPlugin(p.name);
      if (s.code === "Wait") {
        waits.set(p.name, Math.min(out.timeoutMs ?? this.maxPermitWaitMs, this.maxPermitWaitMs));
        continue;
      }
      return Status.error(new Error(`running Permit plugin "${p.name}": ${s.asError().message}`)).withPlugin(p.name);
    }
    if (waits.size === 0) return undefined;
    this.waiting.set(pi.uid, new WaitingPodImpl(pi, waits));
    return new Status("Wait", [`one or more plugins asked to wait and no plugin rejected pod "${pi.pod.metadata.name}"`]);
  }

  /** Resolves when a waiting pod is allowed (undefined) or rejected; immediately when not waiting. */
  waitOnPermit(pi: PodInfo): Promise<MaybeStatus> {
    const w = this.waiting.get(pi.uid);
    if (!w) return Promise.resolve(undefined);
    return w.done.finally(() => this.waiting.delete(pi.uid));
  }

  /** Rejects every waiting pod (scheduler shutdown). */
  rejectWaitingPods(msg: string): void {
    for (const w of [...this.waiting.values()]) w.reject("", msg);
  }

  async runPreBindPlugins(state: CycleState, pi: PodInfo, nodeName: string): Promise<MaybeStatus> {
    for (const p of this.preBindPlugins) {
      let s: MaybeStatus;
      try {
        s = await p.preBind(state, pi, nodeName);
      } catch (err) {
        s = Status.error(err);
      }
      if (s && !s.isSuccess()) {
        if (s.isRejected()) return s.withPlugin(p.name);
        return Status.error(new Error(`running PreBind plugin "${p.name}": ${s.asError().message}`)).withPlugin(p.name);
      }
    }
    return undefined;
  }

  async runBindPlugins(state: CycleState, pi: PodInfo, nodeName: string): Promise<MaybeStatus> {
    let last: MaybeStatus = Status.skip();
    for (const p of this.bindPlugins) {
      let s: MaybeStatus;
      try {
        s = await p.bind(state, pi, nodeName);
      } catch (err) {
        s = Status.error(err);
      }
      if (s?.code === "Skip") {
        last = s;
        continue;
      }
      if (s && !s.isSuccess()) {
        if (s.isRejected()) return s.withPlugin(p.name);
        return Status.error(new Error(`running Bind plugin "${p.name}": ${s.asError().message}`)).withPlugin(p.name);
      }
      return undefined;
    }
    return last;
  }

  runPostBindPlugins(state: CycleState, pi: PodInfo, nodeName: string): void {
    for (const p of this.postBindPlugins) {
      try {
        p.postBind(state, pi, nodeName);
      } catch (err) {
        this.log(`postBind ${p.name}: ${(err as Error).message}`);
      }
    }
  }

  hasFilterPlugins(): boolean {
    return this.filterPlugins.length > 0;
  }

  hasPostFilterPlugins(): boolean {
    return this.postFilterPlugins.length > 0;
  }

  hasScorePlugins(): boolean {
    return this.scorePlugins.length > 0;
  }
}

function invalidScore(plugin: string, v: number): Status {
  return Status.error(new Error(`plugin "${plugin}" returns an invalid score ${v}, it should in the range of [${minNodeScore}, ${maxNodeScore}] after normalizing`)).withPlugin(plugin);
}

class WaitingPodImpl implements WaitingPod {
  readonly done: Promise<MaybeStatus>;
  private resolve!: (s: MaybeStatus) => void;
  private readonly pending: Set<string>;
  private readonly timers: NodeJS.Timeout[] = [];
  settled = false;

  constructor(readonly pi: PodInfo, waits: Map<string, number>) {
    this.done = new Promise((r) => (this.resolve = r));
    this.pending = new Set(waits.keys());
    for (const [plugin, ms] of waits) {
      const t = setTimeout(() => this.reject(plugin, `rejected due to timeout after waiting ${ms / 1000}s at plugin ${plugin}`), ms);
      this.timers.push(t);
    }
  }

  allow(plugin: string): void {
    this.pending.delete(plugin);
    if (this.pending.size === 0) this.settle(undefined);
  }

  reject(plugin: string, msg: string): void {
    this.settle(Status.unschedulable(msg).withPlugin(plugin));
  }

  private settle(s: MaybeStatus): void {
    if (this.settled) return;
    this.settled = true;
    for (const t of this.timers) clearTimeout(t);
    this.resolve(s);
  }
}

export { CycleState };
