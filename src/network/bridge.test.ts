/**
 * The pod bridge against the real kernel: needs root, `ip` and `nft`; skips otherwise. Uses
 * its own bridge, namespace prefix, nft table and CIDR so it never meets a running Timonel.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:net";
import { spawn, spawnSync } from "node:child_process";
import { PodBridge } from "./bridge.js";
import { cidrContains } from "./ipam.js";
import { run } from "./sys.js";

function skipReason(): string | undefined {
  if (process.platform !== "linux") return "not Linux";
  if (process.getuid?.() !== 0) return "needs root";
  for (const tool of ["ip", "nft", "busybox"]) {
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  }
  return undefined;
}

const skip = skipReason();

test("pod bridge: namespaces, addresses, host reachability, forward filter, teardown", { skip }, async (t) => {
  const stateDir = mkdtempSync(join(tmpdir(), "bridge-"));
  const tag = (process.pid % 100000).toString(36);
  const bridge = new PodBridge({
    podCidr: `10.252.${process.pid % 250}.0/24`,
    stateDir,
    bridgeName: `tmb${tag}`,
    nftTable: `timonel_b${tag}`,
    netnsPrefix: `tmb${tag}-`,
    // A slice of 10.96.0.0/12 of its own, so parallel tests and a running Timonel each keep their route.
    serviceCidr: `10.100.${process.pid % 250}.0/24`,
  });
  const children: number[] = [];
  t.after(async () => {
    for (const pid of children) {
      try { process.kill(pid, "SIGKILL"); } catch { /* gone */ }
    }
    await bridge.cleanupAll();
    rmSync(stateDir, { recursive: true, force: true });
  });

  const t0 = performance.now();
  await bridge.ensure();
  const ensureMs = performance.now() - t0;
  const t1 = performance.now();
  const a = await bridge.setUp("sb-a");
  const setupMs = performance.now() - t1;
  const b = await bridge.setUp("sb-b");
  t.diagnostic(`bridge ensure ${ensureMs.toFixed(1)} ms, pod network setup ${setupMs.toFixed(1)} ms`);

  assert.ok(cidrContains(bridge.podCidr, a.ip) && cidrContains(bridge.podCidr, b.ip));
  assert.notEqual(a.ip, b.ip);
  assert.ok(existsSync(a.netnsPath));
  assert.equal((await bridge.setUp("sb-a")).ip, a.ip, "a retried setup keeps the address");

  // The host reaches a listener inside the pod's namespace through the bridge.
  const nc = spawn("ip", ["netns", "exec", a.netnsName, "busybox", "nc", "-l", "-p", "9090"], { stdio: ["ignore", "pipe", "ignore"] });
  children.push(nc.pid!);
  let got = "";
  nc.stdout.on("data", (d: Buffer) => (got += String(d)));
  const closed = new Promise<void>((r) => nc.on("exit", () => r()));
  await new Promise<void>((resolve, reject) => {
    const deadline = Date.now() + 3000;
    const attempt = (): void => {
      const s = connect({ host: a.ip, port: 9090 }, () => s.end("hello pod\n", () => resolve()));
      s.on("error", (e) => (Date.now() > deadline ? reject(e) : setTimeout(attempt, 30)));
    };
    attempt();
  });
  await closed;
  assert.equal(got, "hello pod\n");

  // Pod to pod on the same bridge.
  const ping = await run("ip", ["netns", "exec", b.netnsName, "busybox", "ping", "-c", "1", "-W", "2", a.ip]);
  assert.match(ping, /1 packets received/);

  // Safety: the service CIDR goes to a Timonel bridge, and forwarding off the bridge is dropped.
  const routes = JSON.parse(await run("ip", ["-j", "route", "show", "exact", bridge.serviceCidr])) as Array<{ dev: string }>;
  assert.deepEqual(routes.map((r) => r.dev), [bridge.bridgeName], "the service CIDR is routed to the bridge");
  const ruleset = await run("nft", ["list", "table", "inet", bridge.nftTable]);
  assert.match(ruleset, new RegExp(`iifname "${bridge.bridgeName}" drop`));
  assert.doesNotMatch(await run("nft", ["list", "ruleset"]), new RegExp(`oifname "eth0" masquerade`));

  await bridge.tearDown("sb-a");
  assert.ok(!existsSync(a.netnsPath));
  assert.equal(bridge.lookup("sb-a"), undefined);
  await bridge.cleanupAll();
  assert.ok(!existsSync(b.netnsPath));
  await assert.rejects(run("ip", ["link", "show", bridge.bridgeName]));
  await assert.rejects(run("nft", ["list", "table", "inet", bridge.nftTable]));
  assert.equal(await run("ip", ["route", "show", "exact", bridge.serviceCidr]), "", "the service route is gone");
});
