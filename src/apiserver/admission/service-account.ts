/**
 * ServiceAccount, as upstream's admission plugin (the part that does not need tokens): a pod
 * created without a service account gets `default` (in spec.serviceAccountName and in the
 * deprecated spec.serviceAccount), and a pod naming a ServiceAccount that does not exist is
 * refused with 403 Forbidden. Token volumes come with the security work. The `default`
 * account is made by the serviceaccount controller, so a missing one is looked up a few more
 * times before giving up (the namespace may be seconds old).
 */
import { errors } from "../../machinery/errors.js";
import type { ResourceDef } from "../../machinery/resource.js";
import type { AdmissionPlugin } from "../store.js";

export const defaultServiceAccountName = "default";
const mirrorPodAnnotation = "kubernetes.io/config.mirror";

export interface ServiceAccountAdmissionOptions {
  /** Lookups of the `default` account before refusing the pod (upstream: 10). */
  defaultLookupAttempts?: number;
  /** Delay between lookups (upstream: random in 100–200 ms). */
  retryDelayMs?: () => number;
}

interface PodSpecFields {
  serviceAccountName?: string;
  serviceAccount?: string;
}

export function serviceAccountAdmission(serviceAccountDef: () => ResourceDef, opts: ServiceAccountAdmissionOptions = {}): AdmissionPlugin {
  const attemptsForDefault = opts.defaultLookupAttempts ?? 10;
  const delay = opts.retryDelayMs ?? (() => 100 + Math.floor(Math.random() * 100));
  return {
    name: "ServiceAccount",
    async admit({ operation, def, object, store, subresource }) {
      if (operation !== "CREATE" || subresource || def.group !== "" || def.kind !== "Pod") return;
      const spec = (object.spec ??= {}) as PodSpecFields;
      const podName = object.metadata.name ?? object.metadata.generateName ?? "";
      if (object.metadata.annotations?.[mirrorPodAnnotation] !== undefined) {
        // Static pods' mirrors are made by a kubelet that cannot reach ServiceAccounts.
        if (spec.serviceAccountName) throw forbidden(podName, "a mirror pod may not reference service accounts");
        return;
      }
      // The deprecated field still names the account when the new one is empty.
      const name = spec.serviceAccountName || spec.serviceAccount || defaultServiceAccountName;
      spec.serviceAccountName = name;
      spec.serviceAccount = name;
      const namespace = object.metadata.namespace!;
      const attempts = name === defaultServiceAccountName ? attemptsForDefault : 1;
      for (let i = 0; i < attempts; i++) {
        if (i > 0) await new Promise((r) => setTimeout(r, delay()));
        try {
          await store.get(serviceAccountDef(), namespace, name);
          return;
        } catch (err) {
          if ((err as { code?: number }).code !== 404) throw err;
        }
      }
      throw forbidden(podName, `error looking up service account ${namespace}/${name}: serviceaccount "${name}" not found`);
    },
  };
}

/** admission.NewForbidden: `pods "<name>" is forbidden: <reason>`. */
function forbidden(podName: string, reason: string): Error {
  return errors.forbidden(`pods "${podName}" is forbidden: ${reason}`, { name: podName, kind: "pods" });
}

