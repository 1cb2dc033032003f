/**
 * The one case suite every ContainerRuntime passes (`runtimeConformance`), run from
 * test/runtime/<name>.test.ts. Commands are POSIX shell and busybox applets, so they behave
 * the same in a busybox rootfs (runc) and on the host (process). Isolation, pod networking
 * and OOM cases run only where the target says the runtime provides them.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import type { ContainerRuntime, ContainerSpec, Sandbox } from "./types.js";
import { RuntimeNotFoundError } from "./types.js";
import { logLines, readLog } from "./crilog.js";

export interface RuntimeTarget {
  runtime: ContainerRuntime;
  /** A fresh runtime object over the same state directory (what an agent restart does). */
  reopen(): ContainerRuntime;
  /** A root filesystem holding busybox (runc); the process runtime ignores it. */
  rootfs: string;
  /** Where the test's container logs go. */
  logDir: string;
  features: {
    /** Own hostname, /etc/hosts, user, capabilities, read-only root. */
    isolation: boolean;
    /** Pod IPs come from this CIDR. */
    podCidr: { contains(ip: string): boolean; text: string };
    /** Containers of a pod share a network namespace the host reaches at the pod IP. */
    podNetwork: boolean;
    /** Memory limits are enforced and OOM kills reported. */
    oom: boolean;
    /** The `user` field is applied. */
    user: boolean;
  };
  /** Removes everything the target made (even after failures). */
  cleanup(): Promise<void>;
}

const rfc3339Nano = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}(Z|[+-]\d\d:\d\d)$/;

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(20);
  }
}

export function runtimeConformance(name: string, make: () => Promise<RuntimeTarget>): void {
  describe(`runtime conformance: ${name}`, () => {
    let target: RuntimeTarget;
    let rt: ContainerRuntime;
    let seq = 0;

    before(async () => {
      target = await make();
      rt = target.runtime;
    });
    after(async () => {
      await target?.cleanup();
    });

    const pod = (over: Partial<Parameters<ContainerRuntime["createSandbox"]>[0]> = {}): Promise<Sandbox> => {
      const n = ++seq;
      return rt.createSandbox({ podUid: `uid-${process.pid}-${n}`, name: `pod-${n}`, namespace: "default", hostname: `pod-${n}`, ...over });
    };
    const spec = (cmd: string[], over: Partial<ContainerSpec> = {}): ContainerSpec => ({
      name: `c${++seq}`, rootfs: target.rootfs, command: cmd, env: {}, logPath: join(target.logDir, `c${seq}-${Date.now()}.log`), ...over,
    });
    const sh = (script: string, over: Partial<ContainerSpec> = {}): ContainerSpec => spec(["sh", "-c", script], over);
    const run = async (sb: Sandbox, s: ContainerSpec): Promise<string> => {
      const id = await rt.createContainer(sb.id, s);
      await rt.startContainer(id);
      return id;
    };
    const exited = (id: string, timeoutMs = 10_000) =>
      until(`container ${id} to exit`, async () => {
        const st = await rt.containerStatus(id);
        return st.state === "exited" ? st : undefined;
      }, timeoutMs);
    const lines = (s: ContainerSpec) => logLines(readLog(s.logPath)).map((l) => `${l.stream}:${l.line}`);
    const waitLog = (s: ContainerSpec, line: string, timeoutMs = 5000) =>
      until(`log line ${JSON.stringify(line)} in ${s.name}`, () => lines(s).includes(line) || undefined, timeoutMs);

    it("runs a command and reports its exit code and reason", async () => {
      const sb = await pod();
      const failing = await run(sb, sh("exit 3"));
      const ok = await run(sb, spec(["true"]));
      const a = await exited(failing);
      assert.equal(a.exitCode, 3);
      assert.equal(a.reason, "Error");
      const b = await exited(ok);
      assert.equal(b.exitCode, 0);
      assert.equal(b.reason, "Completed");
      await rt.removeSandbox(sb.id);
    });

    it("writes stdout and stderr to a CRI-format log", async () => {
      const sb = await pod();
      const s = sh("echo out-1; echo err-1 >&2; echo out-2; printf no-newline");
      const id = await run(sb, s);
      await exited(id);
      await waitLog(s, "stdout:no-newline");
      const raw = readFileSync(s.logPath, "utf8").trimEnd().split("\n");
      for (const line of raw) {
        const [time, stream, tag] = line.split(" ");
        assert.match(time!, rfc3339Nano, line);
        assert.ok(stream === "stdout" || stream === "stderr", line);
        assert.ok(tag === "F" || tag === "P", line);
      }
      const got = lines(s);
      assert.deepEqual(got.filter((l) => l.startsWith("stdout:")), ["stdout:out-1", "stdout:out-2", "stdout:no-newline"]);
      assert.deepEqual(got.filter((l) => l.startsWith("stderr:")), ["stderr:err-1"]);
      await rt.removeSandbox(sb.id);
    });

    it("passes env, workingDir and args", async () => {
      const sb = await pod();
      const s = spec(["sh", "-c", 'echo "$FOO|$(pwd)|$0|$1|${PATH:+has-path}"', "zero", "one"], { env: { FOO: "bar baz" }, workingDir: "/tmp" });
      await exited(await run(sb, s));
      await waitLog(s, "stdout:bar baz|/tmp|zero|one|has-path");
      await rt.removeSandbox(sb.id);
    });

    it("moves through created, running and exited, and forgets a removed container", async () => {
      const sb = await pod();
      const s = sh("echo started; exec sleep 30");
      const id = await rt.createContainer(sb.id, s);
      const created = await rt.containerStatus(id);
      assert.equal(created.state, "created");
      assert.equal(created.pid, undefined);
      await rt.startContainer(id);
      const running = await rt.containerStatus(id);
      assert.equal(running.state, "running");
      assert.ok(running.pid && running.pid > 0, "a running container has a pid");
      assert.ok(running.startedAt);
      assert.ok((await rt.listContainers()).some((c) => c.id === id && c.sandboxId === sb.id && c.name === s.name));
      await rt.stopContainer(id, 0);
      const done = await rt.containerStatus(id);
      assert.equal(done.state, "exited");
      assert.equal(done.exitCode, 137);
      assert.ok(Date.parse(done.finishedAt!) >= Date.parse(running.startedAt!) - 5);
      await rt.stopContainer(id, 5); // stopping an exited container is a no-op
      await assert.rejects(rt.exec(id, ["true"]), /not running/);
      await rt.removeContainer(id);
      await rt.removeContainer(id); // idempotent
      await assert.rejects(rt.containerStatus(id), RuntimeNotFoundError);
      assert.ok(!(await rt.listContainers()).some((c) => c.id === id));
      await assert.rejects(rt.createContainer("0123456789abcdef", sh("true")), RuntimeNotFoundError);
      await rt.removeSandbox(sb.id);
    });

    it("stop: a shell trapping TERM exits cleanly within the grace period", async () => {
      const sb = await pod();
      const s = sh("trap 'echo got-term; exit 0' TERM; echo ready; while true; do sleep 0.1; done");
      const id = await run(sb, s);
      await waitLog(s, "stdout:ready");
      const t0 = Date.now();
      await rt.stopContainer(id, 10);
      const took = Date.now() - t0;
      const st = await rt.containerStatus(id);
      assert.equal(st.exitCode, 0);
      assert.ok(took < 3000, `stopped after ${took} ms`);
      await waitLog(s, "stdout:got-term");
      await rt.removeSandbox(sb.id);
    });

    it("stop: a process ignoring TERM is killed once the grace period is over", async () => {
      const sb = await pod();
      const s = sh("trap '' TERM; echo ready; while true; do sleep 0.1; done");
      const id = await run(sb, s);
      await waitLog(s, "stdout:ready");
      const t0 = Date.now();
      await rt.stopContainer(id, 1);
      const took = Date.now() - t0;
      const st = await rt.containerStatus(id);
      assert.equal(st.state, "exited");
      assert.equal(st.exitCode, 137);
      assert.ok(took >= 1000 && took < 4000, `killed after ${took} ms`);
      await rt.removeSandbox(sb.id);
    });

    it("exec returns output and exit code, with stdin", async () => {
      const sb = await pod();
      const id = await run(sb, spec(["sleep", "30"], { env: { GREETING: "hola" } }));
      const r = await rt.exec(id, ["sh", "-c", 'echo "$GREETING out"; echo to-err >&2; exit 4']);
      assert.deepEqual(r, { exitCode: 4, stdout: "hola out\n", stderr: "to-err\n" });
      const cat = await rt.exec(id, ["cat"], { stdin: "from stdin" });
      assert.equal(cat.stdout, "from stdin");
      assert.equal(cat.exitCode, 0);
      const session = rt.execStream(id, ["sh", "-c", "read x; echo got-$x; exit 2"]);
      let out = "";
      session.stdout.on("data", (d: Buffer) => (out += String(d)));
      session.stdin.end("line\n");
      assert.equal(await session.exited, 2);
      assert.equal(out, "got-line\n");
      await rt.removeSandbox(sb.id);
    });

    it("reports stats for a running container", async () => {
      const sb = await pod();
      const id = await run(sb, spec(["sleep", "30"]));
      const st = await rt.stats(id);
      assert.ok(Date.parse(st.timestamp) > 0);
      if (process.platform === "linux") {
        assert.ok((st.memoryUsageBytes ?? 0) > 0, "memory usage is reported");
        assert.ok((st.cpuUsageNs ?? -1) >= 0, "cpu usage is reported");
      }
      await rt.removeSandbox(sb.id);
    });

    it("a new runtime object adopts running containers (agent restart)", async () => {
      const sb = await pod();
      const id = await run(sb, sh("echo ready; exec sleep 30"));
      const before = await rt.containerStatus(id);
      const again = target.reopen();
      const found = (await again.listContainers()).find((c) => c.id === id);
      assert.ok(found, "listContainers finds the container");
      assert.equal(found.status.state, "running");
      assert.equal(found.status.pid, before.pid);
      assert.ok((await again.listSandboxes()).some((s) => s.id === sb.id));
      assert.equal((await again.exec(id, ["echo", "still here"])).stdout, "still here\n");
      await again.stopContainer(id, 0);
      assert.equal((await rt.containerStatus(id)).exitCode, 137);
      await again.removeSandbox(sb.id);
    });

    it("removing a sandbox removes its containers, and is idempotent", async () => {
      const sb = await pod();
      const id = await run(sb, spec(["sleep", "30"]));
      const notStarted = await rt.createContainer(sb.id, spec(["sleep", "30"]));
      const exitedId = await run(sb, spec(["true"]));
      await exited(exitedId);
      await rt.removeSandbox(sb.id);
      const left = (await rt.listContainers()).map((c) => c.id);
      for (const c of [id, notStarted, exitedId]) assert.ok(!left.includes(c), `container ${c} removed`);
      await assert.rejects(rt.exec(id, ["true"]));
      assert.ok(!(await rt.listSandboxes()).some((s) => s.id === sb.id));
      await rt.removeSandbox(sb.id);
    });

    it("gives each pod an address from the pod range", async () => {
      const a = await pod();
      const b = await pod();
      assert.ok(a.ip && target.features.podCidr.contains(a.ip), `${a.ip} in ${target.features.podCidr.text}`);
      assert.ok(b.ip && target.features.podCidr.contains(b.ip));
      assert.notEqual(a.ip, b.ip);
      await rt.removeSandbox(a.id);
      await rt.removeSandbox(b.id);
    });

    it("runs containers as the requested user", async (t) => {
      if (!target.features.user) return t.skip("this runtime cannot switch users here");
      const sb = await pod();
      const s = sh("echo $(id -u):$(id -g)", { user: { uid: 1000, gid: 1001 } });
      await exited(await run(sb, s));
      await waitLog(s, "stdout:1000:1001");
      await rt.removeSandbox(sb.id);
    });

    it("isolation: pod hostname and /etc/hosts, capabilities, read-only root", async (t) => {
      if (!target.features.isolation) return t.skip("this runtime does not isolate containers");
      const sb = await pod({ hostname: "web-0", hosts: [{ ip: "10.9.9.9", hostnames: ["alias.example"] }] });
      const s = sh(`hostname; cat /etc/hostname; grep -c alias.example /etc/hosts; grep "^${sb.ip}" /etc/hosts`);
      await exited(await run(sb, s));
      await waitLog(s, `stdout:${sb.ip}\tweb-0`);
      assert.deepEqual(lines(s).slice(0, 3), ["stdout:web-0", "stdout:web-0", "stdout:1"]);

      const caps = (over: Partial<ContainerSpec>) => sh("grep CapEff /proc/self/status | tr -d '\\t' | cut -d: -f2", over);
      const dflt = caps({});
      const narrowed = caps({ capabilities: { drop: ["ALL"], add: ["NET_ADMIN"] } });
      const ro = sh("touch /should-fail 2>/dev/null && echo writable || echo read-only; touch /tmp/x 2>/dev/null; echo done", { readOnlyRootfs: true });
      for (const c of [dflt, narrowed, ro]) await exited(await run(sb, c));
      await waitLog(dflt, "stdout:00000000a80425fb"); // containerd's default set
      await waitLog(narrowed, "stdout:0000000000001000"); // CAP_NET_ADMIN only
      await waitLog(ro, "stdout:read-only");
      await rt.removeSandbox(sb.id);
    });

    it("pod network: containers of a pod share it, and the host reaches the pod IP", async (t) => {
      if (!target.features.podNetwork) return t.skip("this runtime has no pod network namespaces");
      const sb = await pod();
      // nc's stdin must stay open: a listener whose stdin hits EOF may quit before reading the socket.
      const server = sh("sleep 10 | nc -l -p 8080");
      const client = sh("for i in $(seq 1 100); do echo hello-from-b | nc 127.0.0.1 8080 && exit 0; sleep 0.05; done; exit 1");
      const serverId = await run(sb, server);
      const clientId = await run(sb, client);
      assert.equal((await exited(clientId)).exitCode, 0);
      await waitLog(server, "stdout:hello-from-b");
      assert.equal((await rt.containerStatus(serverId)).state, "running");

      const pong = sh("while true; do echo pong | nc -l -p 8081; done");
      await run(sb, pong);
      const reply = await until("the host to reach the pod IP", () => fetchTcp(sb.ip!, 8081).catch(() => undefined), 5000);
      assert.equal(reply, "pong\n");
      await rt.removeSandbox(sb.id);
    });

    it("a container over its memory limit is OOM-killed and reported as OOMKilled", async (t) => {
      if (!target.features.oom) return t.skip("this runtime does not enforce memory limits");
      const sb = await pod();
      const s = sh("head -c 100m /dev/zero | tail", { resources: { memoryLimitBytes: 20 * 1024 * 1024 } });
      const st = await exited(await run(sb, s), 20_000);
      assert.equal(st.exitCode, 137);
      assert.equal(st.reason, "OOMKilled");
      await rt.removeSandbox(sb.id);
    });
  });
}

function fetchTcp(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = "";
    const s = connect({ host, port });
    s.setTimeout(2000, () => s.destroy(new Error("timeout")));
    s.on("data", (d) => {
      data += String(d);
      s.end();
    });
    s.on("error", reject);
    s.on("close", () => (data ? resolve(data) : reject(new Error("no data"))));
  });
}
