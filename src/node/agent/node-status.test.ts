/** The Node's status from host facts: allocatable, pressure conditions and their transitions, images; host parsing. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { defaultEvictionHard, imageList, nodeConditions, nodeStatus, type StatusInput } from "./node-status.js";
import { goArchitecture, nodeNameFor, parseMeminfo, parseOsRelease } from "./host.js";
import { versionToken } from "./agent.js";

const Gi = 2 ** 30;

function input(over: Partial<StatusInput> = {}): StatusInput {
  return {
    host: {
      hostname: "Box", cpus: 4, memoryBytes: 8 * Gi, operatingSystem: "linux", architecture: "amd64", kernelVersion: "6.1.0",
      osImage: "Debian GNU/Linux 12 (bookworm)", machineID: "a".repeat(32), systemUUID: "", bootID: "b",
    },
    memory: { totalBytes: 8 * Gi, availableBytes: 4 * Gi },
    disk: { capacityBytes: 100 * Gi, availableBytes: 50 * Gi },
    runtime: { version: "runc://1.1.5", limitations: [] },
    images: [],
    maxPods: 110,
    systemReserved: { cpu: "250m", memory: "1Gi", "ephemeral-storage": "2Gi" },
    evictionHard: defaultEvictionHard,
    serverPort: 0,
    ...over,
  };
}

const id = { name: "box", nodeIP: "10.0.0.5", podCIDR: "10.244.0.0/24", labels: {} };

test("allocatable is capacity minus system-reserved minus hard eviction thresholds", () => {
  const st = nodeStatus(id, input(), [], new Date());
  assert.deepEqual(st.capacity, { cpu: "4", memory: "8Gi", "ephemeral-storage": "100Gi", pods: "110" });
  assert.equal(st.allocatable!.cpu, "3750m");
  assert.equal(st.allocatable!.memory, `${7 * 1024 - 100}Mi`);
  // 100Gi − 2Gi − 10% of 100Gi = 88Gi.
  assert.equal(st.allocatable!["ephemeral-storage"], "88Gi");
  assert.deepEqual(st.addresses, [{ type: "InternalIP", address: "10.0.0.5" }, { type: "Hostname", address: "box" }]);
});

test("pressure follows the eviction thresholds; Ready goes False when the runtime is down", () => {
  const t0 = new Date("2025-01-01T00:00:00Z");
  const healthy = nodeConditions(input(), [], t0);
  assert.deepEqual(healthy.map((c) => [c.type, c.status]), [["MemoryPressure", "False"], ["DiskPressure", "False"], ["PIDPressure", "False"], ["Ready", "True"]]);
  const t1 = new Date("2025-01-01T00:01:00Z");
  const pressed = nodeConditions(input({
    memory: { totalBytes: 8 * Gi, availableBytes: 50 * 2 ** 20 },
    disk: { capacityBytes: 100 * Gi, availableBytes: 5 * Gi },
    runtime: { version: "runc://1.1.5", limitations: [], down: "runc: not found" },
  }), healthy, t1);
  const by = Object.fromEntries(pressed.map((c) => [c.type, c]));
  assert.equal(by.MemoryPressure!.reason, "KubeletHasInsufficientMemory");
  assert.equal(by.DiskPressure!.reason, "KubeletHasDiskPressure");
  assert.equal(by.Ready!.status, "False");
  assert.equal(by.Ready!.reason, "KubeletNotReady");
  assert.equal(by.Ready!.message, "container runtime is down: runc: not found");
  // Changed conditions move their transition time; unchanged ones keep it, heartbeats all move.
  assert.equal(by.DiskPressure!.lastTransitionTime, "2025-01-01T00:01:00Z");
  assert.equal(by.PIDPressure!.lastTransitionTime, "2025-01-01T00:00:00Z");
  assert.equal(by.PIDPressure!.lastHeartbeatTime, "2025-01-01T00:01:00Z");
});

test("Ready's message carries the runtime's limitations", () => {
  const [, , , ready] = nodeConditions(input({ runtime: { version: "process://20.0.0", limitations: ["no network isolation", "no limits"] } }), [], new Date());
  assert.equal(ready!.message, "kubelet is posting ready status. Runtime limitations: no network isolation; no limits");
});

test("status.images: largest first, at most 50, digests before tags, nameless images left out", () => {
  const imgs = Array.from({ length: 60 }, (_, i) => ({ names: [`docker.io/library/i${i}:1`], repoDigests: [`docker.io/library/i${i}@sha256:${"0".repeat(64)}`], size: i }));
  imgs.push({ names: [], repoDigests: [], size: 1000 });
  const out = imageList(imgs);
  assert.equal(out.length, 50);
  assert.equal(out[0]!.sizeBytes, 59);
  assert.deepEqual(out[0]!.names, [`docker.io/library/i59@sha256:${"0".repeat(64)}`, "docker.io/library/i59:1"]);
});

test("host parsing: os-release, meminfo, node names, Go architectures, runtime versions", () => {
  assert.equal(parseOsRelease('NAME="Debian GNU/Linux"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n'), "Debian GNU/Linux 12 (bookworm)");
  assert.equal(parseOsRelease("ID=alpine\n"), undefined);
  assert.deepEqual(parseMeminfo("MemTotal:       16384 kB\nMemFree: 1 kB\nMemAvailable:    8192 kB\n"), { totalBytes: 16384 * 1024, availableBytes: 8192 * 1024 });
  assert.equal(nodeNameFor(undefined, "My-Laptop.local"), "my-laptop.local");
  assert.throws(() => nodeNameFor(undefined, "my_laptop"), /hostname "my_laptop" is not a valid node name/);
  assert.throws(() => nodeNameFor("-x"), /"-x" is not a valid node name/);
  assert.equal(goArchitecture("x64"), "amd64");
  assert.equal(goArchitecture("arm64"), "arm64");
  assert.equal(versionToken("1.1.5+ds1"), "1.1.5+ds1");
  assert.equal(versionToken("node v20.20.0"), "20.20.0");
});
