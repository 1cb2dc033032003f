/**
 * The server-side rollback of extensions/v1beta1 (upstream's rollback.go), still honoured in
 * apps/v1 through the `deprecated.deployment.rollback.to` annotation that carries the
 * removed spec.rollbackTo: the Deployment takes the template (and copyable annotations) of
 * the ReplicaSet with that revision (0: the previous one), and the annotation is cleared.
 * kubectl 1.32's `rollout undo` does not use it (it patches the template client-side).
 */
import type { PodTemplateSpec } from "kubernetes-types/core/v1.js";
import type { Deployment } from "../../api/apps/v1/deployment.js";
import type { ReplicaSet } from "../../api/apps/v1/replicaset.js";
import { deepCopy } from "../../machinery/object.js";
import { podTemplateHashLabel, revisionOf, rollbackToAnnotation, setDeploymentAnnotationsTo } from "./annotations.js";
import { equalIgnoreHash, type DeploymentSync, type SyncOutcome } from "./sync.js";

export const rollbackReasons = {
  revisionNotFound: "DeploymentRollbackRevisionNotFound",
  templateUnchanged: "DeploymentRollbackTemplateUnchanged",
  done: "DeploymentRollback",
} as const;

/** getRollbackTo: the requested revision; undefined without a valid annotation. */
export function rollbackTo(d: Deployment): number | undefined {
  const v = d.metadata.annotations?.[rollbackToAnnotation];
  if (!v || !/^[+-]?\d+$/.test(v)) return undefined;
  return Number.parseInt(v, 10);
}

/** LastRevision: the second highest revision. */
export function lastRevision(rss: (ReplicaSet | undefined)[]): number {
  let max = 0;
  let second = 0;
  for (const rs of rss) {
    if (!rs) continue;
    const v = revisionOf(rs);
    if (v === undefined) continue;
    if (v >= max) {
      second = max;
      max = v;
    } else if (v > second) {
      second = v;
    }
  }
  return second;
}

async function clearAndUpdate(s: DeploymentSync): Promise<void> {
  if (s.d.metadata.annotations) delete s.d.metadata.annotations[rollbackToAnnotation];
  await s.update();
}

export async function rollback(s: DeploymentSync): Promise<SyncOutcome> {
  const { newRS, oldRSs } = await s.getAllReplicaSetsAndSyncRevision(true);
  const all = [...oldRSs, newRS];
  let revision = rollbackTo(s.d) ?? 0;
  if (revision === 0) {
    revision = lastRevision(all);
    if (revision === 0) {
      s.event("Warning", rollbackReasons.revisionNotFound, "Unable to find last revision.");
      await clearAndUpdate(s);
      return {};
    }
  }
  for (const rs of all) {
    if (!rs || revisionOf(rs) !== revision) continue;
    const d = s.d;
    const performed = !equalIgnoreHash(d.spec?.template, rs.spec?.template);
    if (performed) {
      // SetFromReplicaSetTemplate: the ReplicaSet's template without its hash label.
      const template = deepCopy(rs.spec!.template!) as PodTemplateSpec;
      if (template.metadata?.labels) {
        const { [podTemplateHashLabel]: _hash, ...labels } = template.metadata.labels;
        template.metadata = { ...template.metadata, labels };
      }
      d.spec = { ...d.spec!, template };
      setDeploymentAnnotationsTo(d, rs);
    } else {
      s.event("Warning", rollbackReasons.templateUnchanged, `The rollback revision contains the same template as current deployment "${s.name}"`);
    }
    await clearAndUpdate(s);
    if (performed) s.event("Normal", rollbackReasons.done, `Rolled back deployment "${s.name}" to revision ${revision}`);
    return {};
  }
  s.event("Warning", rollbackReasons.revisionNotFound, "Unable to find the revision to rollback to.");
  await clearAndUpdate(s);
  return {};
}
