import { test } from "node:test";
import assert from "node:assert/strict";
import type { Affinity, PodAffinityTerm } from "kubernetes-types/core/v1.js";
import { emptyListers } from "../../framework/interfaces.js";
import { filterAll, frameworkWith, makeNode, makePod, scoreAll } from "../../testing.js";

const term = (labels: Record<string, string>, topologyKey = "kubernetes.io/hostname", extra: Partial<PodAffinityTerm> = {}): PodAffinityTerm => ({ labelSelector: { matchLabels: labels }, topologyKey, ...extra });
const affinity = (t: PodAffinityTerm[]): Affinity => ({ podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: t } });
const anti = (t: PodAffinityTerm[]): Affinity => ({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: t } });

const nodes = [
  makeNode("a1", { labels: { zone: "a" } }),
  makeNode("a2", { labels: { zone: "a" } }),
  makeNode("b1", { labels: { zone: "b" } }),
  makeNode("nozone"),
];
const affMiss = "node(s) didn't match pod affinity rules";
const antiMiss = "node(s) didn't match pod anti-affinity rules";
const existingMiss = "node(s) didn't satisfy existing pods anti-affinity rules";

test("InterPodAffinity: required affinity", () => {
  const existing = [makePod("db", { node: "a1", labels: { app: "db" } }), makePod("other-ns", { node: "b1", namespace: "x", labels: { app: "cache" } })];
  const { fwk, snap } = frameworkWith(["InterPodAffinity"], nodes, existing);
  const cases: { name: string; pod: ReturnType<typeof makePod>; want: Record<string, string> }[] = [
    { name: "no terms, nothing existing has anti-affinity (skipped)", pod: makePod("p"), want: { a1: "", a2: "", b1: "", nozone: "" } },
    { name: "same node as db", pod: makePod("p", { affinity: affinity([term({ app: "db" })]) }), want: { a1: "", a2: affMiss, b1: affMiss, nozone: affMiss } },
    { name: "same zone as db (nodes lacking the key fail)", pod: makePod("p", { affinity: affinity([term({ app: "db" }, "zone")]) }), want: { a1: "", a2: "", b1: affMiss, nozone: affMiss } },
    { name: "other namespace is not selected by default", pod: makePod("p", { affinity: affinity([term({ app: "cache" }, "zone")]) }), want: { a1: affMiss, a2: affMiss, b1: affMiss, nozone: affMiss } },
    { name: "namespaces list selects it", pod: makePod("p", { affinity: affinity([term({ app: "cache" }, "zone", { namespaces: ["x"] })]) }), want: { a1: affMiss, a2: affMiss, b1: "", nozone: affMiss } },
    { name: "first of a self-affine group goes anywhere with the key", pod: makePod("p", { labels: { app: "web" }, affinity: affinity([term({ app: "web" }, "zone")]) }), want: { a1: "", a2: "", b1: "", nozone: affMiss } },
    { name: "no match and not self-matching", pod: makePod("p", { labels: { app: "x" }, affinity: affinity([term({ app: "web" }, "zone")]) }), want: { a1: affMiss, a2: affMiss, b1: affMiss, nozone: affMiss } },
  ];
  for (const c of cases) assert.deepEqual(filterAll(fwk, snap, c.pod), c.want, c.name);
});

test("InterPodAffinity: namespaceSelector resolves through namespace labels", () => {
  const existing = [makePod("c", { node: "b1", namespace: "team-x", labels: { app: "cache" } })];
  const nss = [{ metadata: { name: "team-x", labels: { team: "x" } } }, { metadata: { name: "default" } }];
  const { fwk, snap } = frameworkWith(["InterPodAffinity"], nodes, existing, {
    listers: { ...emptyListers, namespaces: () => nss, namespace: (n) => nss.find((x) => x.metadata.name === n) },
  });
  const pod = makePod("p", { affinity: affinity([term({ app: "cache" }, "zone", { namespaceSelector: { matchLabels: { team: "x" } } })]) });
  assert.deepEqual(filterAll(fwk, snap, pod), { a1: affMiss, a2: affMiss, b1: "", nozone: affMiss });
  const all = makePod("p", { affinity: affinity([term({ app: "cache" }, "zone", { namespaceSelector: {} })]) });
  assert.deepEqual(filterAll(fwk, snap, all), { a1: affMiss, a2: affMiss, b1: "", nozone: affMiss });
});

test("InterPodAffinity: required anti-affinity, both ways", () => {
  const existing = [
    makePod("web-1", { node: "a1", labels: { app: "web" } }),
    makePod("loner", { node: "b1", labels: { app: "loner" }, affinity: anti([term({ app: "web" }, "zone")]) }),
  ];
  const { fwk, snap } = frameworkWith(["InterPodAffinity"], nodes, existing);
  const cases: { name: string; pod: ReturnType<typeof makePod>; want: Record<string, string> }[] = [
    { name: "not near web on the same host", pod: makePod("p", { labels: { app: "api" }, affinity: anti([term({ app: "web" })]) }), want: { a1: antiMiss, a2: "", b1: "", nozone: "" } },
    { name: "not in web's zone", pod: makePod("p", { labels: { app: "api" }, affinity: anti([term({ app: "web" }, "zone")]) }), want: { a1: antiMiss, a2: antiMiss, b1: "", nozone: "" } },
    { name: "a web pod is kept out of the loner's zone", pod: makePod("p", { labels: { app: "web" } }), want: { a1: "", a2: "", b1: existingMiss, nozone: "" } },
  ];
  for (const c of cases) assert.deepEqual(filterAll(fwk, snap, c.pod), c.want, c.name);
});

test("InterPodAffinity score: preferred terms both ways and existing pods' required affinity", () => {
  const existing = [
    makePod("db", { node: "a1", labels: { app: "db" } }),
    makePod("noisy", { node: "b1", labels: { app: "noisy" } }),
    makePod("fan", { node: "a2", labels: { app: "fan" }, affinity: affinity([term({ app: "web" }, "kubernetes.io/hostname")]) }),
  ];
  const { fwk, snap } = frameworkWith(["InterPodAffinity"], nodes, existing);
  const pod = makePod("p", {
    labels: { app: "web" },
    affinity: {
      podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 5, podAffinityTerm: term({ app: "db" }, "zone") }] },
      podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 5, podAffinityTerm: term({ app: "noisy" }, "zone") }] },
    },
  });
  // zone a: +5 (db); zone b: −5 (noisy); a2: +1 (fan requires web on its host). Raw: a1 5, a2 6, b1 −5, nozone 0.
  // Normalized (min −5, max 6): a1 90, a2 100, b1 0, nozone 45.
  assert.deepEqual(scoreAll(fwk, snap, pod), { a1: 90, a2: 100, b1: 0, nozone: 45 });
});
