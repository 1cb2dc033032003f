import { test } from "node:test";
import assert from "node:assert/strict";
import { milliValue, podRequests, quantityValue } from "./resource.js";
import { makePod } from "../testing.js";

test("quantities convert as MilliValue / Value (rounded up)", () => {
  const cases: [unknown, number, number][] = [
    ["100m", 100, 1], ["1", 1000, 1], ["1.5", 1500, 2], ["1Gi", 1073741824000, 1073741824], ["0.1m", 1, 1], ["500Mi", 524288000000, 524288000],
  ];
  for (const [q, milli, value] of cases) {
    assert.equal(milliValue(q), milli, `milli ${String(q)}`);
    assert.equal(quantityValue(q), value, `value ${String(q)}`);
  }
});

test("pod requests: app containers summed, init containers as a floor, sidecars, overhead", () => {
  const c = (name: string, cpu: string, memory?: string, restartPolicy?: string) => ({
    name, image: "x", restartPolicy, resources: { requests: { cpu, ...(memory ? { memory } : {}) } },
  });
  const cases: { name: string; init?: ReturnType<typeof c>[]; app: ReturnType<typeof c>[]; overhead?: Record<string, string>; cpu: number; mem: number }[] = [
    { name: "sum of containers", app: [c("a", "100m", "1Ki"), c("b", "200m", "2Ki")], cpu: 300, mem: 3072 },
    { name: "init larger than sum", init: [c("i", "1", "1Ki")], app: [c("a", "100m", "2Ki")], cpu: 1000, mem: 2048 },
    { name: "init smaller", init: [c("i", "50m")], app: [c("a", "100m")], cpu: 100, mem: 0 },
    { name: "overhead added", app: [c("a", "100m")], overhead: { cpu: "250m" }, cpu: 350, mem: 0 },
    // Sidecar 200m runs along: steady 200 + 100 = 300; init step after it needs 200 + 500 = 700.
    { name: "sidecar before an init container", init: [c("s", "200m", undefined, "Always"), c("i", "500m")], app: [c("a", "100m")], cpu: 700, mem: 0 },
    // Init step first (500), then sidecar: steady 300.
    { name: "init container before a sidecar", init: [c("i", "250m"), c("s", "200m", undefined, "Always")], app: [c("a", "100m")], cpu: 300, mem: 0 },
  ];
  for (const t of cases) {
    const pod = makePod("p", { containers: t.app, initContainers: t.init, overhead: t.overhead });
    const r = podRequests(pod);
    assert.equal(r.milliCPU, t.cpu, t.name);
    assert.equal(r.memory, t.mem, t.name);
  }
});

test("non-missing requests: containers without cpu/memory count 100m / 200Mi for scoring", () => {
  const pod = makePod("p", { containers: [{ name: "a", image: "x" }, { name: "b", image: "x", resources: { requests: { cpu: "1" } } }] });
  const r = podRequests(pod, true);
  assert.equal(r.milliCPU, 1100);
  assert.equal(r.memory, 2 * 200 * 1024 * 1024);
  assert.equal(podRequests(pod).memory, 0);
});
