/**
 * Discovery documents, derived from the resource registry: legacy (`/api`, `/apis`,
 * per group/version APIResourceList) and aggregated discovery v2 (and v2beta1 for older
 * kubectl), which kubectl prefers when the reply carries the exact content type.
 */
import type { ResourceRegistry } from "../../machinery/registry.js";
import { verbsOf, type ResourceDef } from "../../machinery/resource.js";

export const aggregatedV2ContentType = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
export const aggregatedV2Beta1ContentType = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList";

/** Which aggregated version (if any) the Accept header asks for, in its order of preference. */
export function wantsAggregated(accept: string | undefined): "v2" | "v2beta1" | undefined {
  if (!accept) return undefined;
  for (const part of accept.split(",")) {
    const p = part.replace(/\s+/g, "");
    if (!p.includes("as=APIGroupDiscoveryList") || !p.includes("g=apidiscovery.k8s.io")) continue;
    if (p.includes("v=v2beta1")) return "v2beta1";
    if (p.includes("v=v2")) return "v2";
  }
  return undefined;
}

export class Discovery {
  private cache = new Map<string, string>();

  constructor(private readonly registry: ResourceRegistry, private readonly serverAddress = "0.0.0.0:6443") {}

  /** `/api`: APIVersions. */
  coreVersions(): string {
    return this.memo("api", () => ({
      kind: "APIVersions",
      versions: ["v1"],
      serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: this.serverAddress }],
    }));
  }

  /** `/apis`: APIGroupList (every named group). */
  groupList(): string {
    return this.memo("apis", () => ({
      kind: "APIGroupList",
      apiVersion: "v1",
      groups: this.registry.groups().filter((g) => g.group !== "").map((g) => this.apiGroup(g.group, g.versions)),
    }));
  }

  /** `/apis/{group}`: APIGroup, or undefined when unknown. */
  group(group: string): string | undefined {
    const g = this.registry.groups().find((x) => x.group === group && group !== "");
    if (!g) return undefined;
    return this.memo(`group:${group}`, () => ({ kind: "APIGroup", apiVersion: "v1", ...this.apiGroup(g.group, g.versions) }));
  }

  /** `/api/v1` or `/apis/{g}/{v}`: APIResourceList, or undefined when unknown. */
  resourceList(group: string, version: string): string | undefined {
    if (!this.registry.hasGroupVersion(group, version)) return undefined;
    return this.memo(`rl:${group}/${version}`, () => ({
      kind: "APIResourceList",
      apiVersion: "v1",
      groupVersion: group ? `${group}/${version}` : version,
      resources: this.registry.resourcesOf(group, version).flatMap((d) => legacyResources(d)),
    }));
  }

  /** Aggregated discovery for `/api` (core) or `/apis` (named groups). */
  aggregated(core: boolean, version: "v2" | "v2beta1"): string {
    return this.memo(`agg:${core}:${version}`, () => ({
      kind: "APIGroupDiscoveryList",
      apiVersion: `apidiscovery.k8s.io/${version}`,
      metadata: {},
      items: this.registry.groups().filter((g) => (g.group === "") === core).map((g) => ({
        metadata: { name: g.group, creationTimestamp: null },
        versions: g.versions.map((v) => ({
          version: v,
          freshness: "Current",
          resources: this.registry.resourcesOf(g.group, v).map((d) => aggregatedResource(d)),
        })),
      })),
    }));
  }

  private apiGroup(group: string, versions: string[]): Record<string, unknown> {
    const vs = versions.map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
    return { name: group, versions: vs, preferredVersion: vs[0] };
  }

  private memo(key: string, build: () => unknown): string {
    let s = this.cache.get(key);
    if (s === undefined) {
      s = JSON.stringify(build());
      this.cache.set(key, s);
    }
    return s;
  }
}

function legacyResources(d: ResourceDef): Record<string, unknown>[] {
  const main: Record<string, unknown> = {
    name: d.plural,
    singularName: d.singular,
    namespaced: d.namespaced,
    kind: d.kind,
    verbs: verbsOf(d),
  };
  if (d.shortNames?.length) main.shortNames = d.shortNames;
  if (d.categories?.length) main.categories = d.categories;
  const out = [main];
  for (const s of subresourcesOf(d)) {
    const r: Record<string, unknown> = { name: `${d.plural}/${s.name}`, singularName: "", namespaced: d.namespaced, kind: s.kind, verbs: s.verbs };
    if (s.group !== undefined) r.group = s.group;
    if (s.version !== undefined) r.version = s.version;
    out.push(r);
  }
  return out;
}

function aggregatedResource(d: ResourceDef): Record<string, unknown> {
  const r: Record<string, unknown> = {
    resource: d.plural,
    responseKind: { group: d.group, version: d.version, kind: d.kind },
    scope: d.namespaced ? "Namespaced" : "Cluster",
    singularResource: d.singular,
    verbs: verbsOf(d),
  };
  if (d.shortNames?.length) r.shortNames = d.shortNames;
  if (d.categories?.length) r.categories = d.categories;
  const subs = subresourcesOf(d);
  if (subs.length) {
    r.subresources = subs.map((s) => ({
      subresource: s.name,
      responseKind: { group: s.group ?? d.group, version: s.version ?? d.version, kind: s.kind },
      verbs: s.verbs,
    }));
  }
  return r;
}

export interface SubresourceInfo {
  name: string;
  kind: string;
  group?: string;
  version?: string;
  verbs: string[];
}

/** The subresources a kind serves: status, scale, and those later components add. */
export function subresourcesOf(d: ResourceDef): SubresourceInfo[] {
  const out: SubresourceInfo[] = [];
  if (d.subresources?.status) out.push({ name: "status", kind: d.kind, verbs: ["get", "patch", "update"] });
  if (d.subresources?.scale) out.push({ name: "scale", kind: "Scale", group: "autoscaling", version: "v1", verbs: ["get", "patch", "update"] });
  for (const o of d.subresources?.others ?? []) out.push({ name: o.name, kind: o.kind, group: o.group, version: o.version, verbs: o.verbs });
  return out;
}
