/**
 * Which kinds the garbage collector watches, and how an ownerReference's apiVersion/kind
 * resolves to a resource. This is the one list: every built-in kind that can be listed,
 * watched and deleted (so it can own or be owned), except Events, which upstream's garbage
 * collector ignores, and versions served from another version's storage (the same objects
 * would be seen twice).
 */
import { builtinResources } from "../../api/index.js";
import { splitApiVersion } from "../../machinery/object.js";
import { verbsOf, type ResourceDef } from "../../machinery/resource.js";

/** Resources upstream's garbage collector never monitors (its ignoredResources). */
const ignored = new Set(["/events", "events.k8s.io/events"]);

/** The kinds the garbage collector builds its graph from. */
export function gcResources(defs: readonly ResourceDef[] = builtinResources): ResourceDef[] {
  return defs.filter((d) => {
    if (d.storedAs) return false;
    if (ignored.has(`${d.group}/${d.plural}`)) return false;
    const verbs = verbsOf(d);
    return verbs.includes("list") && verbs.includes("watch") && verbs.includes("delete") && verbs.includes("patch");
  });
}

/** Where an owner of this kind lives: its resource and whether it is namespaced. */
export interface OwnerKind {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

/**
 * Resolves an ownerReference's apiVersion and kind, as a RESTMapper does: the exact version
 * when it is served, else the same kind in another version of the group (owners written with
 * an older apiVersion still resolve). Undefined when the kind is unknown.
 */
export function resolveBuiltinKind(apiVersion: string, kind: string, defs: readonly ResourceDef[] = builtinResources): OwnerKind | undefined {
  const { group, version } = splitApiVersion(apiVersion);
  const exact = defs.find((d) => d.group === group && d.version === version && d.kind === kind);
  const def = exact ?? defs.find((d) => d.group === group && d.kind === kind && !d.storedAs);
  if (!def) return undefined;
  return { group: def.group, version: def.version, kind: def.kind, plural: def.plural, namespaced: def.namespaced };
}
