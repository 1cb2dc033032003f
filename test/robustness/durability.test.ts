/**
 * Durability of `timonel up` on SQLite (issue 2, point 12): the real CLI runs as a child
 * process under a concurrent create load over HTTP/2 with the admin client certificate, is
 * SIGKILLed about a second in, and is started again on the same data dir. Every create that
 * got a 2xx must be there with the same resourceVersion, revisions must continue past them,
 * a watch from an older resourceVersion must resume with the later events, and (after a
 * forced compaction, in-process) a watch from a compacted resourceVersion must get an ERROR
 * event carrying a 410 Status.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startCluster, type Cluster } from "../../src/cli/cluster.js";
import { H2Client, expectStatus, readCredentials, readWatch, type Credentials, type WatchEvent } from "./https.js";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const CONCURRENCY = 16;
const LOAD_MS = 1000;
const CM_PATH = "/api/v1/namespaces/default/configmaps";

interface ServerProcess {
  proc: ChildProcess;
  url: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
}

/** Runs `timonel up` from source on a free port and resolves once it printed its ready line. */
function startServer(dataDir: string): Promise<ServerProcess> {
  const proc = spawn(process.execPath, [
    "--import", "tsx", path.join(repoRoot, "src/cli/run.ts"),
    "up", "--data-dir", dataDir, "--port", "0", "--storage", "sqlite", "--no-agent",
  ], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
  running.add(proc);
  let out = "";
  proc.stdout!.setEncoding("utf8");
  proc.stderr!.setEncoding("utf8");
  proc.stderr!.on("data", (d: string) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.on("exit", (code, signal) => {
      running.delete(proc);
      resolve({ code, signal });
    });
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timonel up did not get ready in 15 s; output:\n${out}`)), 15_000);
    proc.stdout!.on("data", (d: string) => {
      out += d;
      const m = /Timonel is ready at (https:\/\/\S+?) in /.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ proc, url: m[1]!, exited, output: () => out });
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`timonel up exited (code ${code}, signal ${signal}) before it was ready; output:\n${out}`));
    });
  });
}

const running = new Set<ChildProcess>();

function configMap(name: string): string {
  return JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, labels: { load: "durability" } }, data: { payload: "x".repeat(200) } });
}

interface Created {
  name: string;
  rv: number;
}

async function create(client: H2Client, name: string): Promise<Created> {
  const reply = await client.request({ method: "POST", path: CM_PATH, headers: { "content-type": "application/json" }, body: configMap(name) });
  assert.equal(reply.status, 201, `create ${name}: ${reply.status} ${reply.body.toString()}`);
  const obj = JSON.parse(reply.body.toString()) as { metadata: { resourceVersion: string } };
  return { name, rv: Number(obj.metadata.resourceVersion) };
}

interface ListedItem {
  name: string;
  rv: number;
}

async function listConfigMaps(client: H2Client, query = ""): Promise<{ rv: number; items: ListedItem[] }> {
  const reply = await client.request({ method: "GET", path: `${CM_PATH}${query}` });
  assert.equal(reply.status, 200, `list configmaps: ${reply.status} ${reply.body.toString().slice(0, 500)}`);
  const list = JSON.parse(reply.body.toString()) as { metadata: { resourceVersion: string }; items: { metadata: { name: string; resourceVersion: string } }[] };
  return {
    rv: Number(list.metadata.resourceVersion),
    items: list.items.map((i) => ({ name: i.metadata.name, rv: Number(i.metadata.resourceVersion) })),
  };
}

describe("durability: SIGKILL during a concurrent create load, then restart", { timeout: 30_000 }, () => {
  let dataDir = "";
  let creds: Credentials;
  /** name → resourceVersion of every create that got a 201 before the kill. */
  const acked = new Map<string, number>();
  let maxAcked = 0;
  let ackedRvs: number[] = [];
  let attempted = 0;

  before(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "timonel-durability-"));
  });

  after(async () => {
    for (const p of running) p.kill("SIGKILL");
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it("acknowledges creates from 16 concurrent HTTP/2 clients until SIGKILL", async () => {
    const server = await startServer(dataDir);
    creds = await readCredentials(dataDir);
    const clients = Array.from({ length: CONCURRENCY }, () => new H2Client(server.url, creds));
    let stopping = false;
    const worker = async (w: number): Promise<void> => {
      for (let n = 0; !stopping; n++) {
        const name = `load-${w}-${n}`;
        attempted++;
        try {
          const reply = await clients[w]!.request({ method: "POST", path: CM_PATH, headers: { "content-type": "application/json" }, body: configMap(name), timeoutMs: 5000 });
          // Only a whole 2xx reply counts as an acknowledgement.
          if (reply.status >= 200 && reply.status < 300) {
            const rv = Number((JSON.parse(reply.body.toString()) as { metadata: { resourceVersion: string } }).metadata.resourceVersion);
            acked.set(name, rv);
          } else if (!stopping) {
            throw new Error(`create ${name} under load: ${reply.status} ${reply.body.toString()}`);
          }
        } catch (err) {
          if (!stopping) throw err;
        }
      }
    };
    // One create first, so the measured second is load rather than lazy start-up work.
    const warm = await create(clients[0]!, "warm-up");
    acked.set(warm.name, warm.rv);
    const started = Date.now();
    let loadError: unknown;
    const workers = clients.map((_, w) => worker(w).catch((err: unknown) => { loadError ??= err; }));
    while ((Date.now() - started < LOAD_MS || acked.size < 20) && Date.now() - started < 8000 && loadError === undefined) {
      await new Promise((r) => setTimeout(r, 20));
    }
    // Errors from here on are the kill's doing, not the server's.
    const failedBeforeKill = loadError;
    stopping = true;
    server.proc.kill("SIGKILL");
    const exit = await server.exited;
    await Promise.all(workers);
    loadError = failedBeforeKill;
    if (loadError !== undefined) {
      throw new Error(`the load failed before the kill: ${loadError instanceof Error ? loadError.message : String(loadError)}; server output:\n${server.output()}`);
    }
    for (const c of clients) c.close();
    assert.equal(exit.signal, "SIGKILL");
    ackedRvs = [...acked.values()].sort((a, b) => a - b);
    maxAcked = ackedRvs[ackedRvs.length - 1] ?? 0;
    console.log(`# ${acked.size} creates acknowledged of ${attempted} attempted in ${Date.now() - started} ms before SIGKILL; max resourceVersion ${maxAcked}`);
    assert.ok(acked.size >= 20, `too few acknowledged creates to test anything (${acked.size}); server output:\n${server.output()}`);
    // Distinct objects got distinct revisions.
    assert.equal(new Set(ackedRvs).size, ackedRvs.length, "two acknowledged creates share a resourceVersion");
  });

  it("after a restart: every acknowledged object is present, revisions continue, and a watch resumes", async () => {
    assert.ok(acked.size > 0, "the load phase did not run");
    const server = await startServer(dataDir);
    const client = new H2Client(server.url, creds);
    let checked = false;
    try {
      const list = await listConfigMaps(client);
      const listed = new Map(list.items.map((i) => [i.name, i.rv]));
      const missing = [...acked].filter(([name, rv]) => listed.get(name) !== rv);
      assert.deepEqual(missing.map(([name, rv]) => `${name}@${rv} → ${listed.get(name) ?? "missing"}`), [], "acknowledged creates lost or changed after SIGKILL");
      assert.ok(list.rv >= maxAcked, `list resourceVersion ${list.rv} is behind the newest acknowledged write ${maxAcked}`);
      // A single GET agrees with the list.
      const [someName, someRv] = [...acked][acked.size - 1]!;
      const one = await client.request({ method: "GET", path: `${CM_PATH}/${someName}` });
      assert.equal(one.status, 200);
      assert.equal((JSON.parse(one.body.toString()) as { metadata: { resourceVersion: string } }).metadata.resourceVersion, String(someRv));

      // Revisions continue after the newest durable one.
      const next = await create(client, "after-restart");
      assert.ok(next.rv > maxAcked, `new create got resourceVersion ${next.rv}, not above the acknowledged ${maxAcked}`);
      assert.ok(next.rv > list.rv, `new create got resourceVersion ${next.rv}, not above the list's ${list.rv}`);

      // A watch from an older acknowledged resourceVersion replays exactly what came after it,
      // in order, then goes on live.
      const from = ackedRvs[Math.floor(ackedRvs.length / 2)]!;
      const expected = new Set(list.items.filter((i) => i.rv > from).map((i) => i.name));
      expected.add(next.name);
      let liveCreate: Promise<Created> | undefined;
      const seen = new Set<string>();
      const { status, events } = await readWatch(client, `${CM_PATH}?watch=1&resourceVersion=${from}&timeoutSeconds=20`, {
        timeoutMs: 10_000,
        onEvent(ev) {
          if (ev.object.metadata?.name) seen.add(ev.object.metadata.name);
          if (!liveCreate && [...expected].every((n) => seen.has(n))) liveCreate = create(client, "after-watch");
        },
        done: () => seen.has("after-watch"),
      });
      assert.equal(status, 200);
      const live = await liveCreate!;
      assertAddedInOrder(events, from);
      const names = events.map((e) => e.object.metadata!.name!);
      assert.deepEqual(new Set(names), new Set([...expected, live.name]), "the resumed watch delivered a different set of objects");
      assert.equal(names.length, expected.size + 1, "the resumed watch delivered an object twice");
      assert.equal(Number(events[events.length - 1]!.object.metadata!.resourceVersion), live.rv);
      checked = true;
    } finally {
      client.close();
      // The next phase needs the data dir to itself.
      if (!checked) {
        server.proc.kill("SIGKILL");
        await server.exited;
      }
    }
    // SIGTERM stops the server cleanly (the next phase reopens the same data dir).
    server.proc.kill("SIGTERM");
    const exit = await Promise.race([server.exited, new Promise<undefined>((r) => setTimeout(r, 5000))]);
    assert.ok(exit, `timonel up did not stop within 5 s of SIGTERM; output:\n${server.output()}`);
    assert.deepEqual(exit, { code: 0, signal: null }, `timonel up did not exit cleanly on SIGTERM; output:\n${server.output()}`);
  });

  it("after compaction: a watch or a continue from a compacted resourceVersion gets 410, a newer one resumes", async () => {
    assert.ok(acked.size > 0, "the load phase did not run");
    // No CLI flag shortens the 5-minute compaction window, so this phase reopens the same
    // data dir in-process and compacts through the backend.
    const cluster: Cluster = await startCluster({ dataDir, port: 0, host: "127.0.0.1", storage: "sqlite" });
    const client = new H2Client(cluster.url, creds);
    try {
      const page = await client.request({ method: "GET", path: `${CM_PATH}?limit=5` });
      assert.equal(page.status, 200);
      const token = (JSON.parse(page.body.toString()) as { metadata: { continue?: string } }).metadata.continue;
      assert.ok(token, "a limited list of many objects has a continue token");
      const marker = await create(client, "before-compact");
      await cluster.backend.compact(marker.rv);
      assert.equal(await cluster.backend.compactRevision(), marker.rv);

      const old = ackedRvs[0]!;
      assert.ok(old < marker.rv);
      const gone = await readWatch(client, `${CM_PATH}?watch=1&resourceVersion=${old}`, { timeoutMs: 5000, done: (evs) => evs.some((e) => e.type === "ERROR") });
      assert.equal(gone.status, 200, "upstream answers a watch from a compacted revision with 200 and an ERROR event");
      assert.equal(gone.events.length, 1, `expected only the ERROR event, got ${JSON.stringify(gone.events).slice(0, 500)}`);
      const st = gone.events[0]!.object;
      assert.equal(gone.events[0]!.type, "ERROR");
      assert.equal(st.kind, "Status");
      assert.equal(st.code, 410);
      assert.equal(st.reason, "Expired");
      assert.match(st.message ?? "", /^too old resource version: \d+ \(\d+\)$/);

      const cont = await client.request({ method: "GET", path: `${CM_PATH}?limit=5&continue=${encodeURIComponent(token)}` });
      expectStatus(cont, 410, "continue token older than the compaction");

      const exact = await client.request({ method: "GET", path: `${CM_PATH}?resourceVersion=${old}&resourceVersionMatch=Exact` });
      expectStatus(exact, 410, "list at an exact compacted resourceVersion");

      // Watching from the compaction point itself is still fine: it replays nothing older
      // and delivers what comes next.
      let liveCreate: Promise<Created> | undefined;
      const resumed = await readWatch(client, `${CM_PATH}?watch=1&resourceVersion=${marker.rv}&timeoutSeconds=10`, {
        timeoutMs: 8000,
        onOpen: () => { liveCreate = create(client, "after-compact"); },
        done: (evs) => evs.some((e) => e.object.metadata?.name === "after-compact"),
      });
      const live = await liveCreate!;
      assert.equal(resumed.status, 200);
      assertAddedInOrder(resumed.events, marker.rv);
      assert.deepEqual(resumed.events.map((e) => e.object.metadata?.name), ["after-compact"]);
      assert.equal(Number(resumed.events[0]!.object.metadata!.resourceVersion), live.rv);
    } finally {
      client.close();
      await cluster.stop();
    }
  });
});

function assertAddedInOrder(events: WatchEvent[], from: number): void {
  let prev = from;
  for (const ev of events) {
    assert.equal(ev.type, "ADDED", `unexpected ${ev.type} event: ${JSON.stringify(ev).slice(0, 300)}`);
    const rv = Number(ev.object.metadata?.resourceVersion);
    assert.ok(rv > prev, `event resourceVersion ${rv} is not above ${prev}`);
    prev = rv;
  }
}
