/**
 * The Recreate strategy (upstream's recreate.go): scale every old ReplicaSet to zero, wait
 * until none of their pods is left (terminating pods count: they may still be running),
 * then create the new ReplicaSet at full size.
 */
import type { ReplicaSet } from "../../api/apps/v1/replicaset.js";
import type { PodObj } from "../../api/core/v1/pod-printer.js";
import { activeReplicaSets, specReplicas, sumStatus } from "./replicas.js";
import { deploymentComplete } from "./status.js";
import type { DeploymentSync, SyncOutcome } from "./sync.js";

/** Pods of the Deployment grouped by the uid of the ReplicaSet that controls them. */
export type PodMap = Map<string, PodObj[]>;

export async function rolloutRecreate(s: DeploymentSync, podMap: PodMap): Promise<SyncOutcome> {
  let { newRS, oldRSs } = await s.getAllReplicaSetsAndSyncRevision(false);
  const all = (): (ReplicaSet | undefined)[] => {
    const fresh = s.refresh(newRS, oldRSs);
    return [...fresh.oldRSs, fresh.newRS];
  };
  let scaledDown = false;
  for (const rs of activeReplicaSets(oldRSs)) {
    if ((await s.scaleAndRecord(rs, 0)).scaled) scaledDown = true;
  }
  if (scaledDown) return s.syncRolloutStatus(all(), s.refresh(newRS, oldRSs).newRS);
  if (oldPodsRunning(newRS, s.refresh(newRS, oldRSs).oldRSs, podMap)) return s.syncRolloutStatus(all(), s.refresh(newRS, oldRSs).newRS);
  if (!newRS) ({ newRS, oldRSs } = await s.getAllReplicaSetsAndSyncRevision(true));
  if (newRS) await s.scaleAndRecord(s.refresh(newRS, oldRSs).newRS!, specReplicas(s.d));
  if (deploymentComplete(s.d, s.d.status ?? {})) await s.cleanupDeployment(s.refresh(newRS, oldRSs).oldRSs);
  return s.syncRolloutStatus(all(), s.refresh(newRS, oldRSs).newRS);
}

/** oldPodsRunning: an old ReplicaSet still reports pods, or a pod of one has not finished. */
export function oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[], podMap: PodMap): boolean {
  if (sumStatus(oldRSs, "replicas") > 0) return true;
  for (const [uid, pods] of podMap) {
    if (newRS && newRS.metadata.uid === uid) continue;
    for (const pod of pods) {
      const phase = pod.status?.phase;
      if (phase === "Failed" || phase === "Succeeded") continue;
      return true;
    }
  }
  return false;
}
