import { test } from "node:test";
import assert from "node:assert/strict";
import type { TopologySpreadConstraint } from "kubernetes-types/core/v1.js";
import { filterAll, frameworkWith, makeNode, makePod, scoreAll } from "../../testing.js";

const nodes = [
  makeNode("a1", { labels: { zone: "a" } }),
  makeNode("a2", { labels: { zone: "a" } }),
  makeNode("b1", { labels: { zone: "b" } }),
  makeNode("c1", { labels: { zone: "c", tier: "gpu" } }),
  makeNode("nozone"),
];
const spread = (key: string, maxSkew: number, extra: Partial<TopologySpreadConstraint> = {}): TopologySpreadConstraint => ({
  maxSkew, topologyKey: key, whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: { app: "web" } }, ...extra,
});
const skewMiss = "node(s) didn't match pod topology spread constraints";
const labelMiss = "node(s) didn't match pod topology spread constraints (missing required label)";

test("PodTopologySpread filter: maxSkew over zones, missing keys, minDomains, node affinity policy", () => {
  // zone a: 2 web pods, zone b: 1, zone c: 0.
  const existing = [
    makePod("w1", { node: "a1", labels: { app: "web" } }),
    makePod("w2", { node: "a2", labels: { app: "web" } }),
    makePod("w3", { node: "b1", labels: { app: "web" } }),
    makePod("other", { node: "c1", labels: { app: "db" } }),
    makePod("old", { node: "c1", labels: { app: "web" }, deleting: true }),
  ];
  const { fwk, snap } = frameworkWith(["PodTopologySpread"], nodes, existing);
  const web = (c: TopologySpreadConstraint[], extra: Parameters<typeof makePod>[1] = {}) => makePod("p", { labels: { app: "web" }, spread: c, ...extra });
  const cases: { name: string; pod: ReturnType<typeof makePod>; want: Record<string, string> }[] = [
    { name: "no constraints (skipped)", pod: makePod("p"), want: { a1: "", a2: "", b1: "", c1: "", nozone: "" } },
    { name: "maxSkew 1: only the empty zone", pod: web([spread("zone", 1)]), want: { a1: skewMiss, a2: skewMiss, b1: skewMiss, c1: "", nozone: labelMiss } },
    { name: "maxSkew 2: zone b too", pod: web([spread("zone", 2)]), want: { a1: skewMiss, a2: skewMiss, b1: "", c1: "", nozone: labelMiss } },
    { name: "a pod not matching its own selector does not count itself", pod: makePod("p", { labels: { app: "x" }, spread: [spread("zone", 2)] }), want: { a1: "", a2: "", b1: "", c1: "", nozone: labelMiss } },
    {
      name: "node affinity policy Honor drops zone c: minimum becomes 1",
      pod: web([spread("zone", 1)], { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "tier", operator: "DoesNotExist" }] }] } } } }),
      want: { a1: skewMiss, a2: skewMiss, b1: "", c1: "", nozone: labelMiss },
    },
    {
      name: "minDomains above the domain count: minimum is 0",
      pod: web([spread("zone", 2, { minDomains: 5 })], { nodeSelector: { zone: "a" } }),
      want: { a1: skewMiss, a2: skewMiss, b1: "", c1: "", nozone: labelMiss },
    },
    { name: "hostname spreading", pod: web([spread("kubernetes.io/hostname", 1)]), want: { a1: skewMiss, a2: skewMiss, b1: skewMiss, c1: "", nozone: "" } },
  ];
  for (const c of cases) assert.deepEqual(filterAll(fwk, snap, c.pod), c.want, c.name);
});

test("PodTopologySpread score (ScheduleAnyway): emptier domains score higher", () => {
  const existing = [
    makePod("w1", { node: "a1", labels: { app: "web" } }),
    makePod("w2", { node: "a2", labels: { app: "web" } }),
    makePod("w3", { node: "b1", labels: { app: "web" } }),
  ];
  const { fwk, snap } = frameworkWith(["PodTopologySpread"], nodes, existing);
  const pod = makePod("p", { labels: { app: "web" }, spread: [spread("zone", 1, { whenUnsatisfiable: "ScheduleAnyway" })] });
  // 3 zones → weight ln(5); raw a: 2·1.609 = 3, b: 1.609 → 2, c: 0; nozone ignored.
  // normalized 100·(3 + 0 − s)/3: a 0, b 33, c 100; nozone 0.
  assert.deepEqual(scoreAll(fwk, snap, pod), { a1: 0, a2: 0, b1: 33, c1: 100, nozone: 0 });
});
