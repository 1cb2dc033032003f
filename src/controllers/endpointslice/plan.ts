/**
 * The EndpointSlice controller's reconciliation, pure (upstream's reconciler, simplified):
 * given the Service's existing slices and its desired endpoints, which slices to create,
 * update and delete. Endpoints stay in the slice that holds them when they can (an unchanged
 * endpoint moves nowhere, so one pod's change rewrites one slice); new ones fill slices with
 * room, then new slices of at most maxEndpointsPerSlice. A Service without endpoints keeps
 * one placeholder slice (no ports, no endpoints), as upstream, so consumers can tell "none"
 * from "not synced yet".
 */
import { isDeepStrictEqual } from "node:util";
import type { Endpoint } from "kubernetes-types/discovery/v1.js";
import type { EndpointSlice } from "../../api/discovery/v1/endpointslice.js";
import type { ServiceObj } from "../../api/core/v1/service.js";
import { newControllerRef } from "../runtime/index.js";
import { sameStringMap } from "../endpoints/podutil.js";
import { endpointKey, portsKey, sliceLabels, type EndpointGroup } from "./desired.js";

export interface SlicePlan {
  create: EndpointSlice[];
  update: EndpointSlice[];
  delete: EndpointSlice[];
}

/** JSON has no undefined: compare what the server would hand back. */
function same(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(JSON.parse(JSON.stringify(a ?? null)), JSON.parse(JSON.stringify(b ?? null)));
}

function isOwnedBy(slice: EndpointSlice, svc: ServiceObj): boolean {
  return (slice.metadata.ownerReferences ?? []).some((r) => r.controller === true && r.kind === "Service" && r.uid === svc.metadata.uid);
}

function newSlice(svc: ServiceObj, group: Pick<EndpointGroup, "addressType" | "ports">, endpoints: Endpoint[]): EndpointSlice {
  return {
    apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice",
    metadata: {
      generateName: `${svc.metadata.name}-`,
      namespace: svc.metadata.namespace,
      labels: sliceLabels(svc),
      ownerReferences: [newControllerRef(svc, "v1", "Service")],
    },
    addressType: group.addressType,
    endpoints,
    ports: group.ports,
  };
}

interface Working { slice: EndpointSlice; endpoints: Endpoint[]; changed: boolean }

export function planSlices(svc: ServiceObj, existing: readonly EndpointSlice[], desired: Map<string, EndpointGroup>, maxPerSlice: number): SlicePlan {
  const plan: SlicePlan = { create: [], update: [], delete: [] };
  const labels = sliceLabels(svc);
  const byKey = new Map<string, EndpointSlice[]>();
  for (const s of existing) {
    if (!isOwnedBy(s, svc)) { plan.delete.push(s); continue; }
    const k = portsKey(s.addressType ?? "", s.ports ?? []);
    byKey.set(k, [...(byKey.get(k) ?? []), s]);
  }
  const total = [...desired.values()].reduce((n, g) => n + g.endpoints.size, 0);

  if (total === 0) {
    const owned = [...byKey.values()].flat();
    const placeholder = owned.find((s) => (s.endpoints ?? []).length === 0 && (s.ports ?? []).length === 0);
    for (const s of owned) if (s !== placeholder) plan.delete.push(s);
    if (!placeholder) plan.create.push(newSlice(svc, { addressType: "IPv4", ports: [] }, []));
    else if (!sameStringMap(placeholder.metadata.labels, labels)) plan.update.push({ ...placeholder, metadata: { ...placeholder.metadata, labels } });
    return plan;
  }

  for (const [k, slices] of byKey) if (!desired.has(k)) plan.delete.push(...slices);

  for (const [k, group] of desired) {
    const pending = new Map(group.endpoints);
    const work: Working[] = [];
    for (const slice of (byKey.get(k) ?? []).slice().sort((a, b) => (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""))) {
      const w: Working = { slice, endpoints: [], changed: !sameStringMap(slice.metadata.labels, labels) };
      for (const ep of slice.endpoints ?? []) {
        const ek = endpointKey(ep);
        const want = pending.get(ek);
        if (!want) { w.changed = true; continue; }
        pending.delete(ek);
        if (same(ep, want)) w.endpoints.push(ep);
        else { w.endpoints.push(want); w.changed = true; }
      }
      work.push(w);
    }
    // Fill slices already being rewritten first, so that a new endpoint costs no extra write.
    const rest = [...pending.values()];
    const order = [...work.filter((w) => w.changed), ...work.filter((w) => !w.changed)];
    for (const w of order) {
      while (rest.length > 0 && w.endpoints.length < maxPerSlice) { w.endpoints.push(rest.shift()!); w.changed = true; }
    }
    for (const w of work) {
      if (w.endpoints.length === 0) plan.delete.push(w.slice);
      else if (w.changed) plan.update.push({ ...w.slice, metadata: { ...w.slice.metadata, labels }, endpoints: w.endpoints });
    }
    while (rest.length > 0) plan.create.push(newSlice(svc, group, rest.splice(0, maxPerSlice)));
  }
  return plan;
}
