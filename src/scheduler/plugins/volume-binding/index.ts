/**
 * VolumeBinding (placeholder hooks until a PV binder exists). For pods with
 * PersistentVolumeClaim volumes (and generic ephemeral volumes' claims):
 * - a claim that is bound (spec.volumeName, or phase Bound) or not found passes;
 * - a claim being deleted, or still unbound, makes the pod UnschedulableAndUnresolvable
 *   until a PVC event requeues it.
 * Pods without claims skip the plugin. Volume topology (PV node affinity), delayed binding
 * and provisioning are not implemented.
 */
import type { CycleState } from "../../framework/cycle-state.js";
import { ActionType, type ClusterEventWithHint, type Handle, type PreFilterPlugin } from "../../framework/interfaces.js";
import type { PodInfo } from "../../framework/pod-info.js";
import { Status } from "../../framework/status.js";
import type { Pod } from "../../framework/types.js";

export const name = "VolumeBinding";
export const errReasonUnbound = "pod has unbound immediate PersistentVolumeClaims";

/** The claims a pod's volumes reference. */
export function podClaimNames(pod: Pod): string[] {
  const out: string[] = [];
  for (const v of pod.spec?.volumes ?? []) {
    if (v.persistentVolumeClaim?.claimName) out.push(v.persistentVolumeClaim.claimName);
    else if (v.ephemeral) out.push(`${pod.metadata.name}-${v.name}`);
  }
  return out;
}

export class VolumeBinding implements PreFilterPlugin {
  readonly name = name;

  constructor(private readonly handle: Handle) {}

  preFilter(_state: CycleState, pi: PodInfo): Status | undefined {
    const claims = podClaimNames(pi.pod);
    if (claims.length === 0) return Status.skip();
    const ns = pi.pod.metadata.namespace ?? "";
    let unbound = false;
    for (const c of claims) {
      const pvc = this.handle.listers.pvc(ns, c);
      if (!pvc) continue;
      if (pvc.metadata.deletionTimestamp) return Status.unresolvable(`persistentvolumeclaim "${c}" is being deleted`);
      if (!pvc.spec?.volumeName && pvc.status?.phase !== "Bound") unbound = true;
    }
    return unbound ? Status.unresolvable(errReasonUnbound) : undefined;
  }

  eventsToRegister(): ClusterEventWithHint[] {
    return [{ resource: "PersistentVolumeClaim", action: ActionType.Add | ActionType.UpdateOther | ActionType.Delete }];
  }
}

export const factory = (_args: unknown, h: Handle): VolumeBinding => new VolumeBinding(h);
