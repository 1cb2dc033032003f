/**
 * Victim and node selection for preemption, as upstream's DefaultPreemption:
 * - on a node, remove every lower-priority pod; if the preemptor still does not fit, the
 *   node cannot help. Otherwise reprieve pods, highest priority first, PDB-violating ones
 *   before the others, keeping each one that still lets the preemptor fit: what remains is
 *   a minimal set of victims;
 * - among candidate nodes, prefer the fewest PDB violations, then the lowest highest-victim
 *   priority, the smallest sum of priorities, the fewest victims, the latest start time of
 *   the highest-priority victims, then the first.
 */
import type { LabelSelectorObject } from "../../../machinery/selectors/index.js";
import { labelSelectorFromObject } from "../../../machinery/selectors/index.js";
import type { CycleState } from "../../framework/cycle-state.js";
import type { Handle } from "../../framework/interfaces.js";
import type { NodeInfo } from "../../framework/node-info.js";
import type { PodInfo } from "../../framework/pod-info.js";
import { Status } from "../../framework/status.js";
import type { Pod, PodDisruptionBudget } from "../../framework/types.js";

export interface Candidate {
  nodeName: string;
  /** Highest priority first. */
  victims: PodInfo[];
  numPDBViolations: number;
}

export const noVictims = "No preemption victims found for incoming pod";

function startTime(pod: Pod, now: number): number {
  const t = pod.status?.startTime;
  const v = t ? Date.parse(t) : NaN;
  return Number.isNaN(v) ? now : v;
}

/** Higher priority, then earlier start (upstream's util.MoreImportantPod). */
export function moreImportant(a: PodInfo, b: PodInfo, now = Date.now()): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority;
  return startTime(a.pod, now) < startTime(b.pod, now);
}

/** Splits pods into those whose eviction would violate a PDB and the rest. */
export function filterPodsWithPDBViolation(pods: readonly PodInfo[], pdbs: readonly PodDisruptionBudget[]): { violating: PodInfo[]; nonViolating: PodInfo[] } {
  const allowed = pdbs.map((p) => p.status?.disruptionsAllowed ?? 0);
  const selectors = pdbs.map((p) => {
    try {
      return labelSelectorFromObject((p.spec?.selector ?? null) as LabelSelectorObject | null);
    } catch {
      return undefined;
    }
  });
  const violating: PodInfo[] = [];
  const nonViolating: PodInfo[] = [];
  for (const pi of pods) {
    const labels = pi.pod.metadata.labels;
    let violated = false;
    if (labels && Object.keys(labels).length) {
      pdbs.forEach((pdb, i) => {
        const sel = selectors[i];
        if (pdb.metadata.namespace !== pi.pod.metadata.namespace || !sel || sel.empty || !sel.matches(labels)) return;
        // Already counted by the API server's eviction handling.
        if (pdb.status?.disruptedPods && (pi.pod.metadata.name ?? "") in pdb.status.disruptedPods) return;
        allowed[i]!--;
        if (allowed[i]! < 0) violated = true;
      });
    }
    (violated ? violating : nonViolating).push(pi);
  }
  return { violating, nonViolating };
}

/**
 * The victims that make room for `pi` on `ni` (a clone: it is changed), with the number of
 * them whose eviction violates a PDB; or the status saying why this node cannot help.
 */
export function selectVictimsOnNode(
  h: Handle,
  state: CycleState,
  pi: PodInfo,
  ni: NodeInfo,
  pdbs: readonly PodDisruptionBudget[],
): { victims: PodInfo[]; numPDBViolations: number } | { status: Status } {
  const remove = (v: PodInfo): Status | undefined => {
    ni.removePod(v.uid);
    return h.runPreFilterExtensionRemovePod(state, pi, v, ni);
  };
  const add = (v: PodInfo): Status | undefined => {
    ni.addPodInfo(v);
    return h.runPreFilterExtensionAddPod(state, pi, v, ni);
  };
  const potential: PodInfo[] = [];
  for (const p of [...ni.pods]) {
    if (p.priority < pi.priority) {
      potential.push(p);
      const s = remove(p);
      if (s && !s.isSuccess()) return { status: Status.error(s.asError()) };
    }
  }
  if (potential.length === 0) return { status: Status.unresolvable(noVictims) };
  const fits = h.runFilterPluginsWithNominatedPods(state, pi, ni);
  if (fits && !fits.isSuccess()) return { status: fits };
  const now = Date.now();
  potential.sort((a, b) => (moreImportant(a, b, now) ? -1 : moreImportant(b, a, now) ? 1 : 0));
  const { violating, nonViolating } = filterPodsWithPDBViolation(potential, pdbs);
  const victims: PodInfo[] = [];
  let numPDBViolations = 0;
  const reprieve = (p: PodInfo): boolean | Status => {
    const s = add(p);
    if (s && !s.isSuccess()) return Status.error(s.asError());
    const st = h.runFilterPluginsWithNominatedPods(state, pi, ni);
    if (st === undefined || st.isSuccess()) return true;
    const r = remove(p);
    if (r && !r.isSuccess()) return Status.error(r.asError());
    victims.push(p);
    return false;
  };
  for (const p of violating) {
    const r = reprieve(p);
    if (r instanceof Status) return { status: r };
    if (!r) numPDBViolations++;
  }
  for (const p of nonViolating) {
    const r = reprieve(p);
    if (r instanceof Status) return { status: r };
  }
  if (violating.length && nonViolating.length) victims.sort((a, b) => (moreImportant(a, b, now) ? -1 : moreImportant(b, a, now) ? 1 : 0));
  return { victims, numPDBViolations };
}

/** The earliest start among the highest-priority victims. */
function earliestStartOfHighest(victims: readonly PodInfo[], now: number): number {
  let maxPrio = victims[0]!.priority;
  let earliest = startTime(victims[0]!.pod, now);
  for (const v of victims) {
    if (v.priority === maxPrio) earliest = Math.min(earliest, startTime(v.pod, now));
    else if (v.priority > maxPrio) {
      maxPrio = v.priority;
      earliest = startTime(v.pod, now);
    }
  }
  return earliest;
}

export function pickOneNodeForPreemption(candidates: readonly Candidate[], now = Date.now()): Candidate {
  const int32Offset = 2 ** 31;
  const scoreFuncs: ((c: Candidate) => number)[] = [
    (c) => -c.numPDBViolations,
    (c) => -c.victims[0]!.priority,
    (c) => -c.victims.reduce((s, v) => s + v.priority + int32Offset, 0),
    (c) => -c.victims.length,
    (c) => earliestStartOfHighest(c.victims, now),
  ];
  let remaining = [...candidates];
  for (const f of scoreFuncs) {
    let best = -Infinity;
    let selected: Candidate[] = [];
    for (const c of remaining) {
      const s = f(c);
      if (s > best) {
        best = s;
        selected = [c];
      } else if (s === best) selected.push(c);
    }
    if (selected.length === 1) return selected[0]!;
    remaining = selected;
  }
  return remaining[0]!;
}
