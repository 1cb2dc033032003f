/**
 * The runtime case suite against the process runtime (host processes, 127.x.y.z pod
 * addresses). Runs anywhere; everything lives in a temporary state directory.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runtimeConformance, type RuntimeTarget } from "../../src/node/runtime/runtime.case.js";
import { ProcessRuntime } from "../../src/node/runtime/process/index.js";
import { LoopbackNetwork } from "../../src/network/loopback.js";
import { cidrContains, parseCidr } from "../../src/network/ipam.js";

let stateDir = "";
let runtime: ProcessRuntime | undefined;

async function make(): Promise<RuntimeTarget> {
  stateDir = mkdtempSync(join(tmpdir(), "process-rt-"));
  const cidr = "127.100.0.0/16";
  const network = new LoopbackNetwork({ stateDir, cidr });
  const open = (): ProcessRuntime => new ProcessRuntime({ stateDir: join(stateDir, "runtime"), network });
  runtime = open();
  return {
    runtime, reopen: open, rootfs: "/", logDir: join(stateDir, "logs"),
    features: {
      isolation: false, podNetwork: false, oom: false, user: process.getuid?.() === 0,
      podCidr: { contains: (ip) => cidrContains(parseCidr(cidr), ip), text: cidr },
    },
    async cleanup() {
      await runtime?.cleanupAll();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

runtimeConformance("process", make);

test("process: states what it cannot isolate", async () => {
  const t = await make();
  const lim = t.runtime.limitations();
  assert.ok(lim.some((l) => /filesystem/.test(l)));
  assert.ok(lim.some((l) => /network/.test(l)));
  assert.ok(lim.some((l) => /memory/.test(l)));
  await t.cleanup();
});
