/**
 * The node server over real TLS with the cluster PKI's certificates: kubelet's
 * /containerLogs options over CRI log files written here, and who is let in.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import https from "node:https";
import { appendFileSync, mkdtempSync, rmSync, writeFileSync, renameSync } from "node:fs";
import { open } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ensurePki, issueClientCert, type Pki } from "../../src/cli/pki.js";
import { startNodeServer, tailOffset, type NodeServer } from "../../src/node/server/index.js";
import { errors } from "../../src/machinery/errors.js";
import type { LogLocator } from "../../src/node/types.js";

const tmp = mkdtempSync(path.join(os.tmpdir(), "timonel-nodesrv-"));
let pki: Pki;
let server: NodeServer;
const running = new Map<string, boolean>();

const T = (s: number, frac = "000000000"): string => `2025-01-01T00:00:${String(s).padStart(2, "0")}.${frac}Z`;
const file = (name: string): string => path.join(tmp, name);

/** A locator over files in tmp: pod `p` has containers `app` (default) and `side`. */
const locator: LogLocator = {
  async locate(namespace, pod, container, previous) {
    if (namespace !== "default" || !["p", "big", "live", "rot"].includes(pod)) throw errors.notFound("pods", "", pod);
    const c = container ?? "app";
    if (!["app", "side"].includes(c)) throw errors.badRequest(`container ${c} is not valid for pod ${pod}`);
    if (previous) {
      if (c !== "app") throw errors.badRequest(`previous terminated container "${c}" in pod "${pod}" not found`);
      return { path: file(`${pod}-${c}.0.log`), container: c };
    }
    const key = `${pod}/${c}`;
    return { path: file(`${pod}-${c}.1.log`), container: c, running: running.has(key) ? () => running.get(key)! : undefined };
  },
};

interface Client { certPem: string; keyPem: string }

function get(p: string, client: Client | null = { certPem: pki.kubeletClientCertPem, keyPem: pki.kubeletClientKeyPem }, ca = pki.caPem):
  Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get({ host: "127.0.0.1", port: server.port, path: p, ca, cert: client?.certPem, key: client?.keyPem, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, type: String(res.headers["content-type"]), body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.setTimeout(10_000, () => req.destroy(new Error("timeout")));
  });
}

/** Starts a follow request; `text()` is what arrived so far. */
function follow(p: string): { text(): string; waitFor(re: RegExp): Promise<void>; ended: Promise<number>; stop(): void } {
  let text = "";
  const waiters = new Set<() => void>();
  let stopReq = (): void => {};
  const ended = new Promise<number>((resolve, reject) => {
    const req = https.get({ host: "127.0.0.1", port: server.port, path: p, ca: pki.caPem, cert: pki.kubeletClientCertPem, key: pki.kubeletClientKeyPem, agent: false }, (res) => {
      res.on("data", (c: Buffer) => {
        text += c.toString("utf8");
        for (const w of waiters) w();
      });
      res.on("end", () => resolve(res.statusCode ?? 0));
      res.on("close", () => resolve(-1));
    });
    req.on("error", (e) => (text === "" ? reject(e) : resolve(-1)));
    stopReq = () => req.destroy();
  });
  return {
    text: () => text,
    waitFor: (re) => new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (re.test(text)) {
          waiters.delete(check);
          clearTimeout(timer);
          resolve();
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no ${re} in ${JSON.stringify(text)}`));
      }, 5_000);
      waiters.add(check);
      check();
    }),
    ended,
    stop: () => stopReq(),
  };
}

before(async () => {
  pki = await ensurePki(path.join(tmp, "data"));
  writeFileSync(file("p-app.1.log"), [
    `${T(1)} stdout F one`,
    `${T(2, "500000000")} stderr F two`,
    `${T(3, "123456789")} stdout P thr`,
    `${T(3, "200000000")} stdout P e`,
    `${T(3, "300000000")} stdout F e`,
    `${T(4)} stdout F four`,
    "garbage that is not a CRI line",
    `${T(5, "000000010")} stdout F five`,
    "",
  ].join("\n"));
  writeFileSync(file("p-app.0.log"), `${T(0)} stdout F previous instance\n`);
  writeFileSync(file("p-side.1.log"), `${T(1)} stdout F side car\n`);
  server = await startNodeServer({ host: "127.0.0.1", port: 0, keyPem: pki.nodeServingKeyPem, certPem: pki.nodeServingCertPem, caPem: pki.caPem, logs: locator });
});

after(async () => {
  await server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe("containerLogs", () => {
  test("the whole log: contents only, partial entries joined, malformed lines skipped", async () => {
    const r = await get("/containerLogs/default/p/app");
    assert.equal(r.status, 200);
    assert.equal(r.type, "text/plain");
    assert.equal(r.body, "one\ntwo\nthree\nfour\nfive\n");
    // An empty container segment (or none) means the pod's only container.
    assert.equal((await get("/containerLogs/default/p/")).body, r.body);
    assert.equal((await get("/containerLogs/default/p")).body, r.body);
    assert.equal((await get("/containerLogs/default/p/side")).body, "side car\n");
  });

  test("tailLines counts whole lines from the end", async () => {
    assert.equal((await get("/containerLogs/default/p/app?tailLines=2")).body, "four\nfive\n");
    assert.equal((await get("/containerLogs/default/p/app?tailLines=3")).body, "three\nfour\nfive\n");
    assert.equal((await get("/containerLogs/default/p/app?tailLines=0")).body, "");
    assert.equal((await get("/containerLogs/default/p/app?tailLines=100")).body, "one\ntwo\nthree\nfour\nfive\n");
  });

  test("timestamps: Go's RFC3339Nano of each line's first entry", async () => {
    const r = await get("/containerLogs/default/p/app?timestamps=true&tailLines=4");
    assert.equal(r.body, [
      "2025-01-01T00:00:02.5Z two",
      "2025-01-01T00:00:03.123456789Z three",
      "2025-01-01T00:00:04Z four",
      "2025-01-01T00:00:05.00000001Z five",
      "",
    ].join("\n"));
  });

  test("sinceTime and sinceSeconds filter by the CRI timestamp", async () => {
    assert.equal((await get("/containerLogs/default/p/app?sinceTime=2025-01-01T00:00:03Z")).body, "three\nfour\nfive\n");
    assert.equal((await get("/containerLogs/default/p/app?sinceTime=2025-01-01T00:00:03Z&tailLines=4")).body, "three\nfour\nfive\n");
    // Written in 2025: an hour ago excludes all of it, ten years ago none of it.
    assert.equal((await get("/containerLogs/default/p/app?sinceSeconds=3600")).body, "");
    assert.equal((await get(`/containerLogs/default/p/app?sinceSeconds=${10 * 365 * 86400}`)).body, "one\ntwo\nthree\nfour\nfive\n");
  });

  test("limitBytes cuts the output, mid-line if need be", async () => {
    assert.equal((await get("/containerLogs/default/p/app?limitBytes=6")).body, "one\ntw");
    assert.equal((await get("/containerLogs/default/p/app?limitBytes=6&timestamps=1")).body, "2025-0");
  });

  test("previous reads the last terminated instance", async () => {
    assert.equal((await get("/containerLogs/default/p/app?previous=true")).body, "previous instance\n");
    const r = await get("/containerLogs/default/p/side?previous=true");
    assert.equal(r.status, 400);
    const st = JSON.parse(r.body) as { kind: string; code: number; message: string };
    assert.equal(st.kind, "Status");
    assert.equal(st.message, 'previous terminated container "side" in pod "p" not found');
  });

  test("errors are Status bodies with the locator's code", async () => {
    const nf = await get("/containerLogs/default/nope/app");
    assert.equal(nf.status, 404);
    assert.equal(nf.type, "application/json");
    assert.equal((JSON.parse(nf.body) as { reason: string }).reason, "NotFound");
    assert.equal((await get("/containerLogs/default/p/nope")).status, 400);
    const bad = await get("/containerLogs/default/p/app?tailLines=-1");
    assert.equal(bad.status, 400);
    assert.match(bad.body, /tailLines/);
    assert.equal((await get("/containerLogs/default/p/app?limitBytes=x")).status, 400);
    assert.equal((await get("/containerLogs/default/p/app?sinceTime=yesterday")).status, 400);
    assert.equal((await get("/stats/summary")).status, 404);
    assert.equal((await get("/containerLogs/default/%E0%A4%A/app")).status, 404);
  });

  test("follow streams appended lines, joins a partial line once its end arrives, and ends when the container stops", async () => {
    const f = file("live-app.1.log");
    writeFileSync(f, `${T(1)} stdout F first\n`);
    running.set("live/app", true);
    const s = follow("/containerLogs/default/live/app?follow=true");
    await s.waitFor(/first\n/);
    appendFileSync(f, `${T(2)} stdout F second\n${T(3)} stderr P half`);
    await s.waitFor(/second\n/);
    assert.equal(s.text(), "first\nsecond\n");
    appendFileSync(f, ` line\n${T(3)} stderr F  done\n`);
    await s.waitFor(/half line done\n/);
    appendFileSync(f, `${T(4)} stdout F last words\n`);
    running.set("live/app", false);
    assert.equal(await s.ended, 200);
    assert.equal(s.text(), "first\nsecond\nhalf line done\nlast words\n");
  });

  test("follow with tailLines starts at the tail; a client that leaves ends the stream; rotation is followed", async () => {
    const f = file("rot-app.1.log");
    writeFileSync(f, `${T(1)} stdout F a\n${T(2)} stdout F b\n`);
    const s = follow("/containerLogs/default/rot/app?follow=true&tailLines=1");
    await s.waitFor(/^b\n$/);
    // Rotation: the runtime renames the file and starts a new one.
    renameSync(f, `${f}.rotated`);
    writeFileSync(f, `${T(3)} stdout F c\n`);
    await s.waitFor(/^b\nc\n$/);
    s.stop();
    assert.equal(await s.ended, -1);
    // The server is still fine afterwards.
    assert.equal((await get("/containerLogs/default/rot/app")).body, "c\n");
  });

  test("follow on previous ends at EOF", async () => {
    const s = follow("/containerLogs/default/p/app?follow=true&previous=true");
    assert.equal(await s.ended, 200);
    assert.equal(s.text(), "previous instance\n");
  });
});

describe("tailOffset", () => {
  test("finds the last lines of a file larger than its read block", async () => {
    const f = file("big-app.1.log");
    const lines: string[] = [];
    for (let i = 0; i < 5000; i++) lines.push(`${T(i % 60)} stdout ${i % 3 === 0 ? "P" : "F"} line-${i}`);
    writeFileSync(f, lines.join("\n") + "\n");
    const fh = await open(f, "r");
    try {
      const size = (await fh.stat()).size;
      const off = await tailOffset(fh, size, 10);
      const buf = Buffer.alloc(size - off);
      await fh.read(buf, 0, buf.length, off);
      // The first kept entry follows an F entry; 10 lines of one P and one F, or one F.
      assert.match(lines[lines.length - 1]!, /F line-4999$/);
      const kept = buf.toString("utf8").trim().split("\n");
      assert.equal(kept.filter((l) => / F /.test(l)).length, 10);
      assert.equal(await tailOffset(fh, size, 0), size);
      assert.equal(await tailOffset(fh, size, 1_000_000), 0);
    } finally {
      await fh.close();
    }
    const r = await get("/containerLogs/default/big/app?tailLines=3");
    // Entries 4995 and 4998 are partial: three lines are 4995+4996, 4997, 4998+4999.
    assert.equal(r.body, "line-4995line-4996\nline-4997\nline-4998line-4999\n");
  });
});

describe("who may read logs", () => {
  test("the API server's client certificate and system:masters are served", async () => {
    assert.equal((await get("/healthz")).status, 200);
    assert.equal((await get("/healthz", { certPem: pki.adminCertPem, keyPem: pki.adminKeyPem })).status, 200);
  });

  test("another user of the cluster CA gets 403", async () => {
    const bob = await issueClientCert(pki, { commonName: "bob", organizations: ["dev"] });
    const r = await get("/containerLogs/default/p/app", bob);
    assert.equal(r.status, 403);
    assert.equal((JSON.parse(r.body) as { message: string }).message, "Forbidden (user=bob, verb=get, resource=nodes, subresource(s)=[proxy])");
  });

  test("no client certificate, or one from another CA, fails the handshake", async () => {
    await assert.rejects(get("/healthz", null));
    const other = await ensurePki(path.join(tmp, "other"));
    await assert.rejects(get("/healthz", { certPem: other.kubeletClientCertPem, keyPem: other.kubeletClientKeyPem }));
  });
});
