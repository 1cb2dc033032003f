/**
 * The load generator's child process (see load.ts): holds the API client sessions and runs
 * each requested operation, timing it on its own clock. Argv: <server url> <data dir>.
 */
import { ApiClient, expectStatus, readCreds, type Creds } from "./client.js";
import { configMapJson, namespaceJson, podJson } from "./objects.js";
import { podName, type LoadOps, type LoadReply, type LoadRequest, type WatchOutcome } from "./load.js";

const [url, dataDir] = process.argv.slice(2) as [string, string];
const creds: Creds = readCreds(dataDir);
/** Sessions opened so far; an operation needing n clients uses the first n. */
const sessions: ApiClient[] = [];

async function clients(n: number): Promise<ApiClient[]> {
  while (sessions.length < n) {
    const more = await Promise.all(Array.from({ length: n - sessions.length }, () => ApiClient.connect(url, creds)));
    sessions.push(...more);
  }
  return sessions.slice(0, n);
}

const podsPath = (ns: string): string => `/api/v1/namespaces/${ns}/pods`;

async function createPod(c: ApiClient, ns: string, name: string): Promise<string> {
  return expectStatus(await c.request("POST", podsPath(ns), podJson(ns, name)), `create pod ${name}`, 201).body;
}

/** Runs `total` jobs on `workers` concurrent loops. */
async function pool(total: number, workers: number, job: (i: number, w: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: workers }, async (_, w) => {
    for (let i = next++; i < total; i = next++) await job(i, w);
  }));
}

type Handlers = { [K in keyof LoadOps]: (a: LoadOps[K]["args"]) => Promise<LoadOps[K]["result"]> };

const handlers: Handlers = {
  async connect({ clients: n }) {
    await clients(n);
    return null;
  },

  async createNamespace({ name }) {
    const [c] = await clients(1);
    expectStatus(await c!.request("POST", "/api/v1/namespaces", namespaceJson(name)), `create namespace ${name}`, 201);
    return null;
  },

  async createOne({ ns, name }) {
    const [c] = await clients(1);
    return createPod(c!, ns, name);
  },

  async creates({ ns, concurrency, ms, tag }) {
    const cs = await clients(concurrency);
    let done = 0;
    const start = performance.now();
    const end = start + ms;
    await Promise.all(cs.map(async (c, w) => {
      for (let i = 0; performance.now() < end; i++) {
        await createPod(c, ns, `${tag}-w${w}-k${i}`);
        done++;
      }
    }));
    return { done, ms: performance.now() - start };
  },

  async paced({ ns, kind, rate, ms, clients: n }) {
    const cs = await clients(n);
    const total = Math.round((rate * ms) / 1000);
    const interval = 1000 / rate;
    const latenciesMs: number[] = [];
    const pending: Promise<void>[] = [];
    let inflight = 0;
    let saturated = false;
    let failure: Error | undefined;
    const create = (c: ApiClient, name: string): Promise<unknown> =>
      kind === "pods" ? createPod(c, ns, name)
        : c.request("POST", `/api/v1/namespaces/${ns}/configmaps`, configMapJson(ns, name)).then((r) => expectStatus(r, `create configmap ${name}`, 201));
    const t0 = performance.now() + 5;
    for (let sent = 0; sent < total && !failure && !saturated;) {
      const due = Math.min(total, Math.floor((performance.now() - t0) / interval) + 1);
      for (; sent < due; sent++) {
        const scheduled = t0 + sent * interval;
        inflight++;
        pending.push(create(cs[sent % cs.length]!, `paced-${kind}-${sent}`).then(
          () => { latenciesMs.push(performance.now() - scheduled); },
          (e: unknown) => { failure ??= e instanceof Error ? e : new Error(String(e)); },
        ).finally(() => { inflight--; }));
      }
      saturated = inflight > rate;
      await new Promise((r) => setTimeout(r, 1));
    }
    await Promise.all(pending);
    if (failure) throw failure;
    return { latenciesMs, elapsedMs: performance.now() - t0, saturated };
  },

  async seed({ ns, count, concurrency }) {
    const cs = await clients(concurrency);
    await pool(count, concurrency, async (i, w) => { await createPod(cs[w]!, ns, podName(i)); });
    return null;
  },

  async reads({ paths, accept }) {
    const [c] = await clients(1);
    const headers = accept ? { accept } : {};
    const timesMs: number[] = [];
    let bytes = 0;
    for (const p of paths) {
      const t = performance.now();
      const r = expectStatus(await c!.request("GET", p, undefined, headers), `GET ${p}`, 200);
      timesMs.push(performance.now() - t);
      bytes = r.body.length;
    }
    return { timesMs, bytes };
  },

  async watch({ ns, watchers, writes: W, writers, timeoutMs }): Promise<WatchOutcome> {
    const cs = await clients(writers);
    // Watchers get connections of their own, as separate watching processes would have.
    const wcs = await Promise.all(Array.from({ length: watchers }, () => ApiClient.connect(url, creds)));
    const path = `/api/v1/namespaces/${ns}/configmaps`;
    const arrivals = Array.from({ length: watchers }, () => new Float64Array(W));
    const sent = new Float64Array(W);
    const acks = new Float64Array(W);
    let delivered = 0;
    let lastArrival = 0;
    const streams: { close(): void }[] = [];
    try {
      const list = expectStatus(await cs[0]!.request("GET", path), "list configmaps", 200);
      const rv = (JSON.parse(list.body) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
      const marker = '"name":"ev-';
      for (let w = 0; w < watchers; w++) {
        const seen = arrivals[w]!;
        // The name is cut out of the line instead of parsing it: with 100 watchers in one
        // process, full parses would make this process, not the server, the bottleneck.
        streams.push(await wcs[w]!.watch(`${path}?watch=1&resourceVersion=${rv}`, (line, at) => {
          if (!line.startsWith('{"type":"ADDED"')) return;
          const s = line.indexOf(marker);
          if (s < 0) return;
          const i = Number(line.slice(s + marker.length, line.indexOf('"', s + marker.length)));
          if (seen[i] === 0) {
            seen[i] = at;
            delivered++;
            lastArrival = at;
          }
        }));
      }
      const start = performance.now();
      await pool(W, writers, async (i, w) => {
        sent[i] = performance.now();
        expectStatus(await cs[w]!.request("POST", path, configMapJson(ns, `ev-${i}`)), `create configmap ev-${i}`, 201);
        acks[i] = performance.now();
      });
      const writeMs = performance.now() - start;
      const expected = W * watchers;
      const deadline = performance.now() + timeoutMs;
      while (delivered < expected && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      const ackToEventMs: number[] = [];
      const sendToEventMs: number[] = [];
      for (const seen of arrivals) {
        for (let i = 0; i < W; i++) {
          if (seen[i]! === 0) continue;
          ackToEventMs.push(seen[i]! - acks[i]!);
          sendToEventMs.push(seen[i]! - sent[i]!);
        }
      }
      return { delivered, expected, spanMs: lastArrival - start, writeMs, ackToEventMs, sendToEventMs };
    } finally {
      for (const s of streams) s.close();
      for (const c of wcs) c.close();
    }
  },
};

process.on("message", (m: LoadRequest) => {
  const handler = handlers[m.op] as (a: unknown) => Promise<unknown>;
  const cpu = process.cpuUsage();
  const t = performance.now();
  handler(m.args).then(
    (result) => {
      const used = process.cpuUsage(cpu);
      const cpuShare = (used.user + used.system) / 1000 / Math.max(1, performance.now() - t);
      process.send!({ id: m.id, ok: true, result, busy: { cpuShare } } satisfies LoadReply);
    },
    (err: unknown) => process.send!({ id: m.id, ok: false, error: err instanceof Error ? err.message : String(err) } satisfies LoadReply),
  );
});
process.on("disconnect", () => {
  for (const c of sessions) c.close();
  process.exit(0);
});
