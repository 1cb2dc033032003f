/**
 * The typed client against the real API server, over the in-process transport, HTTPS with the
 * admin client certificate (kubeconfig) and HTTPS with a bearer token: CRUD, every patch type,
 * Status errors, paging, dry run, delete preconditions and watch decoding.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startCluster, type Cluster } from "../../src/cli/cluster.js";
import { ensurePki } from "../../src/cli/pki.js";
import { ApiClient } from "../../src/client/client.js";
import { inProcessTransport } from "../../src/client/inprocess.js";
import { httpsTransport, kubeconfigTransportOptions, transportFromKubeconfig } from "../../src/client/https.js";
import type { Transport, WatchEvent } from "../../src/client/interfaces.js";
import { StatusError } from "../../src/machinery/errors.js";
import type { ConfigMapObj } from "../../src/api/core/v1/configmap.js";

const dataDir = mkdtempSync(path.join(os.tmpdir(), "timonel-client-"));
const tokenFile = path.join(dataDir, "tokens.csv");
let cluster: Cluster;
const transports: Transport[] = [];

before(async () => {
  writeFileSync(tokenFile, 'sekret-token,bot,uid-1,"system:masters"\n');
  cluster = await startCluster({ dataDir, port: 0, storage: "memory", host: "127.0.0.1", tokenFile, components: false });
});

after(async () => {
  for (const t of transports) await t.close?.();
  await cluster?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

function isStatus(code: number, reason?: string): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof StatusError, `expected a StatusError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (reason) assert.equal(e.reason, reason);
    return true;
  };
}

const kinds: [string, () => Transport][] = [
  ["in-process", () => inProcessTransport(cluster.handle, { userAgent: "client-test/v1" })],
  ["https (client certificate)", () => transportFromKubeconfig(cluster.kubeconfigPath, { userAgent: "client-test/v1" })],
  ["https (bearer token)", () => {
    const { server, ca } = kubeconfigTransportOptions(cluster.kubeconfigPath);
    return httpsTransport({ server, ca, token: "sekret-token", userAgent: "client-test/v1" });
  }],
];

let n = 0;
for (const [label, make] of kinds) {
  test(`${label}: CRUD, patches, errors, paging, watch`, async () => {
    const t = make();
    transports.push(t);
    const c = new ApiClient(t);
    const ns = `client-${++n}`;
    await c.namespaces.create(undefined, { metadata: { name: ns } });

    const created = await c.configmaps.create(ns, { metadata: { name: "a" }, data: { x: "1" } });
    assert.equal(created.kind, "ConfigMap");
    assert.ok(created.metadata.uid);
    assert.equal(created.metadata.managedFields?.[0]?.manager, "client-test", "the field manager comes from the User-Agent");
    await assert.rejects(c.configmaps.create(ns, { metadata: { name: "a" } }), isStatus(409, "AlreadyExists"));
    await assert.rejects(c.configmaps.get(ns, "missing"), isStatus(404, "NotFound"));
    await assert.rejects(c.configmaps.create(ns, { metadata: { name: "Bad_Name" } }), (e: unknown) => {
      isStatus(422, "Invalid")(e);
      assert.ok((e as StatusError).details?.causes?.some((x) => x.field === "metadata.name"));
      return true;
    });

    // Update with a stale resourceVersion conflicts.
    const got = await c.configmaps.get(ns, "a");
    const upd = await c.configmaps.update({ ...got, data: { x: "2" } });
    assert.equal(upd.data?.x, "2");
    await assert.rejects(c.configmaps.update({ ...got, data: { x: "3" } }), isStatus(409, "Conflict"));

    // Every patch flavour.
    let p = await c.configmaps.patch(ns, "a", "json", [{ op: "add", path: "/data/j", value: "json" }]);
    assert.equal(p.data?.j, "json");
    p = await c.configmaps.patch(ns, "a", "merge", { data: { m: "merge" } });
    assert.equal(p.data?.m, "merge");
    p = await c.configmaps.patch(ns, "a", "strategic", { metadata: { labels: { s: "sm" } } });
    assert.equal(p.metadata.labels?.s, "sm");
    p = await c.configmaps.patch(ns, "a", "apply", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a" }, data: { ap: "ply" } }, { fieldManager: "applier", force: true });
    assert.equal(p.data?.ap, "ply");
    assert.ok(p.metadata.managedFields?.some((f) => f.manager === "applier" && f.operation === "Apply"));

    // Dry run persists nothing.
    await c.configmaps.create(ns, { metadata: { name: "dry" } }, { dryRun: true });
    await assert.rejects(c.configmaps.get(ns, "dry"), isStatus(404));

    // Paging: 5 objects in pages of 2.
    for (const i of [1, 2, 3, 4]) await c.configmaps.create(ns, { metadata: { name: `p${i}`, labels: { page: "yes" } } });
    const page = await c.configmaps.list(ns, { limit: 2 });
    assert.equal(page.items.length, 2);
    assert.ok(page.metadata.continue);
    const all = await c.configmaps.listAll(ns, { limit: 2 });
    const unpaged = await c.configmaps.list(ns);
    assert.deepEqual(all.items.map((i) => i.metadata.name), unpaged.items.map((i) => i.metadata.name));
    for (const name of ["a", "p1", "p2", "p3", "p4"]) assert.ok(all.items.some((i) => i.metadata.name === name), name);
    const labelled = await c.configmaps.listAll(ns, { labelSelector: "page=yes", limit: 3 });
    assert.equal(labelled.items.length, 4);

    // Watch from the list's resourceVersion sees later changes, decoded.
    const events: WatchEvent<ConfigMapObj>[] = [];
    const h = c.configmaps.watch(ns, { resourceVersion: all.metadata.resourceVersion }, (e) => events.push(e), () => {});
    await c.configmaps.patch(ns, "p1", "merge", { data: { w: "1" } });
    // Delete with a wrong uid precondition conflicts; then really delete.
    await assert.rejects(c.configmaps.delete(ns, "p2", { preconditions: { uid: "nope" } }), isStatus(409, "Conflict"));
    const del = await c.configmaps.delete(ns, "p2", { propagationPolicy: "Background" });
    assert.equal(del.metadata.name, "p2");
    const end = Date.now() + 5000;
    while (events.length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    h.close();
    assert.deepEqual(events.map((e) => `${e.type} ${e.object.metadata.name}`), ["MODIFIED p1", "DELETED p2"]);

    // Watching from a compacted revision yields an ERROR event with a 410 Status.
    await cluster.backend.compact(await cluster.backend.currentRevision());
    const gone = await new Promise<WatchEvent>((resolve, reject) => {
      c.configmaps.watch(ns, { resourceVersion: "1" }, resolve, (err) => (err ? reject(err) : undefined));
    });
    assert.equal(gone.type, "ERROR");
    assert.equal((gone.object as unknown as { code: number }).code, 410);

    // A cluster-scoped object and the raw request helper.
    const nsObj = await c.namespaces.get(undefined, ns);
    assert.equal(nsObj.metadata.name, ns);
    const version = await c.request<{ major: string; minor: string }>({ method: "GET", path: "/version" });
    assert.equal(version.major, "1");
  });
}

test("https: a wrong token is 401 Unauthorized; an untrusted CA fails the handshake", async () => {
  const { server, ca } = kubeconfigTransportOptions(cluster.kubeconfigPath);
  const bad = httpsTransport({ server, ca, token: "wrong" });
  transports.push(bad);
  await assert.rejects(new ApiClient(bad).namespaces.list(undefined), isStatus(401, "Unauthorized"));

  // Only the pinned CA is trusted: another CA's PEM (a second PKI) fails the TLS handshake.
  const otherDir = mkdtempSync(path.join(os.tmpdir(), "timonel-otherca-"));
  const other = await ensurePki(otherDir);
  rmSync(otherDir, { recursive: true, force: true });
  const untrusted = httpsTransport({ server, ca: other.caPem, token: "sekret-token" });
  transports.push(untrusted);
  await assert.rejects(new ApiClient(untrusted).namespaces.list(undefined), (e: unknown) => !(e instanceof StatusError) && /certificate/i.test(String(e)));
});
