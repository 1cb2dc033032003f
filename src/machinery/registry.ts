/**
 * Lookup over the resource definitions: by group/version/plural for routing, by
 * group/version/kind for decoding bodies. Every derived view (discovery, OpenAPI, tables)
 * iterates `all` in registration order.
 */
import type { ResourceDef } from "./resource.js";

export interface GroupVersion {
  group: string;
  version: string;
}

export class ResourceRegistry {
  private readonly byPath = new Map<string, ResourceDef>();
  private readonly byKind = new Map<string, ResourceDef>();

  constructor(readonly all: ResourceDef[]) {
    for (const def of all) {
      const pk = pathKey(def.group, def.version, def.plural);
      if (this.byPath.has(pk)) throw new Error(`resource ${pk} registered twice`);
      this.byPath.set(pk, def);
      this.byKind.set(pathKey(def.group, def.version, def.kind), def);
    }
  }

  lookup(group: string, version: string, plural: string): ResourceDef | undefined {
    return this.byPath.get(pathKey(group, version, plural));
  }

  lookupKind(group: string, version: string, kind: string): ResourceDef | undefined {
    return this.byKind.get(pathKey(group, version, kind));
  }

  /** Group/versions in registration order; the first version of a group is its preferred one. */
  groupVersions(): GroupVersion[] {
    const seen = new Set<string>();
    const out: GroupVersion[] = [];
    for (const d of this.all) {
      const k = `${d.group}/${d.version}`;
      if (!seen.has(k)) {
        seen.add(k);
        out.push({ group: d.group, version: d.version });
      }
    }
    return out;
  }

  /** Groups in registration order with their versions, preferred first. */
  groups(): { group: string; versions: string[] }[] {
    const m = new Map<string, string[]>();
    for (const gv of this.groupVersions()) {
      const vs = m.get(gv.group) ?? [];
      vs.push(gv.version);
      m.set(gv.group, vs);
    }
    return [...m].map(([group, versions]) => ({ group, versions }));
  }

  hasGroupVersion(group: string, version: string): boolean {
    return this.all.some((d) => d.group === group && d.version === version);
  }

  resourcesOf(group: string, version: string): ResourceDef[] {
    return this.all.filter((d) => d.group === group && d.version === version);
  }
}

function pathKey(group: string, version: string, name: string): string {
  return `${group}/${version}/${name}`;
}

/** The storage key prefix of a kind (its stored form when served from another version). */
export function storagePrefix(def: ResourceDef, namespace?: string): string {
  const group = def.storedAs?.group ?? def.group;
  const plural = def.plural;
  const base = `/registry/${group || "core"}/${plural}/`;
  return def.namespaced && namespace ? `${base}${namespace}/` : base;
}

export function storageKey(def: ResourceDef, namespace: string | undefined, name: string): string {
  return `${storagePrefix(def, def.namespaced ? namespace : undefined)}${name}`;
}
