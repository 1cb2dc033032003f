/**
 * The service account controller's loop (upstream's ServiceAccountsController): informers on
 * namespaces and ServiceAccounts; a namespace that appears or changes, or loses one of the
 * wanted accounts, is looked at, and the accounts it lacks are created. A create that meets
 * an existing account or a namespace already terminating is not an error.
 */
import type { NamespaceObj } from "../../api/core/v1/namespace.js";
import type { ServiceAccountObj } from "../../api/core/v1/serviceaccount.js";
import { StatusError } from "../../machinery/errors.js";
import type { ControllerFactory } from "../runtime/index.js";
import { defaultServiceAccounts, missingAccounts } from "./accounts.js";

export interface ServiceAccountControllerOptions {
  /** Accounts every active namespace gets (default: ["default"]). */
  serviceAccounts?: string[];
  /** Default 2. */
  workers?: number;
}

export function serviceAccountController(opts: ServiceAccountControllerOptions = {}): ControllerFactory {
  const wanted = opts.serviceAccounts ?? defaultServiceAccounts;
  return ({ client, informers }) => {
    const namespaces = informers.forKind<NamespaceObj>("v1", "Namespace");
    const accounts = informers.forKind<ServiceAccountObj>("v1", "ServiceAccount");
    return {
      name: "serviceaccount",
      workers: opts.workers ?? 2,
      waitFor: [namespaces, accounts],
      setup(q) {
        namespaces.addHandler({
          onAdd: (ns) => q.add(ns.metadata.name!),
          onUpdate: (_old, ns) => q.add(ns.metadata.name!),
        });
        accounts.addHandler({
          onDelete: (sa) => {
            if (wanted.includes(sa.metadata.name!)) q.add(sa.metadata.namespace!);
          },
        });
      },
      async reconcile(name) {
        const ns = namespaces.get(name);
        if (!ns) return;
        const missing = missingAccounts(ns, wanted, (sa) => accounts.get(`${name}/${sa}`) !== undefined);
        for (const sa of missing) {
          try {
            await client.serviceaccounts.create(name, { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: sa, namespace: name } });
          } catch (err) {
            if (!(err instanceof StatusError)) throw err;
            // Already there (a stale cache), or the namespace is going away: nothing to do.
            if (err.code === 409 || err.code === 404) continue;
            if (err.code === 403 && err.details?.causes?.some((c) => c.reason === "NamespaceTerminating")) continue;
            throw err;
          }
        }
      },
    };
  };
}
