/**
 * The RollingUpdate strategy (upstream's rolling.go): grow the new ReplicaSet as far as
 * maxSurge allows, shrink the old ones as far as maxUnavailable allows (their unhealthy
 * replicas first, since removing those costs no availability), and once the rollout is
 * complete, trim the history.
 */
import type { ReplicaSet } from "../../api/apps/v1/replicaset.js";
import { activeReplicaSets, byCreation, lastingAvailable, maxUnavailable, newRSNewReplicas, specReplicas, sumSpecReplicas } from "./replicas.js";
import { deploymentComplete } from "./status.js";
import type { DeploymentSync, SyncOutcome } from "./sync.js";

export async function rolloutRolling(s: DeploymentSync): Promise<SyncOutcome> {
  const { newRS, oldRSs } = await s.getAllReplicaSetsAndSyncRevision(true);
  const all = (): (ReplicaSet | undefined)[] => {
    const fresh = s.refresh(newRS, oldRSs);
    return [...fresh.oldRSs, fresh.newRS];
  };
  if (!newRS) return s.syncRolloutStatus(all(), undefined);
  if (await reconcileNewReplicaSet(s, all(), newRS)) {
    return s.syncRolloutStatus(all(), s.refresh(newRS, oldRSs).newRS);
  }
  const fresh = s.refresh(newRS, oldRSs);
  if (await reconcileOldReplicaSets(s, all(), activeReplicaSets(fresh.oldRSs), fresh.newRS!)) {
    return s.syncRolloutStatus(all(), s.refresh(newRS, oldRSs).newRS);
  }
  if (deploymentComplete(s.d, s.d.status ?? {})) await s.cleanupDeployment(s.refresh(newRS, oldRSs).oldRSs);
  return s.syncRolloutStatus(all(), s.refresh(newRS, oldRSs).newRS);
}

/** reconcileNewReplicaSet: whether the new ReplicaSet was scaled. */
export async function reconcileNewReplicaSet(s: DeploymentSync, allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet): Promise<boolean> {
  const replicas = specReplicas(s.d);
  const current = specReplicas(newRS);
  if (current === replicas) return false;
  if (current > replicas) return (await s.scaleAndRecord(newRS, replicas)).scaled;
  return (await s.scaleAndRecord(newRS, newRSNewReplicas(s.d, allRSs, newRS))).scaled;
}

/**
 * reconcileOldReplicaSets: how many old replicas may go is
 *   all replicas − (replicas − maxUnavailable) − the new ReplicaSet's unavailable ones,
 * so pods that the new ReplicaSet has not made available yet never license removing more
 * old ones. Unhealthy old replicas go first, then available ones. Whether any went.
 */
export async function reconcileOldReplicaSets(s: DeploymentSync, allRSs: (ReplicaSet | undefined)[], oldRSs: ReplicaSet[], newRS: ReplicaSet): Promise<boolean> {
  if (sumSpecReplicas(oldRSs) === 0) return false;
  const allPods = sumSpecReplicas(allRSs);
  const minAvailable = specReplicas(s.d) - maxUnavailable(s.d);
  const newUnavailable = specReplicas(newRS) - (newRS.status?.availableReplicas ?? 0);
  const maxScaledDown = allPods - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return false;
  const { rss: cleaned, count: cleanedUp } = await cleanupUnhealthyReplicas(s, oldRSs, maxScaledDown);
  const scaledDown = await scaleDownOldForRollingUpdate(s, [...cleaned, newRS], cleaned);
  return cleanedUp + scaledDown > 0;
}

/**
 * cleanupUnhealthyReplicas: oldest first, remove up to `maxCleanup` old replicas that are
 * not available (the ReplicaSet controller deletes not-ready and unscheduled pods first).
 */
export async function cleanupUnhealthyReplicas(s: DeploymentSync, oldRSs: ReplicaSet[], maxCleanup: number): Promise<{ rss: ReplicaSet[]; count: number }> {
  const rss = [...oldRSs].sort(byCreation);
  let total = 0;
  for (let i = 0; i < rss.length; i++) {
    if (total >= maxCleanup) break;
    const rs = rss[i]!;
    const replicas = specReplicas(rs);
    const available = rs.status?.availableReplicas ?? 0;
    if (replicas === 0 || replicas <= available) continue;
    const count = Math.min(maxCleanup - total, replicas - available);
    const res = await s.scaleAndRecord(rs, replicas - count);
    total += count;
    rss[i] = res.rs;
  }
  return { rss, count: total };
}

/**
 * scaleDownOldReplicaSetsForRollingUpdate: oldest first, remove as many old replicas as the
 * available pods exceed replicas − maxUnavailable.
 */
export async function scaleDownOldForRollingUpdate(s: DeploymentSync, allRSs: (ReplicaSet | undefined)[], oldRSs: ReplicaSet[]): Promise<number> {
  const minAvailable = specReplicas(s.d) - maxUnavailable(s.d);
  const available = lastingAvailable(allRSs);
  if (available <= minAvailable) return 0;
  const toRemove = available - minAvailable;
  let total = 0;
  for (const rs of [...oldRSs].sort(byCreation)) {
    if (total >= toRemove) break;
    const replicas = specReplicas(rs);
    if (replicas === 0) continue;
    const count = Math.min(replicas, toRemove - total);
    await s.scaleAndRecord(rs, replicas - count);
    total += count;
  }
  return total;
}
