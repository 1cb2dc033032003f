import { test } from "node:test";
import assert from "node:assert/strict";
import type { KubeObject } from "../../machinery/object.js";
import {
  contentDeletionProblem, discoveryProblem, estimatePodsTermination, finalizersOf, gvrString, preferredDeletableResources,
  remainingProblems, requeueDelayMs, updateConditions, withoutKubernetesFinalizer,
} from "./deletion.js";

test("preferredDeletableResources: preferred version, namespaced, deletable; stale groups fail", () => {
  const { resources, failedGroups } = preferredDeletableResources([
    { items: [{ metadata: { name: "" }, versions: [{ version: "v1", resources: [
      { resource: "pods", scope: "Namespaced", verbs: ["delete", "deletecollection", "list"], responseKind: { kind: "Pod" } },
      { resource: "nodes", scope: "Cluster", verbs: ["delete", "list"], responseKind: { kind: "Node" } },
      { resource: "bindings", scope: "Namespaced", verbs: ["create"], responseKind: { kind: "Binding" } },
    ] }] }] },
    { items: [
      { metadata: { name: "autoscaling" }, versions: [
        { version: "v2", resources: [{ resource: "horizontalpodautoscalers", scope: "Namespaced", verbs: ["delete"], responseKind: { kind: "HorizontalPodAutoscaler" } }] },
        { version: "v1", resources: [{ resource: "horizontalpodautoscalers", scope: "Namespaced", verbs: ["delete"], responseKind: { kind: "HorizontalPodAutoscaler" } }] },
      ] },
      { metadata: { name: "example.com" }, versions: [{ version: "v1", freshness: "Stale", resources: [] }] },
    ] },
  ]);
  assert.deepEqual(resources.map((r) => `${r.group}/${r.version}/${r.resource}`), ["/v1/pods", "autoscaling/v2/horizontalpodautoscalers"]);
  assert.deepEqual(failedGroups, ["example.com/v1"]);
  assert.match(discoveryProblem(failedGroups).message, /^Discovery failed for some groups, 1 failing: /);
  assert.equal(discoveryProblem([], "boom").message, "boom");
  assert.equal(discoveryProblem([]).reason, "DiscoveryFailed");
});

test("estimatePodsTermination: the longest grace period of unfinished pods", () => {
  const pod = (grace: number | undefined, phase = "Running"): KubeObject => ({ metadata: {}, spec: { terminationGracePeriodSeconds: grace }, status: { phase } });
  assert.equal(estimatePodsTermination([]), 0);
  assert.equal(estimatePodsTermination([pod(30), pod(5), pod(90, "Succeeded"), pod(undefined)]), 30);
  assert.equal(estimatePodsTermination([pod(0)]), 0);
});

test("remainingProblems words the conditions as upstream, sorted", () => {
  const meta = (finalizers?: string[]): KubeObject => ({ metadata: { finalizers } });
  const problems = remainingProblems([
    { group: "apps", resource: "deployments", count: 1, finalizers: finalizersOf([meta(["example.com/keep"])]) },
    { group: "", resource: "pods", count: 2, finalizers: finalizersOf([meta(), meta(["a/b", "example.com/keep"])]) },
    { group: "", resource: "secrets", count: 0, finalizers: new Map() },
  ]);
  assert.deepEqual(problems, [
    { type: "NamespaceContentRemaining", reason: "SomeResourcesRemain", message: "Some resources are remaining: deployments.apps has 1 resource instances, pods. has 2 resource instances" },
    { type: "NamespaceFinalizersRemaining", reason: "SomeFinalizersRemain", message: "Some content in the namespace has finalizers remaining: a/b in 1 resource instances, example.com/keep in 2 resource instances" },
  ]);
  assert.deepEqual(remainingProblems([]), []);
});

test("contentDeletionProblem", () => {
  assert.equal(contentDeletionProblem([]), undefined);
  assert.deepEqual(contentDeletionProblem(["b failed", "a failed"]), {
    type: "NamespaceDeletionContentFailure", reason: "ContentDeletionFailed",
    message: "Failed to delete all resource types, 2 remaining: a failed, b failed",
  });
});

test("updateConditions: all five, ok variants by default; transitions only on change", () => {
  const first = updateConditions([], [], "T1")!;
  assert.deepEqual(first.map((c) => [c.type, c.status, c.reason, c.message, c.lastTransitionTime]), [
    ["NamespaceDeletionDiscoveryFailure", "False", "ResourcesDiscovered", "All resources successfully discovered", "T1"],
    ["NamespaceDeletionGroupVersionParsingFailure", "False", "ParsedGroupVersions", "All legacy kube types successfully parsed", "T1"],
    ["NamespaceDeletionContentFailure", "False", "ContentDeleted", "All content successfully deleted, may be waiting on finalization", "T1"],
    ["NamespaceContentRemaining", "False", "ContentRemoved", "All content successfully removed", "T1"],
    ["NamespaceFinalizersRemaining", "False", "ContentHasNoFinalizers", "All content-preserving finalizers finished", "T1"],
  ]);
  assert.equal(updateConditions(first, [], "T2"), undefined);
  const second = updateConditions(first, [{ type: "NamespaceContentRemaining", reason: "SomeResourcesRemain", message: "m" }], "T3")!;
  const remaining = second.find((c) => c.type === "NamespaceContentRemaining")!;
  assert.deepEqual([remaining.status, remaining.reason, remaining.message, remaining.lastTransitionTime], ["True", "SomeResourcesRemain", "m", "T3"]);
  assert.equal(second.find((c) => c.type === "NamespaceDeletionDiscoveryFailure")!.lastTransitionTime, "T1");
  assert.equal(first.find((c) => c.type === "NamespaceContentRemaining")!.status, "False", "input untouched");
});

test("requeueDelayMs, finalizers, gvrString", () => {
  assert.equal(requeueDelayMs(30, 60_000), 16_000);
  assert.equal(requeueDelayMs(30, 1000), 1000);
  assert.equal(requeueDelayMs(1, 60_000), 1000);
  assert.deepEqual(withoutKubernetesFinalizer(["kubernetes", "example.com/x"]), ["example.com/x"]);
  assert.deepEqual(withoutKubernetesFinalizer(undefined), []);
  assert.equal(gvrString({ group: "", version: "v1", resource: "pods" }), "/v1, Resource=pods");
  assert.equal(gvrString({ group: "apps", version: "v1", resource: "deployments" }), "apps/v1, Resource=deployments");
});
