import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync, lstatSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parse } from "yaml";
import { buildKubeconfig, mergeKubeconfig, writeKubeconfig, type Kubeconfig } from "./kubeconfig.js";

const tmp = mkdtempSync(path.join(os.tmpdir(), "timonel-kubeconfig-"));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

const CA = "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n";
const CERT = "-----BEGIN CERTIFICATE-----\nLEAF\n-----END CERTIFICATE-----\n";
const KEY = "-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----\n";

const ours = (): Kubeconfig => buildKubeconfig({ server: "https://127.0.0.1:6443", caPem: CA, clientCertPem: CERT, clientKeyPem: KEY, namespace: "dev" });
const b64 = (s: string): string => Buffer.from(s).toString("base64");

test("buildKubeconfig makes a v1 Config with embedded data", () => {
  const k = ours();
  assert.equal(k.apiVersion, "v1");
  assert.equal(k.kind, "Config");
  assert.deepEqual(k.clusters, [{ name: "timonel", cluster: { server: "https://127.0.0.1:6443", "certificate-authority-data": b64(CA) } }]);
  assert.deepEqual(k.users, [{ name: "timonel-admin", user: { "client-certificate-data": b64(CERT), "client-key-data": b64(KEY) } }]);
  assert.deepEqual(k.contexts, [{ name: "timonel", context: { cluster: "timonel", user: "timonel-admin", namespace: "dev" } }]);
  assert.equal(k["current-context"], "timonel");
  const tok = buildKubeconfig({ server: "https://h:1", caPem: CA, token: "t0k", clusterName: "c", userName: "u", contextName: "x" });
  assert.deepEqual(tok.users, [{ name: "u", user: { token: "t0k" } }]);
  assert.deepEqual(tok.contexts[0]?.context, { cluster: "c", user: "u" });
  assert.throws(() => buildKubeconfig({ server: "https://h:1", caPem: CA }));
  assert.throws(() => buildKubeconfig({ server: "https://h:1", caPem: CA, clientCertPem: CERT }));
});

test("writeKubeconfig creates parents, writes 0600 and leaves no temp files", async () => {
  const file = path.join(tmp, "w", "deep", "config");
  await writeKubeconfig(file, ours());
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.deepEqual(parse(readFileSync(file, "utf8")), ours());
  assert.deepEqual(readdirSync(path.dirname(file)), ["config"]);
  // Replacing an existing, world-readable file tightens it.
  writeFileSync(file, "x: 1\n", { mode: 0o644 });
  await writeKubeconfig(file, ours());
  assert.equal(statSync(file).mode & 0o777, 0o600);
});

const FOREIGN = `# my clusters
apiVersion: v1
kind: Config
preferences: {}
clusters:
- name: prod # keep me
  cluster:
    server: https://prod.example:6443
- name: timonel
  cluster:
    server: https://stale:1
users:
- name: alice
  user:
    token: alice-token
contexts:
- name: prod
  context:
    cluster: prod
    user: alice
current-context: prod
extensions: []
`;

test("mergeKubeconfig keeps foreign entries and comments, replaces ours, switches context", async () => {
  const file = path.join(tmp, "merge", "config");
  await writeKubeconfig(file, ours()); // creates the folder
  writeFileSync(file, FOREIGN);
  await mergeKubeconfig(file, ours());
  const text = readFileSync(file, "utf8");
  assert.match(text, /# my clusters/);
  assert.match(text, /# keep me/);
  const k = parse(text) as Kubeconfig & { extensions: unknown[] };
  assert.deepEqual(k.clusters.map((c) => c.name), ["prod", "timonel"]);
  assert.equal(k.clusters[1]?.cluster.server, "https://127.0.0.1:6443");
  assert.equal(k.clusters[0]?.cluster.server, "https://prod.example:6443");
  assert.deepEqual(k.users.map((u) => u.name), ["alice", "timonel-admin"]);
  assert.equal(k.users[0]?.user.token, "alice-token");
  assert.deepEqual(k.contexts.map((c) => c.name), ["prod", "timonel"]);
  assert.equal(k["current-context"], "timonel");
  assert.deepEqual(k.extensions, []);
  assert.equal(statSync(file).mode & 0o777, 0o600);

  // Merging twice is idempotent.
  await mergeKubeconfig(file, ours());
  assert.equal(readFileSync(file, "utf8"), text);
});

test("mergeKubeconfig writes a missing or empty file, and follows a symlink", async () => {
  const missing = path.join(tmp, "m1", "config");
  await mergeKubeconfig(missing, ours());
  assert.deepEqual(parse(readFileSync(missing, "utf8")), ours());

  const empty = path.join(tmp, "m1", "empty");
  writeFileSync(empty, "\n");
  await mergeKubeconfig(empty, ours());
  assert.deepEqual(parse(readFileSync(empty, "utf8")), ours());

  const real = path.join(tmp, "m1", "real");
  writeFileSync(real, FOREIGN);
  const link = path.join(tmp, "m1", "link");
  symlinkSync(real, link);
  await mergeKubeconfig(link, ours());
  assert.ok(lstatSync(link).isSymbolicLink());
  assert.equal((parse(readFileSync(real, "utf8")) as Kubeconfig)["current-context"], "timonel");
});

test("mergeKubeconfig refuses a malformed file and leaves it untouched", async () => {
  const dir = path.join(tmp, "bad");
  await writeKubeconfig(path.join(dir, "seed"), ours());
  const cases: [string, RegExp][] = [
    ["clusters: [\n  - name: x\n", /not valid YAML/],
    ["- just\n- a list\n", /top level is not a mapping/],
    ["kind: Pod\napiVersion: v1\n", /kind is "Pod"/],
    ["clusters: nope\n", /"clusters" is not a list/],
    ["a: 1\na: 2\n", /not valid YAML/],
  ];
  for (const [i, [content, why]] of cases.entries()) {
    const file = path.join(dir, `config${i}`);
    writeFileSync(file, content);
    await assert.rejects(mergeKubeconfig(file, ours()), (e: Error) => {
      assert.match(e.message, why);
      assert.ok(e.message.includes(file), e.message);
      assert.match(e.message, /left unchanged/);
      return true;
    });
    assert.equal(readFileSync(file, "utf8"), content);
  }
});

test("renderYaml writes what the yaml parser reads back, in kubectl's layout", async () => {
  const { renderYaml, buildKubeconfig } = await import("./kubeconfig.js");
  const { parse } = await import("yaml");
  const c = buildKubeconfig({ server: "https://127.0.0.1:6443", caPem: "CA\n", clientCertPem: "C", clientKeyPem: "K", namespace: "dev" });
  const text = renderYaml(c);
  assert.deepEqual(parse(text), c);
  assert.match(text, /^clusters:\n- name: "timonel"\n  cluster:\n/m);
  assert.deepEqual(parse(renderYaml({ a: [], b: {}, "weird key": "x: y # z", n: 1, t: true })), { a: [], b: {}, "weird key": "x: y # z", n: 1, t: true });
});
