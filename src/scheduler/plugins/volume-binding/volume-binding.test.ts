import { test } from "node:test";
import assert from "node:assert/strict";
import { emptyListers } from "../../framework/interfaces.js";
import type { PersistentVolumeClaim } from "../../framework/types.js";
import { filterAll, frameworkWith, makeNode, makePod } from "../../testing.js";

test("VolumeBinding placeholder: bound or absent claims pass, unbound or deleting ones do not", () => {
  const pvcs: Record<string, PersistentVolumeClaim> = {
    bound: { metadata: { name: "bound", namespace: "default" }, spec: { volumeName: "pv1" }, status: { phase: "Bound" } },
    pending: { metadata: { name: "pending", namespace: "default" }, spec: {}, status: { phase: "Pending" } },
    gone: { metadata: { name: "gone", namespace: "default", deletionTimestamp: "2024-01-01T00:00:00Z" }, spec: { volumeName: "pv2" } },
  };
  const { fwk, snap } = frameworkWith(["VolumeBinding"], [makeNode("n")], [], { listers: { ...emptyListers, pvc: (_ns, name) => pvcs[name] } });
  const withClaim = (claim: string) => {
    const p = makePod("p");
    p.spec!.volumes = [{ name: "data", persistentVolumeClaim: { claimName: claim } }];
    return p;
  };
  assert.deepEqual(filterAll(fwk, snap, makePod("p")), { n: "" });
  assert.deepEqual(filterAll(fwk, snap, withClaim("bound")), { n: "" });
  assert.deepEqual(filterAll(fwk, snap, withClaim("absent")), { n: "" });
  assert.deepEqual(filterAll(fwk, snap, withClaim("pending")), { n: "prefilter: pod has unbound immediate PersistentVolumeClaims" });
  assert.deepEqual(filterAll(fwk, snap, withClaim("gone")), { n: 'prefilter: persistentvolumeclaim "gone" is being deleted' });
});
