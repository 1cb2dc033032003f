/** Owner-reference helpers (upstream's metav1.GetControllerOf and NewControllerRef). */
import type { KubeObject, OwnerReference } from "../../machinery/object.js";

/** The ownerReference with `controller: true`, if any (at most one is allowed). */
export function controllerRef(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true);
}

/** The reference a controller puts on what it creates: controller and blockOwnerDeletion set. */
export function newControllerRef(owner: KubeObject, apiVersion: string, kind: string): OwnerReference {
  return {
    apiVersion,
    kind,
    name: owner.metadata.name ?? "",
    uid: owner.metadata.uid ?? "",
    controller: true,
    blockOwnerDeletion: true,
  };
}
