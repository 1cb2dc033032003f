import { test } from "node:test";
import assert from "node:assert/strict";
import type { KubeObject, OwnerReference } from "../../machinery/object.js";
import {
  blockingDependents, classifyOwner, decideForeground, decideItem, deletionState, ownerReferencesChanged,
  policyFromFinalizers, removeFinalizerPatch, removeOwnerReferencesPatch, unblockedOwners, unblockOwnerReferencesPatch,
  type ClassifiedOwner,
} from "./decide.js";
import { gcResources, resolveBuiltinKind } from "./resources.js";
import { AbsentOwners } from "./absent.js";

const ref = (uid: string, block = false): OwnerReference => ({ apiVersion: "apps/v1", kind: "ReplicaSet", name: `rs-${uid}`, uid, controller: true, blockOwnerDeletion: block });

function obj(uid: string, meta: Partial<KubeObject["metadata"]> = {}): KubeObject {
  return { apiVersion: "v1", kind: "Pod", metadata: { name: `o-${uid}`, namespace: "default", uid, resourceVersion: "7", ...meta } };
}

const deleting = (uid: string, finalizers: string[] = []): KubeObject =>
  obj(uid, { deletionTimestamp: "2024-01-01T00:00:00Z", finalizers });

const facts = { hasDependents: false, dependentDeletingDependents: false };

test("deletionState reads the deletion timestamp and the GC finalizers", () => {
  assert.equal(deletionState(obj("a")), "live");
  assert.equal(deletionState(obj("a", { finalizers: ["orphan"] })), "live");
  assert.equal(deletionState(deleting("a", ["orphan"])), "orphaning");
  assert.equal(deletionState(deleting("a", ["foregroundDeletion"])), "deletingDependents");
  assert.equal(deletionState(deleting("a", ["example.com/x"])), "beingDeleted");
  assert.equal(deletionState(deleting("a")), "beingDeleted");
});

test("classifyOwner: absent or another uid is dangling, foreground deletion waits, the rest is solid", () => {
  const r = ref("u1");
  assert.equal(classifyOwner(r, undefined), "dangling");
  assert.equal(classifyOwner(r, obj("other")), "dangling");
  assert.equal(classifyOwner(r, obj("u1")), "solid");
  assert.equal(classifyOwner(r, deleting("u1", ["orphan"])), "solid");
  assert.equal(classifyOwner(r, deleting("u1", ["foregroundDeletion"])), "waiting");
  assert.equal(classifyOwner(r, deleting("u1")), "solid");
});

test("decideItem: no owners, or a solid owner only, leaves the object alone", () => {
  assert.deepEqual(decideItem(obj("a"), [], facts), { type: "none" });
  assert.deepEqual(decideItem(obj("a"), [{ ref: ref("o"), cls: "solid" }], facts), { type: "none" });
});

test("decideItem: a solid owner beside dangling or waiting ones trims the references", () => {
  const owners: ClassifiedOwner[] = [
    { ref: ref("s"), cls: "solid" },
    { ref: ref("d"), cls: "dangling" },
    { ref: ref("w"), cls: "waiting" },
  ];
  assert.deepEqual(decideItem(obj("a"), owners, facts), { type: "removeOwnerReferences", uids: ["d", "w"] });
});

test("decideItem: all owners dangling deletes in the background, honouring the object's own finalizers", () => {
  const owners: ClassifiedOwner[] = [{ ref: ref("d"), cls: "dangling" }];
  assert.deepEqual(decideItem(obj("a"), owners, facts), { type: "delete", policy: "Background", unblockFirst: false });
  assert.deepEqual(decideItem(obj("a", { finalizers: ["orphan"] }), owners, facts), { type: "delete", policy: "Orphan", unblockFirst: false });
  assert.deepEqual(decideItem(obj("a", { finalizers: ["foregroundDeletion"] }), owners, facts), { type: "delete", policy: "Foreground", unblockFirst: false });
});

test("decideItem: an owner waiting for its dependents deletes one with dependents in the foreground", () => {
  const owners: ClassifiedOwner[] = [{ ref: ref("w", true), cls: "waiting" }];
  assert.deepEqual(decideItem(obj("a"), owners, { hasDependents: true, dependentDeletingDependents: false }), { type: "delete", policy: "Foreground", unblockFirst: false });
  assert.deepEqual(decideItem(obj("a"), owners, { hasDependents: true, dependentDeletingDependents: true }), { type: "delete", policy: "Foreground", unblockFirst: true });
  // Without dependents of its own, a plain background delete.
  assert.deepEqual(decideItem(obj("a"), owners, facts), { type: "delete", policy: "Background", unblockFirst: false });
});

test("decideItem: objects already being deleted are left to finish", () => {
  const owners: ClassifiedOwner[] = [{ ref: ref("d"), cls: "dangling" }];
  assert.deepEqual(decideItem(deleting("a"), owners, facts), { type: "none" });
  assert.deepEqual(decideItem(deleting("a", ["orphan"]), owners, facts), { type: "none" });
  assert.deepEqual(decideItem(deleting("a", ["foregroundDeletion"]), owners, facts), { type: "none" });
  // ...even beside a solid owner.
  assert.deepEqual(decideItem(deleting("a"), [...owners, { ref: ref("s"), cls: "solid" }], facts), { type: "none" });
});

test("policyFromFinalizers", () => {
  assert.equal(policyFromFinalizers(obj("a")), "Background");
  assert.equal(policyFromFinalizers(obj("a", { finalizers: ["orphan"] })), "Orphan");
  assert.equal(policyFromFinalizers(obj("a", { finalizers: ["x", "foregroundDeletion"] })), "Foreground");
});

test("blockingDependents and decideForeground", () => {
  const owner = deleting("o", ["foregroundDeletion"]);
  const blocking = obj("b", { ownerReferences: [ref("o", true)] });
  const free = obj("f", { ownerReferences: [ref("o", false)] });
  const going = { ...deleting("g"), metadata: { ...deleting("g").metadata, ownerReferences: [ref("o", true)] } };
  assert.deepEqual(blockingDependents("o", [blocking, free, going]).map((d) => d.metadata.uid), ["b", "g"]);
  assert.deepEqual(decideForeground(owner, []), { type: "removeFinalizer" });
  assert.deepEqual(decideForeground(owner, [free]), { type: "removeFinalizer" });
  const act = decideForeground(owner, [blocking, free, going]);
  assert.equal(act.type, "wait");
  assert.deepEqual(act.type === "wait" ? act.recheck.map((d) => d.metadata.uid) : [], ["b", "f"]);
});

test("patches are merge patches pinned to the resourceVersion", () => {
  const o = obj("a", { ownerReferences: [ref("x"), ref("y")], finalizers: ["orphan", "keep"] });
  assert.deepEqual(removeOwnerReferencesPatch(o, ["x"]), { metadata: { ownerReferences: [ref("y")], resourceVersion: "7" } });
  assert.deepEqual(removeOwnerReferencesPatch(o, ["x", "y"]), { metadata: { ownerReferences: null, resourceVersion: "7" } });
  assert.deepEqual(removeFinalizerPatch(o, "orphan"), { metadata: { finalizers: ["keep"], resourceVersion: "7" } });
  assert.equal(removeFinalizerPatch(o, "foregroundDeletion"), undefined);
  assert.deepEqual(removeFinalizerPatch(obj("b", { finalizers: ["orphan"] }), "orphan"), { metadata: { finalizers: null, resourceVersion: "7" } });
  assert.equal(unblockOwnerReferencesPatch(o), undefined);
  const blocked = obj("c", { ownerReferences: [ref("x", true), ref("y")] });
  assert.deepEqual(unblockOwnerReferencesPatch(blocked), { metadata: { ownerReferences: [ref("x", false), ref("y")], resourceVersion: "7" } });
});

test("owner reference changes and unblocked owners", () => {
  const before = obj("a", { ownerReferences: [ref("x", true), ref("y", true)] });
  assert.equal(ownerReferencesChanged(before, obj("a", { ownerReferences: [ref("x", true), ref("y", true)] })), false);
  const after = obj("a", { ownerReferences: [ref("x", false)] });
  assert.equal(ownerReferencesChanged(before, after), true);
  assert.deepEqual(unblockedOwners(before, after), ["x", "y"]);
  assert.deepEqual(unblockedOwners(before, before), []);
});

test("gcResources: deletable, watchable kinds; no events, no second storage view", () => {
  const names = gcResources().map((d) => `${d.group}/${d.plural}`);
  for (const want of ["/pods", "apps/replicasets", "apps/deployments", "apps/daemonsets", "apps/statefulsets", "batch/jobs", "batch/cronjobs",
    "/replicationcontrollers", "/services", "/endpoints", "discovery.k8s.io/endpointslices", "/configmaps", "/secrets",
    "apps/controllerrevisions", "/persistentvolumeclaims", "/nodes", "/namespaces", "coordination.k8s.io/leases"]) {
    assert.ok(names.includes(want), want);
  }
  assert.ok(!names.includes("/events"));
  assert.ok(!names.includes("events.k8s.io/events"));
  assert.equal(names.filter((n) => n === "autoscaling/horizontalpodautoscalers").length, 1);
  assert.ok(!names.some((n) => n.endsWith("subjectaccessreviews")));
});

test("resolveBuiltinKind: exact version, another version of the group, unknown", () => {
  assert.deepEqual(resolveBuiltinKind("apps/v1", "ReplicaSet"), { group: "apps", version: "v1", kind: "ReplicaSet", plural: "replicasets", namespaced: true });
  assert.equal(resolveBuiltinKind("apps/v1beta2", "Deployment")?.plural, "deployments");
  assert.deepEqual(resolveBuiltinKind("v1", "Node"), { group: "", version: "v1", kind: "Node", plural: "nodes", namespaced: false });
  assert.equal(resolveBuiltinKind("example.com/v1", "Widget"), undefined);
});

test("AbsentOwners is a bounded LRU keyed by namespace and uid", () => {
  const a = new AbsentOwners(2);
  a.add(AbsentOwners.key("ns", "1"));
  a.add(AbsentOwners.key(undefined, "2"));
  assert.ok(a.has("ns|1"));
  assert.ok(!a.has("other|1"));
  a.add("|3");
  assert.equal(a.size, 2);
  assert.ok(!a.has("|2"), "least recently used dropped");
  assert.ok(a.has("ns|1"));
});
