/**
 * Claiming pods for a replica controller (upstream's PodControllerRefManager.ClaimPods):
 * keep pods we control whose labels still match, release (orphan) the ones that no longer
 * match, adopt matching orphans. Adoption and release are strategic merge patches of
 * metadata.ownerReferences carrying metadata.uid, so they fail on a pod that was replaced
 * by another of the same name. Before the first adoption the owner is re-read from the
 * server (not the cache), so a controller being deleted adopts nothing.
 */
import type { ParsedSelector } from "../../api/common/selector.js";
import type { ResourceOps } from "../../client/interfaces.js";
import { StatusError } from "../../machinery/errors.js";
import type { KubeObject, OwnerReference } from "../../machinery/object.js";
import { controllerRef, newControllerRef } from "../runtime/index.js";
import type { PodObj } from "./pods.js";

export interface ClaimTarget {
  owner: KubeObject;
  apiVersion: string;
  kind: string;
  selector: ParsedSelector;
  /** Fresh read of the owner (uncached), for the deletion recheck before adopting. */
  refetch(): Promise<KubeObject>;
}

export interface ClaimResult {
  claimed: PodObj[];
  errors: Error[];
}

function isNotFound(err: unknown): boolean {
  return err instanceof StatusError && err.code === 404;
}

function isInvalid(err: unknown): boolean {
  return err instanceof StatusError && err.code === 422;
}

/** The adoption patch: our controller reference, merged by uid, with the pod's uid as precondition. */
export function adoptPatch(ref: OwnerReference, podUid: string): object {
  return { metadata: { ownerReferences: [ref], uid: podUid } };
}

/** The release patch: delete our reference (by uid), with the pod's uid as precondition. */
export function releasePatch(ownerUid: string, podUid: string): object {
  return { metadata: { ownerReferences: [{ $patch: "delete", uid: ownerUid }], uid: podUid } };
}

export async function claimPods(pods: ResourceOps<PodObj>, target: ClaimTarget, candidates: PodObj[]): Promise<ClaimResult> {
  const { owner, selector } = target;
  const ownerUid = owner.metadata.uid ?? "";
  const ownerDeleting = !!owner.metadata.deletionTimestamp;
  const claimed: PodObj[] = [];
  const errors: Error[] = [];
  let canAdopt: Promise<void> | undefined;
  const recheck = (): Promise<void> => (canAdopt ??= target.refetch().then((fresh) => {
    if (fresh.metadata.uid !== ownerUid) {
      throw new Error(`original ${target.kind} ${owner.metadata.namespace}/${owner.metadata.name} is gone: got uid ${fresh.metadata.uid}, wanted ${ownerUid}`);
    }
    if (fresh.metadata.deletionTimestamp) {
      throw new Error(`${owner.metadata.namespace}/${owner.metadata.name} has just been deleted at ${fresh.metadata.deletionTimestamp}`);
    }
  }));

  const work: Promise<void>[] = [];
  for (const pod of candidates) {
    const ref = controllerRef(pod);
    const matches = selector.matches(pod.metadata.labels);
    const ns = pod.metadata.namespace;
    const name = pod.metadata.name ?? "";
    const podUid = pod.metadata.uid ?? "";
    if (ref) {
      if (ref.uid !== ownerUid) continue;
      if (matches) {
        claimed.push(pod);
        continue;
      }
      if (ownerDeleting) continue;
      work.push(pods.patch(ns, name, "strategic", releasePatch(ownerUid, podUid)).then(
        () => undefined,
        (err: unknown) => {
          // Gone, or no longer ours (Invalid: the uid changed or the reference is gone).
          if (isNotFound(err) || isInvalid(err)) return;
          errors.push(err as Error);
        },
      ));
      continue;
    }
    if (ownerDeleting || !matches || pod.metadata.deletionTimestamp) continue;
    if (owner.metadata.namespace && owner.metadata.namespace !== ns) continue;
    work.push((async () => {
      try {
        await recheck();
      } catch (err) {
        errors.push(new Error(`can't adopt Pod ${ns}/${name} (${podUid}): ${(err as Error).message}`));
        return;
      }
      try {
        const adopted = await pods.patch(ns, name, "strategic", adoptPatch(newControllerRef(owner, target.apiVersion, target.kind), podUid));
        claimed.push(adopted);
      } catch (err) {
        if (!isNotFound(err)) errors.push(err as Error);
      }
    })());
  }
  await Promise.all(work);
  return { claimed, errors };
}
