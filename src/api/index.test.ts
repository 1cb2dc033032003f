import { test } from "node:test";
import assert from "node:assert/strict";
import { ResourceRegistry } from "../machinery/registry.js";
import { builtinResources } from "./index.js";

test("builtinResources: one registry, upstream's group order, preferred versions first", () => {
  const registry = new ResourceRegistry(builtinResources);
  const groups = registry.groups().map((g) => `${g.group || "core"}:${g.versions.join(",")}`);
  assert.deepEqual(groups, [
    "core:v1", "apps:v1", "events.k8s.io:v1", "authorization.k8s.io:v1", "autoscaling:v2,v1", "batch:v1", "networking.k8s.io:v1",
    "policy:v1", "rbac.authorization.k8s.io:v1", "storage.k8s.io:v1", "apiextensions.k8s.io:v1", "scheduling.k8s.io:v1",
    "coordination.k8s.io:v1", "discovery.k8s.io:v1",
  ]);
});

test("builtinResources: short names, categories and scale subresources as upstream", () => {
  const byName = (group: string, plural: string) => builtinResources.find((d) => d.group === group && d.plural === plural)!;
  const short: [string, string, string[]][] = [
    ["apps", "deployments", ["deploy"]], ["apps", "replicasets", ["rs"]], ["apps", "daemonsets", ["ds"]], ["apps", "statefulsets", ["sts"]],
    ["batch", "cronjobs", ["cj"]], ["networking.k8s.io", "ingresses", ["ing"]], ["networking.k8s.io", "networkpolicies", ["netpol"]],
    ["autoscaling", "horizontalpodautoscalers", ["hpa"]], ["policy", "poddisruptionbudgets", ["pdb"]], ["scheduling.k8s.io", "priorityclasses", ["pc"]],
    ["storage.k8s.io", "storageclasses", ["sc"]], ["apiextensions.k8s.io", "customresourcedefinitions", ["crd", "crds"]], ["events.k8s.io", "events", ["ev"]],
  ];
  for (const [g, p, s] of short) assert.deepEqual(byName(g, p).shortNames, s, `${p}.${g}`);
  const all = builtinResources.filter((d) => d.group && d.categories?.includes("all")).map((d) => `${d.plural}.${d.group}/${d.version}`);
  assert.deepEqual(all, [
    "daemonsets.apps/v1", "deployments.apps/v1", "replicasets.apps/v1", "statefulsets.apps/v1",
    "horizontalpodautoscalers.autoscaling/v2", "horizontalpodautoscalers.autoscaling/v1", "cronjobs.batch/v1", "jobs.batch/v1",
  ]);
  for (const p of ["deployments", "replicasets", "statefulsets"]) {
    assert.deepEqual(byName("apps", p).subresources?.scale, { specReplicasPath: "spec.replicas", statusReplicasPath: "status.replicas", labelSelectorPath: "spec.selector" });
  }
  for (const d of builtinResources) {
    assert.equal(d.row({ metadata: { name: "x" } }).length, d.columns.length, `${d.plural}.${d.group} row width`);
    assert.ok(d.schema.startsWith("io.k8s."), d.schema);
  }
});

test("hooks survive malformed bodies (no exception escapes)", async () => {
  const { simulateCreate, simulateUpdate } = await import("./common/testing.js");
  const junk: unknown[] = [null, "x", 7, [], [1, "a"], { a: null }, true];
  const shapes = (v: unknown): object[] => [
    { metadata: { name: "j" }, spec: v },
    { metadata: { name: "j" }, spec: { selector: v, template: v, strategy: v, updateStrategy: v, rules: v, metrics: v, jobTemplate: v, names: v, versions: v } },
    { metadata: { name: "j" }, spec: { template: { metadata: v, spec: v }, selector: { matchLabels: v, matchExpressions: v }, jobTemplate: { spec: v } } },
    { metadata: { name: "j", annotations: { "autoscaling.alpha.kubernetes.io/metrics": "{bad", "autoscaling.alpha.kubernetes.io/behavior": "[1]" } }, roleRef: v, subjects: v, rules: v, regarding: v, series: v, endpoints: v, ports: v, status: v },
  ];
  for (const def of builtinResources.filter((d) => d.group !== "")) {
    for (const v of junk) {
      for (const body of shapes(v)) {
        const created = simulateCreate(def, body);
        simulateUpdate(def, { ...created.obj, metadata: { ...created.obj.metadata, resourceVersion: "5" } }, body);
        def.row(created.obj);
        def.storedAs?.fromStored(def.storedAs.toStored(created.obj));
        for (const f of Object.values(def.fieldSelectors ?? {})) f(created.obj);
      }
    }
  }
});
