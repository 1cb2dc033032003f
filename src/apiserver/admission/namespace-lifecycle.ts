/**
 * NamespaceLifecycle, as upstream's admission plugin: namespaced objects may only be created
 * in a namespace that exists and is not terminating, and the system namespaces cannot be
 * deleted.
 */
import { errors } from "../../machinery/errors.js";
import type { KubeObject } from "../../machinery/object.js";
import type { ResourceDef } from "../../machinery/resource.js";
import { storagePrefix } from "../../machinery/registry.js";
import type { AdmissionPlugin, ResourceStore } from "../store.js";
import type { HubSubscription, WatchHub } from "../watch/hub.js";

const immortal = new Set(["default", "kube-system", "kube-public"]);

/** Entries kept at most; past it the cache starts over (namespaces are few; this bounds a flood). */
const maxCached = 10_000;

/**
 * Namespaces known to exist and be active, as upstream reads them from an informer: without
 * it every namespaced create would read storage. Only live, active namespaces are cached (a
 * missing one is looked up again, so a namespace created a moment ago is found); any change
 * to a namespace, arriving through the watch hub a few ms after its write, drops the cache.
 * Without a hub every lookup reads storage.
 */
class ActiveNamespaces {
  private readonly active = new Set<string>();
  private sub?: HubSubscription;
  /** Bumped on every namespace change: a read that raced one is not cached. */
  private epoch = 0;

  constructor(private readonly nsDef: () => ResourceDef, private readonly hub?: () => WatchHub | undefined) {}

  /** True when `ns` is known active; false means: read storage. */
  has(ns: string): boolean {
    return this.active.has(ns);
  }

  /** Runs the storage read, remembering an active namespace when no change raced it. */
  async read(store: ResourceStore, ns: string): Promise<KubeObject> {
    const watching = this.follow();
    const epoch = this.epoch;
    const obj = await store.get(this.nsDef(), undefined, ns);
    if (watching && this.sub && epoch === this.epoch && !isTerminating(obj)) {
      if (this.active.size >= maxCached) this.active.clear();
      this.active.add(ns);
    }
    return obj;
  }

  /** Subscribes to namespace changes from now on; false when no hub can tell us about them. */
  private follow(): boolean {
    if (this.sub) return true;
    const hub = this.hub?.();
    if (!hub) return false;
    try {
      this.sub = hub.subscribe(storagePrefix(this.nsDef()), hub.revision, () => this.invalidate(), () => {
        this.sub = undefined;
        this.invalidate();
      });
    } catch {
      return false;
    }
    return true;
  }

  private invalidate(): void {
    this.epoch++;
    this.active.clear();
  }
}

function isTerminating(ns: KubeObject): boolean {
  return !!ns.metadata.deletionTimestamp || (ns.status as { phase?: string } | undefined)?.phase === "Terminating";
}

/** `hub` (optional) lets the plugin remember active namespaces between namespace writes. */
export function namespaceLifecycle(namespaceDef: () => ResourceDef, hub?: () => WatchHub | undefined): AdmissionPlugin {
  const cache = new ActiveNamespaces(namespaceDef, hub);
  return {
    name: "NamespaceLifecycle",
    async admit({ operation, def, object, store }) {
      if (def.group === "" && def.kind === "Namespace") {
        if (operation === "DELETE" && immortal.has(object.metadata.name ?? "")) {
          throw errors.forbidden(`namespaces "${object.metadata.name}" is forbidden: this namespace may not be deleted`, { name: object.metadata.name, kind: "namespaces" });
        }
        return;
      }
      if (!def.namespaced || operation !== "CREATE") return;
      const ns = object.metadata.namespace!;
      if (cache.has(ns)) return;
      let nsObj;
      try {
        nsObj = await cache.read(store, ns);
      } catch (err) {
        if (err instanceof Error && (err as { code?: number }).code === 404) throw errors.notFound("namespaces", "", ns);
        throw err;
      }
      if (isTerminating(nsObj)) {
        const what = def.group ? `${def.plural}.${def.group}` : def.plural;
        throw errors.forbidden(`${what} "${object.metadata.name ?? ""}" is forbidden: unable to create new content in namespace ${ns} because it is being terminated`, {
          name: object.metadata.name, group: def.group, kind: def.plural,
          causes: [{ reason: "NamespaceTerminating", message: `namespace ${ns} is being terminated`, field: "metadata.namespace" }],
        });
      }
    },
  };
}
