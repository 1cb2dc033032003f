/**
 * The scale probe's child process (see scale-probe.ts). Two HTTP/2 sessions with the admin
 * certificate and client-go's flow-control windows (scale-client.ts), one for reads and one
 * for writes, as two independent clients would have. Reads rotate over a pod GET, a page of
 * 500 pods and a node GET; writes over a ConfigMap create, update (PUT with the
 * resourceVersion last seen) and delete. Both streams are open loop: request i is due at
 * t0 + i/rate whatever happened to the earlier ones, and its latency counts from that due
 * time. Argv: <server url> <data dir>.
 */
import { expectStatus, readCreds, type Reply } from "./client.js";
import { GoLikeClient as ApiClient } from "./scale-client.js";
import { configMapJson, namespaceJson, podJson } from "./objects.js";
import type { PhaseSamples, ProbeKind, ProbeOps, ProbeReply, ProbeRequest } from "./scale-probe.js";

const [url, dataDir] = process.argv.slice(2) as [string, string];
const creds = readCreds(dataDir);
/** A request outstanding this long counts as an error (the server has stalled). */
const requestTimeoutMs = 60_000;

let readC: ApiClient | undefined;
let writeC: ApiClient | undefined;
let ns = "scale-probe";
let podCount = 0;

const phases: PhaseSamples[] = [];
let current: PhaseSamples | undefined;
let phaseStart = 0;
let running = false;
let loop: Promise<void> | undefined;
const outstanding = new Set<Promise<void>>();

function newPhase(name: string): void {
  const now = performance.now();
  if (current) current.ms = now - phaseStart;
  current = { phase: name, ms: 0, byKind: {}, errors: {}, firstError: {}, skipped: 0 };
  phases.push(current);
  phaseStart = now;
}

function record(kind: ProbeKind, ms: number, err?: string): void {
  // A request belongs to the phase it completes in: that is when the client saw the wait.
  const p = current!;
  if (err !== undefined) {
    p.errors[kind] = (p.errors[kind] ?? 0) + 1;
    p.firstError[kind] ??= err;
  }
  (p.byKind[kind] ??= []).push(ms);
}

function withTimeout(p: Promise<Reply>): Promise<Reply> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<Reply>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer in ${requestTimeoutMs} ms`)), requestTimeoutMs); });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** Sends one request due at `due`; records its latency (from `due`) under `kind`. */
function send(kind: ProbeKind, due: number, req: () => Promise<Reply>, ok: number[], after?: (r: Reply) => void): void {
  const work = withTimeout(req()).then(
    (r) => {
      if (ok.includes(r.status)) {
        record(kind, performance.now() - due);
        after?.(r);
      } else record(kind, performance.now() - due, `HTTP ${r.status}: ${r.body.slice(0, 200)}`);
    },
    (e: unknown) => record(kind, performance.now() - due, e instanceof Error ? e.message : String(e)),
  );
  const tracked = work.finally(() => outstanding.delete(tracked));
  outstanding.add(tracked);
}

// ---------------------------------------------------------------------------------------------
// Reads

let nodeNames: string[] = [];
let readNo = 0;

function sendRead(due: number): void {
  const i = readNo++;
  const c = readC!;
  switch (i % 3) {
    case 0: {
      const name = `probe-pod-${Math.floor(i / 3) % podCount}`;
      send("get pod", due, () => c.request("GET", `/api/v1/namespaces/${ns}/pods/${name}`), [200]);
      return;
    }
    case 1:
      send("list 500 pods", due, () => c.request("GET", `/api/v1/namespaces/${ns}/pods?limit=500`), [200]);
      return;
    default: {
      const node = nodeNames[Math.floor(i / 3) % nodeNames.length]!;
      send("get node", due, () => c.request("GET", `/api/v1/nodes/${node}`), [200]);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Writes: configmaps that this client alone touches, so every write should succeed.

interface Live {
  name: string;
  rv: string;
}
/** ConfigMaps created and not being written right now, oldest first. */
const live: Live[] = [];
let writeNo = 0;
let created = 0;
const minLive = 20;
const cmPath = (): string => `/api/v1/namespaces/${ns}/configmaps`;
const rvOf = (r: Reply): string => (JSON.parse(r.body) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;

function sendCreate(due: number): void {
  const name = `probe-cm-${created++}`;
  send("create configmap", due, () => writeC!.request("POST", cmPath(), configMapJson(ns, name)), [201], (r) => live.push({ name, rv: rvOf(r) }));
}

function sendWrite(due: number): void {
  const i = writeNo++;
  if (i % 3 === 0 || live.length < minLive) return sendCreate(due);
  const target = live.shift()!;
  if (i % 3 === 1) {
    const body = JSON.parse(configMapJson(ns, target.name)) as { metadata: { resourceVersion?: string }; data: Record<string, string> };
    body.metadata.resourceVersion = target.rv;
    body.data.revision = String(i);
    send("update configmap", due, () => writeC!.request("PUT", `${cmPath()}/${target.name}`, JSON.stringify(body)), [200],
      (r) => live.push({ name: target.name, rv: rvOf(r) }));
  } else {
    send("delete configmap", due, () => writeC!.request("DELETE", `${cmPath()}/${target.name}`), [200, 202]);
  }
}

// ---------------------------------------------------------------------------------------------

async function runLoop(readsPerSec: number, writesPerSec: number): Promise<void> {
  const t0 = performance.now() + 5;
  let reads = 0;
  let writes = 0;
  // More than ten seconds' worth outstanding: the server has stalled; stop piling on.
  const cap = 10 * (readsPerSec + writesPerSec);
  while (running) {
    const now = performance.now();
    const readsDue = readsPerSec > 0 ? Math.floor(((now - t0) * readsPerSec) / 1000) + 1 : 0;
    const writesDue = writesPerSec > 0 ? Math.floor(((now - t0) * writesPerSec) / 1000) + 1 : 0;
    for (; reads < readsDue; reads++) {
      const due = t0 + (reads * 1000) / readsPerSec;
      if (outstanding.size >= cap) current!.skipped++;
      else sendRead(due);
    }
    for (; writes < writesDue; writes++) {
      const due = t0 + (writes * 1000) / writesPerSec;
      if (outstanding.size >= cap) current!.skipped++;
      else sendWrite(due);
    }
    await new Promise((r) => setTimeout(r, 2));
  }
}

async function waitForServiceAccount(c: ApiClient): Promise<void> {
  const deadline = Date.now() + 60_000;
  while ((await c.request("GET", `/api/v1/namespaces/${ns}/serviceaccounts/default`)).status !== 200) {
    if (Date.now() > deadline) throw new Error(`no default ServiceAccount in ${ns} after 60 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

type Handlers = { [K in keyof ProbeOps]: (a: ProbeOps[K]["args"]) => Promise<ProbeOps[K]["result"]> };

const handlers: Handlers = {
  async setup(s) {
    ns = s.namespace;
    podCount = s.pods;
    [readC, writeC] = await Promise.all([ApiClient.connect(url, creds), ApiClient.connect(url, creds)]);
    const c = writeC;
    expectStatus(await c.request("POST", "/api/v1/namespaces", namespaceJson(ns)), `create namespace ${ns}`, 201);
    await waitForServiceAccount(c);
    let next = 0;
    await Promise.all(Array.from({ length: 16 }, async () => {
      for (let i = next++; i < s.pods; i = next++) {
        const pod = JSON.parse(podJson(ns, `probe-pod-${i}`)) as { spec: { schedulerName?: string } };
        // No scheduler has this name: the probe's pods stay Pending and out of the fill's count.
        pod.spec.schedulerName = "scale-probe-none";
        expectStatus(await c.request("POST", `/api/v1/namespaces/${ns}/pods`, JSON.stringify(pod)), `create probe pod ${i}`, 201);
      }
    }));
    for (let i = 0; i < minLive; i++) {
      const name = `probe-cm-${created++}`;
      live.push({ name, rv: rvOf(expectStatus(await c.request("POST", cmPath(), configMapJson(ns, name)), `create ${name}`, 201)) });
    }
    if (s.node) {
      const node = { apiVersion: "v1", kind: "Node", metadata: { name: "scale-probe-node" }, spec: { unschedulable: true } };
      expectStatus(await c.request("POST", "/api/v1/nodes", JSON.stringify(node)), "create probe node", 201);
    }
    return null;
  },

  async start(s) {
    nodeNames = s.nodeNames.length ? s.nodeNames : ["scale-probe-node"];
    newPhase(s.phase);
    running = true;
    loop = runLoop(s.readsPerSec, s.writesPerSec);
    return null;
  },

  async phase({ phase }) {
    newPhase(phase);
    return null;
  },

  async stop() {
    running = false;
    await loop;
    await Promise.all([...outstanding]);
    if (current) current.ms = performance.now() - phaseStart;
    return phases;
  },
};

process.on("message", (m: ProbeRequest) => {
  const handler = handlers[m.op] as (a: unknown) => Promise<unknown>;
  handler(m.args).then(
    (result) => process.send!({ id: m.id, ok: true, result } satisfies ProbeReply),
    (err: unknown) => process.send!({ id: m.id, ok: false, error: err instanceof Error ? err.message : String(err) } satisfies ProbeReply),
  );
});
process.on("disconnect", () => {
  readC?.close();
  writeC?.close();
  process.exit(0);
});
