import { test } from "node:test";
import assert from "node:assert/strict";
import { CycleState, filterAll, frameworkWith, makeNode, makePod, PodInfo, scoreAll } from "../../testing.js";

test("TaintToleration filter: NoSchedule and NoExecute taints need a toleration", () => {
  const nodes = [
    makeNode("cp", { taints: [{ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" }] }),
    makeNode("gpu", { taints: [{ key: "gpu", value: "true", effect: "NoExecute" }] }),
    makeNode("soft", { taints: [{ key: "soft", value: "x", effect: "PreferNoSchedule" }] }),
    makeNode("plain"),
  ];
  const { fwk, snap } = frameworkWith(["TaintToleration"], nodes);
  const cases: { name: string; tolerations?: { key?: string; operator?: string; value?: string; effect?: string }[]; want: Record<string, string> }[] = [
    {
      name: "no tolerations",
      want: { cp: "node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }", gpu: "node(s) had untolerated taint {gpu: true}", soft: "", plain: "" },
    },
    {
      name: "Exists on key",
      tolerations: [{ key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" }],
      want: { cp: "", gpu: "node(s) had untolerated taint {gpu: true}", soft: "", plain: "" },
    },
    { name: "Equal with the wrong value", tolerations: [{ key: "gpu", value: "false" }], want: { cp: "node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }", gpu: "node(s) had untolerated taint {gpu: true}", soft: "", plain: "" } },
    { name: "Equal with value, any effect", tolerations: [{ key: "gpu", operator: "Equal", value: "true" }], want: { cp: "node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }", gpu: "", soft: "", plain: "" } },
    { name: "tolerate everything", tolerations: [{ operator: "Exists" }], want: { cp: "", gpu: "", soft: "", plain: "" } },
    { name: "effect mismatch", tolerations: [{ key: "gpu", operator: "Exists", effect: "NoSchedule" }], want: { cp: "node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }", gpu: "node(s) had untolerated taint {gpu: true}", soft: "", plain: "" } },
  ];
  for (const c of cases) assert.deepEqual(filterAll(fwk, snap, makePod("p", { tolerations: c.tolerations })), c.want, c.name);
  const status = fwk.runFilterPlugins(new CycleState(), new PodInfo(makePod("p")), snap.get("cp")!);
  assert.equal(status?.code, "UnschedulableAndUnresolvable");
  assert.equal(status?.plugin, "TaintToleration");
});

test("TaintToleration score: fewer untolerated PreferNoSchedule taints is better", () => {
  const soft = (k: string) => ({ key: k, value: "v", effect: "PreferNoSchedule" });
  const nodes = [makeNode("zero"), makeNode("one", { taints: [soft("a")] }), makeNode("two", { taints: [soft("a"), soft("b")] })];
  const { fwk, snap } = frameworkWith(["TaintToleration"], nodes);
  assert.deepEqual(scoreAll(fwk, snap, makePod("p")), { zero: 100, one: 50, two: 0 });
  assert.deepEqual(scoreAll(fwk, snap, makePod("p", { tolerations: [{ key: "a", operator: "Exists", effect: "PreferNoSchedule" }] })), { zero: 100, one: 100, two: 0 });
});
