import "reflect-metadata";
import { test } from "node:test";
import assert from "node:assert/strict";
import { X509Certificate, createPrivateKey } from "node:crypto";
import { mkdtempSync, rmSync, statSync, unlinkSync, writeFileSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import * as x509 from "@peculiar/x509";
import { ADMIN_GROUP, ADMIN_USER, KUBELET_CLIENT_USER, ensurePki, issueClientCert, issueServingCert, nodeServingNames, pkiPaths } from "./pki.js";

x509.cryptoProvider.set(globalThis.crypto);

const tmp = mkdtempSync(path.join(os.tmpdir(), "timonel-pki-"));
test.after(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const freshDir = (): string => path.join(tmp, `d${n++}`);

const DAY = 86_400_000;

test("first start creates a CA, a serving cert and an admin cert", async (t) => {
  const dir = freshDir();
  const t0 = performance.now();
  const pki = await ensurePki(dir, { hostnames: ["timonel.example"], ips: ["10.96.0.1"] });
  const first = performance.now() - t0;
  const t1 = performance.now();
  await ensurePki(dir, { hostnames: ["timonel.example"], ips: ["10.96.0.1"] });
  const again = performance.now() - t1;
  t.diagnostic(`ensurePki first start ${first.toFixed(1)} ms (this test file preloads @peculiar/x509), restart ${again.toFixed(1)} ms`);
  assert.deepEqual(pki.issued, { ca: true, serving: true, admin: true, nodeServing: true, kubeletClient: true });

  const p = pkiPaths(dir);
  assert.equal(pki.paths.caCert, p.caCert);
  for (const key of [p.caKey, p.servingKey, p.adminKey]) assert.equal(statSync(key).mode & 0o777, 0o600, key);
  assert.equal(statSync(p.dir).mode & 0o777, 0o700);
  assert.equal(readFileSync(p.caCert, "utf8"), pki.caPem);

  // Node's view.
  const ca = new X509Certificate(pki.caPem);
  const serving = new X509Certificate(pki.servingCertPem);
  const admin = new X509Certificate(pki.adminCertPem);
  assert.equal(ca.ca, true);
  assert.ok(serving.verify(ca.publicKey) && serving.checkIssued(ca));
  assert.ok(admin.verify(ca.publicKey) && admin.checkIssued(ca));
  assert.ok(serving.checkPrivateKey(createPrivateKey(pki.servingKeyPem)));
  assert.ok(admin.checkPrivateKey(createPrivateKey(pki.adminKeyPem)));
  assert.ok(ca.checkPrivateKey(createPrivateKey(pki.caKeyPem)));
  const hosts = ["localhost", os.hostname().toLowerCase(), "kubernetes", "kubernetes.default", "kubernetes.default.svc",
    "kubernetes.default.svc.cluster.local", "timonel.example"];
  for (const h of hosts) assert.equal(serving.checkHost(h, { subject: "never" }), h, h);
  for (const ip of ["127.0.0.1", "::1", "10.96.0.1"]) assert.equal(serving.checkIP(ip), ip, ip);
  assert.equal(serving.checkHost("example.org"), undefined);
  assert.equal(serving.checkIP("10.0.0.1"), undefined);
  assert.deepEqual(serving.keyUsage, ["1.3.6.1.5.5.7.3.1"]);
  assert.deepEqual(admin.keyUsage, ["1.3.6.1.5.5.7.3.2"]);
  const caYears = (Date.parse(ca.validTo) - Date.now()) / (365 * DAY);
  assert.ok(caYears > 9.9 && caYears < 10.1, `CA valid ${caYears} years`);
  const leafDays = (Date.parse(serving.validTo) - Date.now()) / DAY;
  assert.ok(leafDays > 364 && leafDays < 366, `serving valid ${leafDays} days`);

  // @peculiar/x509's view: extensions and names.
  const pca = new x509.X509Certificate(pki.caPem);
  const pserving = new x509.X509Certificate(pki.servingCertPem);
  const padmin = new x509.X509Certificate(pki.adminCertPem);
  assert.equal(pca.getExtension(x509.BasicConstraintsExtension)?.ca, true);
  assert.ok((pca.getExtension(x509.KeyUsagesExtension)?.usages ?? 0) & x509.KeyUsageFlags.keyCertSign);
  assert.equal(pserving.getExtension(x509.BasicConstraintsExtension)?.ca, false);
  const ku = pserving.getExtension(x509.KeyUsagesExtension);
  assert.equal(ku?.critical, true);
  assert.ok((ku?.usages ?? 0) & x509.KeyUsageFlags.digitalSignature);
  assert.deepEqual([...pserving.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? []], [x509.ExtendedKeyUsage.serverAuth]);
  assert.deepEqual([...padmin.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? []], [x509.ExtendedKeyUsage.clientAuth]);
  const sans = pserving.getExtension(x509.SubjectAlternativeNameExtension)?.names.toJSON() ?? [];
  assert.deepEqual(sans.filter((s) => s.type === "dns").map((s) => s.value).sort(), [...new Set(hosts)].sort()
    .concat(os.hostname().includes(".") ? [os.hostname().split(".")[0] ?? ""] : []).sort());
  assert.deepEqual(sans.filter((s) => s.type === "ip").map((s) => s.value).sort(), ["10.96.0.1", "127.0.0.1", "::1"]);
  assert.equal(pserving.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId, pca.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId);
  assert.ok(await pserving.verify({ publicKey: pca.publicKey, signatureOnly: true }));
  assert.equal(padmin.subjectName.getField("CN")[0], ADMIN_USER);
  assert.deepEqual(padmin.subjectName.getField("O"), [ADMIN_GROUP]);
  assert.equal(padmin.issuer, pca.subject);
});

test("a restart reuses every file", async () => {
  const dir = freshDir();
  const a = await ensurePki(dir);
  const b = await ensurePki(dir);
  assert.deepEqual(b.issued, { ca: false, serving: false, admin: false, nodeServing: false, kubeletClient: false });
  for (const k of ["caPem", "caKeyPem", "servingCertPem", "servingKeyPem", "adminCertPem", "adminKeyPem",
    "nodeServingCertPem", "nodeServingKeyPem", "kubeletClientCertPem", "kubeletClientKeyPem"] as const) {
    assert.equal(b[k], a[k], k);
  }
});

test("the serving cert is re-issued when a new SAN is needed, when missing, or near expiry", async () => {
  const dir = freshDir();
  const a = await ensurePki(dir);

  const b = await ensurePki(dir, { hostnames: ["new.example"], ips: ["192.0.2.7"] });
  assert.deepEqual(b.issued, { ca: false, serving: true, admin: false, nodeServing: false, kubeletClient: false });
  assert.equal(b.caPem, a.caPem);
  assert.equal(b.adminCertPem, a.adminCertPem);
  const s = new X509Certificate(b.servingCertPem);
  assert.equal(s.checkHost("new.example"), "new.example");
  assert.equal(s.checkIP("192.0.2.7"), "192.0.2.7");
  assert.ok(s.verify(new X509Certificate(a.caPem).publicKey));

  // A SAN that is no longer asked for is no reason to re-issue.
  assert.equal((await ensurePki(dir)).issued.serving, false);

  unlinkSync(pkiPaths(dir).servingKey);
  const c = await ensurePki(dir);
  assert.deepEqual(c.issued, { ca: false, serving: true, admin: false, nodeServing: false, kubeletClient: false });
  assert.ok(new X509Certificate(c.servingCertPem).checkPrivateKey(createPrivateKey(c.servingKeyPem)));

  const later = new Date(Date.now() + 340 * DAY);
  const d = await ensurePki(dir, { now: later });
  assert.deepEqual(d.issued, { ca: false, serving: true, admin: true, nodeServing: true, kubeletClient: true });
  assert.ok(Date.parse(new X509Certificate(d.servingCertPem).validTo) > later.getTime() + 300 * DAY);
});

test("a serving cert from another CA is replaced", async () => {
  const dir = freshDir();
  const other = await ensurePki(freshDir());
  await ensurePki(dir);
  writeFileSync(pkiPaths(dir).servingCert, other.servingCertPem);
  writeFileSync(pkiPaths(dir).servingKey, other.servingKeyPem);
  const again = await ensurePki(dir);
  assert.equal(again.issued.serving, true);
  assert.ok(new X509Certificate(again.servingCertPem).verify(new X509Certificate(again.caPem).publicKey));
});

test("a CA certificate without its key is refused, naming the file", async () => {
  const dir = freshDir();
  await ensurePki(dir);
  unlinkSync(pkiPaths(dir).caKey);
  await assert.rejects(ensurePki(dir), (e: Error) => e.message.includes(pkiPaths(dir).caKey) && e.message.includes("missing"));
});

test("issueClientCert and issueServingCert sign with the cluster CA", async () => {
  const pki = await ensurePki(freshDir());
  const ca = new X509Certificate(pki.caPem);
  const c = await issueClientCert(pki, { commonName: "system:node:worker-1", organizations: ["system:nodes", "extra"], days: 30 });
  const cert = new x509.X509Certificate(c.certPem);
  assert.equal(cert.subjectName.getField("CN")[0], "system:node:worker-1");
  assert.deepEqual(cert.subjectName.getField("O"), ["system:nodes", "extra"]);
  const nc = new X509Certificate(c.certPem);
  assert.ok(nc.verify(ca.publicKey));
  assert.ok(nc.checkPrivateKey(createPrivateKey(c.keyPem)));
  assert.deepEqual(nc.keyUsage, ["1.3.6.1.5.5.7.3.2"]);
  const days = (Date.parse(nc.validTo) - Date.now()) / DAY;
  assert.ok(days > 29 && days < 31);

  const s = new X509Certificate((await issueServingCert(pki, { commonName: "worker-1", dnsNames: ["worker-1"], ips: ["10.0.0.5"] })).certPem);
  assert.ok(s.verify(ca.publicKey));
  assert.equal(s.checkIP("10.0.0.5"), "10.0.0.5");
  await assert.rejects(issueClientCert(pki, { commonName: "" }));
});

test("the node serving cert and the API server's node client cert are issued once and reused", async () => {
  const dir = freshDir();
  const pki = await ensurePki(dir);
  const ca = new X509Certificate(pki.caPem);
  const node = new X509Certificate(pki.nodeServingCertPem);
  assert.ok(node.verify(ca.publicKey) && node.checkPrivateKey(createPrivateKey(pki.nodeServingKeyPem)));
  assert.deepEqual(node.keyUsage, ["1.3.6.1.5.5.7.3.1"]);
  for (const h of ["localhost", os.hostname().toLowerCase()]) assert.equal(node.checkHost(h, { subject: "never" }), h);
  const ips = nodeServingNames().ips;
  assert.ok(ips.includes("127.0.0.1"));
  for (const ip of ips) assert.equal(node.checkIP(ip), ip, ip);
  const kc = new x509.X509Certificate(pki.kubeletClientCertPem);
  assert.equal(kc.subjectName.getField("CN")[0], KUBELET_CLIENT_USER);
  assert.deepEqual(kc.subjectName.getField("O"), [ADMIN_GROUP]);
  assert.deepEqual(new X509Certificate(pki.kubeletClientCertPem).keyUsage, ["1.3.6.1.5.5.7.3.2"]);
  const p = pkiPaths(dir);
  for (const key of [p.nodeServingKey, p.kubeletClientKey]) assert.equal(statSync(key).mode & 0o777, 0o600, key);

  unlinkSync(p.kubeletClientCert);
  const again = await ensurePki(dir);
  assert.deepEqual(again.issued, { ca: false, serving: false, admin: false, nodeServing: false, kubeletClient: true });
  assert.equal(again.nodeServingCertPem, pki.nodeServingCertPem);
});
