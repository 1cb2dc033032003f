/**
 * The service account controller's decision, pure: which of the wanted accounts a namespace
 * still lacks. Only active namespaces get accounts; a terminating one is being emptied.
 */
import type { KubeObject } from "../../machinery/object.js";

/** upstream's DefaultServiceAccountsControllerOptions: one account, `default`. */
export const defaultServiceAccounts = ["default"];

export function isActive(ns: KubeObject): boolean {
  const phase = (ns.status as { phase?: string } | undefined)?.phase;
  return !ns.metadata.deletionTimestamp && (phase === undefined || phase === "Active");
}

/** The wanted accounts that `exists` does not know in the namespace (none for an inactive one). */
export function missingAccounts(ns: KubeObject, wanted: readonly string[], exists: (name: string) => boolean): string[] {
  if (!isActive(ns)) return [];
  return wanted.filter((name) => !exists(name));
}
