/**
 * Adoption and orphaning of ReplicaSets by a Deployment's selector (upstream's
 * ReplicaSetControllerRefManager.ClaimReplicaSets): a ReplicaSet controlled by the
 * Deployment stays claimed while the selector matches it and is released (its
 * ownerReference removed) when it stops matching; an orphan that matches is adopted
 * (a controller ownerReference added) unless the Deployment is being deleted, which is
 * checked against a fresh read before the first adoption. ReplicaSets controlled by
 * someone else are never touched.
 */
import type { Deployment } from "../../api/apps/v1/deployment.js";
import type { ReplicaSet } from "../../api/apps/v1/replicaset.js";
import type { ParsedSelector } from "../../api/common/selector.js";
import type { ApiClient } from "../../client/index.js";
import { StatusError } from "../../machinery/errors.js";
import type { OwnerReference } from "../../machinery/object.js";
import { controllerRef, newControllerRef } from "../runtime/index.js";

export function deploymentControllerRef(d: Deployment): OwnerReference {
  return newControllerRef(d, "apps/v1", "Deployment");
}

/** RecheckDeletionTimestamp: adopting is allowed only while a fresh read shows the same, live Deployment. */
async function checkCanAdopt(client: ApiClient, d: Deployment): Promise<void> {
  const fresh = await client.deployments.get(d.metadata.namespace, d.metadata.name ?? "");
  if (fresh.metadata.uid !== d.metadata.uid) {
    throw new Error(`original Deployment ${d.metadata.namespace}/${d.metadata.name} is gone: got uid ${fresh.metadata.uid}, wanted ${d.metadata.uid}`);
  }
  if (fresh.metadata.deletionTimestamp) {
    throw new Error(`${d.metadata.namespace}/${d.metadata.name} has just been deleted at ${fresh.metadata.deletionTimestamp}`);
  }
}

function ignorable(err: unknown): boolean {
  // The ReplicaSet vanished or was replaced (uid precondition): nothing left to claim.
  return err instanceof StatusError && (err.code === 404 || err.code === 422);
}

/**
 * The ReplicaSets `d` owns after adopting and releasing. Errors of individual patches are
 * collected and thrown together after the others were tried, as upstream aggregates them.
 */
export async function claimReplicaSets(client: ApiClient, d: Deployment, selector: ParsedSelector, candidates: ReplicaSet[]): Promise<ReplicaSet[]> {
  const uid = d.metadata.uid;
  const deleting = Boolean(d.metadata.deletionTimestamp);
  const claimed: ReplicaSet[] = [];
  const errs: Error[] = [];
  let adoptCheck: Promise<void> | undefined;
  for (const rs of candidates) {
    const ref = controllerRef(rs);
    const matches = selector.matches(rs.metadata.labels);
    if (ref) {
      if (ref.uid !== uid) continue;
      if (matches) {
        claimed.push(rs);
        continue;
      }
      if (deleting) continue;
      try {
        const patch = { metadata: { ownerReferences: [{ $patch: "delete", uid }], uid: rs.metadata.uid } };
        await client.replicasets.patch(rs.metadata.namespace, rs.metadata.name ?? "", "strategic", patch);
      } catch (err) {
        if (!ignorable(err)) errs.push(err as Error);
      }
      continue;
    }
    if (deleting || !matches || rs.metadata.deletionTimestamp) continue;
    if (rs.metadata.namespace !== d.metadata.namespace) continue;
    try {
      await (adoptCheck ??= checkCanAdopt(client, d));
      const patch = { metadata: { ownerReferences: [deploymentControllerRef(d)], uid: rs.metadata.uid } };
      claimed.push(await client.replicasets.patch(rs.metadata.namespace, rs.metadata.name ?? "", "strategic", patch));
    } catch (err) {
      if (!ignorable(err)) errs.push(err as Error);
    }
  }
  if (errs.length === 1) throw errs[0];
  if (errs.length > 1) throw new Error(`[${errs.map((e) => e.message).join(", ")}]`);
  return claimed;
}
