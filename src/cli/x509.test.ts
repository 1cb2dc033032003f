import { test } from "node:test";
import assert from "node:assert/strict";
import { X509Certificate, createPrivateKey, generateKeyPairSync, randomBytes } from "node:crypto";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { KeyUsage, caInfo, issueCertificate, newP256Key } from "./x509.js";

const DAY = 86_400_000;
/** Whole seconds (certificates carry no fractions), a day back so the handshake test is inside validity. */
const now = new Date(Math.floor((Date.now() - DAY) / 1000) * 1000);

function makeCa(key = newP256Key()): { pem: string; key: ReturnType<typeof newP256Key> } {
  const pem = issueCertificate({
    subject: { commonName: "test-ca@1" }, publicKey: key.publicKey, notBefore: now, notAfter: new Date(now.getTime() + 3650 * DAY),
    serial: randomBytes(16), isCA: true, keyUsage: [KeyUsage.digitalSignature, KeyUsage.keyCertSign, KeyUsage.cRLSign],
  }, { key: key.privateKey });
  return { pem, key };
}

function leaf(ca: { pem: string; key: { privateKey: import("node:crypto").KeyObject } }, extra: { dnsNames?: string[]; ips?: string[]; notAfter?: Date } = {}) {
  const k = newP256Key();
  const pem = issueCertificate({
    subject: { commonName: "kube-apiserver-kubelet-client", organizations: ["system:masters", "team"] }, publicKey: k.publicKey,
    notBefore: now, notAfter: extra.notAfter ?? new Date(now.getTime() + 365 * DAY), serial: randomBytes(16),
    keyUsage: [KeyUsage.digitalSignature, KeyUsage.keyEncipherment], extKeyUsage: ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"],
    dnsNames: extra.dnsNames, ips: extra.ips,
  }, { key: ca.key.privateKey, ca: caInfo(ca.pem) });
  return { pem, key: k };
}

test("a self-signed CA parses as a CA, and its leaves chain to it", () => {
  const ca = makeCa();
  const caCert = new X509Certificate(ca.pem);
  assert.equal(caCert.ca, true);
  assert.equal(caCert.subject, "CN=test-ca@1");
  assert.ok(caCert.verify(caCert.publicKey), "self-signature verifies");
  const l = leaf(ca, { dnsNames: ["localhost", "kubernetes.default.svc"], ips: ["127.0.0.1", "::1", "10.96.0.1"] });
  const c = new X509Certificate(l.pem);
  assert.equal(c.ca, false);
  assert.ok(c.checkIssued(caCert), "issuer name and key ids match");
  assert.ok(c.verify(caCert.publicKey), "signed by the CA key");
  assert.equal(c.subject, "O=system:masters\nO=team\nCN=kube-apiserver-kubelet-client");
  assert.equal(c.subjectAltName, "DNS:localhost, DNS:kubernetes.default.svc, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, IP Address:10.96.0.1");
  assert.deepEqual(c.keyUsage, ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]);
  assert.equal(new Date(c.validFrom).getTime(), now.getTime());
  assert.ok(c.checkPrivateKey(createPrivateKey(l.key.privateKeyPem)));
});

test("dates after 2049 are GeneralizedTime and still parse", () => {
  const ca = makeCa();
  const c = new X509Certificate(leaf(ca, { notAfter: new Date("2060-01-02T03:04:05Z") }).pem);
  assert.equal(new Date(c.validTo).toISOString(), "2060-01-02T03:04:05.000Z");
});

test("an RSA CA (user-provided) signs leaves too", () => {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const ca = makeCa({ privateKey, publicKey, privateKeyPem: "" });
  const c = new X509Certificate(leaf(ca).pem);
  assert.ok(c.verify(new X509Certificate(ca.pem).publicKey));
});

test("openssl verifies the chain with the extensions it expects", { skip: !hasOpenssl() }, () => {
  const dir = mkdtempSync(join(tmpdir(), "x509-"));
  try {
    const ca = makeCa();
    const l = leaf(ca, { dnsNames: ["localhost"], ips: ["127.0.0.1"] });
    writeFileSync(join(dir, "ca.pem"), ca.pem);
    writeFileSync(join(dir, "leaf.pem"), l.pem);
    const out = execFileSync("openssl", ["verify", "-x509_strict", "-purpose", "sslserver", "-CAfile", join(dir, "ca.pem"), join(dir, "leaf.pem")], { encoding: "utf8" });
    assert.match(out, /leaf.pem: OK/);
    const text = execFileSync("openssl", ["x509", "-in", join(dir, "leaf.pem"), "-noout", "-text"], { encoding: "utf8" });
    assert.match(text, /Digital Signature, Key Encipherment/);
    assert.match(text, /CA:FALSE/);
    assert.match(text, /Authority Key Identifier/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a TLS handshake trusts a server certificate issued here", async () => {
  const ca = makeCa();
  const l = leaf(ca, { dnsNames: ["localhost"], ips: ["127.0.0.1"] });
  const server = tls.createServer({ key: l.key.privateKeyPem, cert: l.pem }, (s) => s.end("hi"));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    const port = (server.address() as { port: number }).port;
    const got = await new Promise<string>((resolve, reject) => {
      const s = tls.connect({ host: "127.0.0.1", port, ca: ca.pem, servername: "localhost" }, () => undefined);
      let data = "";
      s.on("data", (d) => (data += d));
      s.on("end", () => resolve(data));
      s.on("error", reject);
    });
    assert.equal(got, "hi");
  } finally {
    server.close();
  }
});

function hasOpenssl(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
