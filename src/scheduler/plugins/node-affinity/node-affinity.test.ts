import { test } from "node:test";
import assert from "node:assert/strict";
import type { NodeSelectorRequirement } from "kubernetes-types/core/v1.js";
import { filterAll, frameworkWith, makeNode, makePod, scoreAll } from "../../testing.js";

const nodes = [
  makeNode("n1", { labels: { zone: "a", gen: "3", disk: "ssd" } }),
  makeNode("n2", { labels: { zone: "b", gen: "5" } }),
  makeNode("n3", { labels: { zone: "c", gen: "x" } }),
];
const miss = "node(s) didn't match Pod's node affinity/selector";

function required(...terms: { exprs?: NodeSelectorRequirement[]; fields?: NodeSelectorRequirement[] }[]) {
  return { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms.map((t) => ({ matchExpressions: t.exprs, matchFields: t.fields })) } } };
}

test("NodeAffinity filter: nodeSelector and every operator", () => {
  const { fwk, snap } = frameworkWith(["NodeAffinity"], nodes);
  const cases: { name: string; pod: ReturnType<typeof makePod>; want: Record<string, string> }[] = [
    { name: "nothing (skipped)", pod: makePod("p"), want: { n1: "", n2: "", n3: "" } },
    { name: "nodeSelector", pod: makePod("p", { nodeSelector: { zone: "b" } }), want: { n1: miss, n2: "", n3: miss } },
    { name: "In", pod: makePod("p", { affinity: required({ exprs: [{ key: "zone", operator: "In", values: ["a", "c"] }] }) }), want: { n1: "", n2: miss, n3: "" } },
    { name: "NotIn", pod: makePod("p", { affinity: required({ exprs: [{ key: "zone", operator: "NotIn", values: ["a"] }] }) }), want: { n1: miss, n2: "", n3: "" } },
    { name: "Exists", pod: makePod("p", { affinity: required({ exprs: [{ key: "disk", operator: "Exists" }] }) }), want: { n1: "", n2: miss, n3: miss } },
    { name: "DoesNotExist", pod: makePod("p", { affinity: required({ exprs: [{ key: "disk", operator: "DoesNotExist" }] }) }), want: { n1: miss, n2: "", n3: "" } },
    { name: "Gt (non-integer label never matches)", pod: makePod("p", { affinity: required({ exprs: [{ key: "gen", operator: "Gt", values: ["4"] }] }) }), want: { n1: miss, n2: "", n3: miss } },
    { name: "Lt", pod: makePod("p", { affinity: required({ exprs: [{ key: "gen", operator: "Lt", values: ["4"] }] }) }), want: { n1: "", n2: miss, n3: miss } },
    { name: "terms are ORed", pod: makePod("p", { affinity: required({ exprs: [{ key: "zone", operator: "In", values: ["a"] }] }, { exprs: [{ key: "zone", operator: "In", values: ["c"] }] }) }), want: { n1: "", n2: miss, n3: "" } },
    { name: "expressions in a term are ANDed", pod: makePod("p", { affinity: required({ exprs: [{ key: "zone", operator: "In", values: ["a", "b"] }, { key: "gen", operator: "Gt", values: ["4"] }] }) }), want: { n1: miss, n2: "", n3: miss } },
    { name: "selector AND affinity", pod: makePod("p", { nodeSelector: { zone: "a" }, affinity: required({ exprs: [{ key: "gen", operator: "Gt", values: ["4"] }] }) }), want: { n1: miss, n2: miss, n3: miss } },
    { name: "empty term matches nothing", pod: makePod("p", { affinity: required({}) }), want: { n1: miss, n2: miss, n3: miss } },
  ];
  for (const c of cases) assert.deepEqual(filterAll(fwk, snap, c.pod), c.want, c.name);
});

test("NodeAffinity PreFilter narrows to metadata.name fields; conflicting names are unresolvable", () => {
  const { fwk, snap } = frameworkWith(["NodeAffinity"], nodes);
  const byName = makePod("p", { affinity: required({ fields: [{ key: "metadata.name", operator: "In", values: ["n2"] }] }) });
  assert.deepEqual(filterAll(fwk, snap, byName), { n1: "prefilter: excluded", n2: "", n3: "prefilter: excluded" });
  const conflict = makePod("p", { affinity: required({ fields: [{ key: "metadata.name", operator: "In", values: ["n1"] }, { key: "metadata.name", operator: "In", values: ["n2"] }] }) });
  assert.deepEqual(filterAll(fwk, snap, conflict), { n1: "prefilter: pod affinity terms conflict", n2: "prefilter: pod affinity terms conflict", n3: "prefilter: pod affinity terms conflict" });
});

test("NodeAffinity score: preferred weights, normalized to 100", () => {
  const { fwk, snap } = frameworkWith(["NodeAffinity"], nodes);
  const pod = makePod("p", {
    affinity: {
      nodeAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 10, preference: { matchExpressions: [{ key: "zone", operator: "In", values: ["a"] }] } },
          { weight: 30, preference: { matchExpressions: [{ key: "gen", operator: "Gt", values: ["4"] }] } },
          { weight: 10, preference: { matchExpressions: [{ key: "disk", operator: "Exists" }] } },
        ],
      },
    },
  });
  // n1: 20, n2: 30, n3: 0 → 66, 100, 0.
  assert.deepEqual(scoreAll(fwk, snap, pod), { n1: 66, n2: 100, n3: 0 });
});
