/**
 * The replica arithmetic of a Deployment rollout, pure (upstream's deployment util):
 * maxSurge/maxUnavailable fenceposts with upstream's rounding, how far the new ReplicaSet
 * may grow, proportional scaling across ReplicaSets when the Deployment is resized
 * mid-rollout, and the orderings upstream sorts ReplicaSets by.
 */
import type { Deployment } from "../../api/apps/v1/deployment.js";
import type { ReplicaSet } from "../../api/apps/v1/replicaset.js";

export const desiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas";
export const maxReplicasAnnotation = "deployment.kubernetes.io/max-replicas";

export type IntOrString = number | string;

/** `spec.replicas` (the server defaults it; a missing one counts as upstream's defaulted 1). */
export function specReplicas(obj: Deployment | ReplicaSet): number {
  return obj.spec?.replicas ?? 1;
}

/**
 * intstr.GetScaledValueFromIntOrPercent: an int as is; "N%" of `total`, rounded up or down.
 * Throws on a string that is not a percentage (validation rejects those).
 */
export function scaledValue(v: IntOrString | undefined, total: number, roundUp: boolean): number {
  if (v === undefined) return 0;
  if (typeof v === "number") return Math.trunc(v);
  const m = /^(-?\d+)%$/.exec(v);
  if (!m) throw new Error(`invalid value for IntOrString: invalid type: string is not a percentage`);
  // Multiply before dividing, in floating point, as upstream does.
  const raw = (Number.parseInt(m[1]!, 10) * total) / 100;
  return roundUp ? Math.ceil(raw) : Math.floor(raw);
}

/**
 * ResolveFenceposts: surge rounds up, unavailable rounds down; when both resolve to 0 (only
 * rounding can do that, validation forbids two explicit zeros) unavailable becomes 1, on the
 * theory that surging might be impossible (quota).
 */
export function resolveFenceposts(maxSurge: IntOrString | undefined, maxUnavailable: IntOrString | undefined, desired: number): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge ?? 0, desired, true);
  let unavailable = scaledValue(maxUnavailable ?? 0, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export function isRollingUpdate(d: Deployment): boolean {
  return (d.spec?.strategy?.type ?? "RollingUpdate") === "RollingUpdate";
}

function fenceposts(d: Deployment): { surge: number; unavailable: number } {
  const ru = d.spec?.strategy?.rollingUpdate;
  return resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, specReplicas(d));
}

/** MaxSurge: 0 unless RollingUpdate. */
export function maxSurge(d: Deployment): number {
  return isRollingUpdate(d) ? fenceposts(d).surge : 0;
}

/** MaxUnavailable: 0 unless RollingUpdate with replicas; never more than the replicas. */
export function maxUnavailable(d: Deployment): number {
  const replicas = specReplicas(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  return Math.min(fenceposts(d).unavailable, replicas);
}

/** MinAvailable: 0 unless RollingUpdate. */
export function minAvailable(d: Deployment): number {
  return isRollingUpdate(d) ? specReplicas(d) - maxUnavailable(d) : 0;
}

export function sumSpecReplicas(rss: (ReplicaSet | undefined)[]): number {
  let n = 0;
  for (const rs of rss) if (rs) n += specReplicas(rs);
  return n;
}

export function sumStatus(rss: (ReplicaSet | undefined)[], field: "replicas" | "readyReplicas" | "availableReplicas"): number {
  let n = 0;
  for (const rs of rss) if (rs) n += rs.status?.[field] ?? 0;
  return n;
}

/** FilterActiveReplicaSets: those asked for at least one replica. */
export function activeReplicaSets(rss: (ReplicaSet | undefined)[]): ReplicaSet[] {
  return rss.filter((rs): rs is ReplicaSet => rs !== undefined && specReplicas(rs) > 0);
}

/**
 * The pods a set of ReplicaSets has or is about to have: a ReplicaSet scaled down keeps its
 * surplus pods until its controller has deleted them (and reported so in status.replicas).
 * Upstream counts spec.replicas only; counting the surplus too keeps maxSurge true of the pods
 * that actually exist while the ReplicaSet controller catches up.
 */
export function podsOrPlanned(rss: (ReplicaSet | undefined)[]): number {
  let n = 0;
  for (const rs of rss) if (rs) n += Math.max(specReplicas(rs), rs.status?.replicas ?? 0);
  return n;
}

/**
 * Available pods that will stay: a ReplicaSet scaled below its available count is about to
 * lose the difference (its controller deletes unready pods first, so at least
 * min(available, spec) remain). Upstream sums status.availableReplicas; capping keeps
 * maxUnavailable true of real pods while deletions are in flight.
 */
export function lastingAvailable(rss: (ReplicaSet | undefined)[]): number {
  let n = 0;
  for (const rs of rss) if (rs) n += Math.min(specReplicas(rs), rs.status?.availableReplicas ?? 0);
  return n;
}

/**
 * NewRSNewReplicas: the size the new ReplicaSet should have now. RollingUpdate grows it by
 * what the surge allows, never past the Deployment's replicas; Recreate goes straight there.
 */
export function newRSNewReplicas(d: Deployment, allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet): number {
  const replicas = specReplicas(d);
  if (!isRollingUpdate(d)) return replicas;
  const surge = scaledValue(d.spec?.strategy?.rollingUpdate?.maxSurge ?? 0, replicas, true);
  const current = podsOrPlanned(allRSs);
  const maxTotal = replicas + surge;
  const newReplicas = specReplicas(newRS);
  if (current >= maxTotal) return newReplicas;
  return newReplicas + Math.min(maxTotal - current, replicas - newReplicas);
}

function annotationInt(rs: ReplicaSet, key: string): number | undefined {
  const v = rs.metadata.annotations?.[key];
  if (v === undefined || !/^[+-]?\d+$/.test(v)) return undefined;
  return Number.parseInt(v, 10);
}

export function desiredReplicasOf(rs: ReplicaSet): number | undefined {
  return annotationInt(rs, desiredReplicasAnnotation);
}

export function maxReplicasOf(rs: ReplicaSet): number | undefined {
  return annotationInt(rs, maxReplicasAnnotation);
}

/** Go's math.Round: halves away from zero. */
function goRound(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/**
 * getReplicaSetFraction: how many replicas `rs` gains (or loses, negative) so that it keeps
 * its share of the Deployment's new size, its share judged against the `max-replicas`
 * annotation it was last sized under (the Deployment's status.replicas when absent).
 */
export function replicaSetFraction(rs: ReplicaSet, d: Deployment): number {
  const replicas = specReplicas(rs);
  if (specReplicas(d) === 0) return -replicas;
  const deploymentReplicas = specReplicas(d) + maxSurge(d);
  const annotated = maxReplicasOf(rs) ?? d.status?.replicas ?? 0;
  // Never reached with 0 from the callers (they skip empty ReplicaSets); guard the division anyway.
  if (annotated === 0) return 0;
  return goRound((replicas * deploymentReplicas) / annotated) - replicas;
}

/**
 * GetProportion: `rs`'s part of the `toAdd` replicas (negative: to remove), given that `added`
 * were handed out already; bounded so the running total never passes `toAdd`.
 */
export function getProportion(rs: ReplicaSet | undefined, d: Deployment, toAdd: number, added: number): number {
  if (!rs || specReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

function creationMs(rs: ReplicaSet): number {
  const t = rs.metadata.creationTimestamp;
  return t ? Date.parse(t) : 0;
}

/** ReplicaSetsByCreationTimestamp: older first, then by name. */
export function byCreation(a: ReplicaSet, b: ReplicaSet): number {
  const d = creationMs(a) - creationMs(b);
  if (d !== 0) return d;
  const an = a.metadata.name ?? "";
  const bn = b.metadata.name ?? "";
  return an < bn ? -1 : an > bn ? 1 : 0;
}

/** ReplicaSetsBySizeOlder: bigger first; among equals, older first. */
export function bySizeOlder(a: ReplicaSet, b: ReplicaSet): number {
  const d = specReplicas(b) - specReplicas(a);
  return d !== 0 ? d : byCreation(a, b);
}

/** ReplicaSetsBySizeNewer: bigger first; among equals, newer first. */
export function bySizeNewer(a: ReplicaSet, b: ReplicaSet): number {
  const d = specReplicas(b) - specReplicas(a);
  return d !== 0 ? d : byCreation(b, a);
}

/**
 * The proportional part of upstream's `scale`: when a RollingUpdate Deployment with several
 * active ReplicaSets is resized, every active ReplicaSet gets its share of the difference
 * (newer ones first when growing, older ones first when shrinking), and what rounding left
 * over goes to the first (the biggest). Returns the target size of each active ReplicaSet,
 * in the order they should be updated, and the scaling direction for the events.
 */
export function proportionalSizes(d: Deployment, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): { sizes: { rs: ReplicaSet; size: number }[]; operation: "up" | "down" | "" } {
  const all = activeReplicaSets([...oldRSs, newRS]);
  const total = sumSpecReplicas(all);
  const replicas = specReplicas(d);
  const allowed = replicas > 0 ? replicas + maxSurge(d) : 0;
  const toAdd = allowed - total;
  let operation: "up" | "down" | "" = "";
  if (toAdd > 0) {
    all.sort(bySizeNewer);
    operation = "up";
  } else if (toAdd < 0) {
    all.sort(bySizeOlder);
    operation = "down";
  }
  let added = 0;
  const sizes = all.map((rs) => {
    if (toAdd === 0) return { rs, size: specReplicas(rs) };
    const p = getProportion(rs, d, toAdd, added);
    added += p;
    return { rs, size: specReplicas(rs) + p };
  });
  if (sizes.length > 0 && toAdd !== 0) {
    sizes[0]!.size = Math.max(0, sizes[0]!.size + toAdd - added);
  }
  return { sizes, operation };
}

/**
 * IsSaturated: the new ReplicaSet holds (and both sides agree it should hold) every replica,
 * all of them available.
 */
export function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (!rs) return false;
  const desired = desiredReplicasOf(rs);
  if (desired === undefined) return false;
  const replicas = specReplicas(d);
  return specReplicas(rs) === replicas && desired === replicas && (rs.status?.availableReplicas ?? 0) === replicas;
}

/**
 * FindActiveOrLatest: the only active ReplicaSet; with none active, the new one or else the
 * newest old one; undefined when several are active (proportional scaling's case).
 */
export function findActiveOrLatest(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): ReplicaSet | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const sortedOld = [...oldRSs].sort((a, b) => byCreation(b, a));
  const active = activeReplicaSets([...sortedOld, newRS]);
  if (active.length === 0) return newRS ?? sortedOld[0];
  if (active.length === 1) return active[0];
  return undefined;
}
