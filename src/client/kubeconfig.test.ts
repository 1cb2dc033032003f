import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { stringify } from "yaml";
import { kubeconfigTransportOptions } from "./kubeconfig.js";

const b64 = (s: string): string => Buffer.from(s).toString("base64");

test("current context with embedded data; a named context with files and a token file", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "kc-"));
  try {
    writeFileSync(path.join(dir, "ca.pem"), "CA-FILE");
    writeFileSync(path.join(dir, "token"), "tok-from-file\n");
    const file = path.join(dir, "config");
    writeFileSync(file, stringify({
      apiVersion: "v1",
      kind: "Config",
      "current-context": "main",
      clusters: [
        { name: "c1", cluster: { server: "https://127.0.0.1:6443", "certificate-authority-data": b64("CA-DATA") } },
        { name: "c2", cluster: { server: "https://example:443", "certificate-authority": "ca.pem", "tls-server-name": "api.local" } },
        { name: "c3", cluster: { server: "https://insecure:443", "insecure-skip-tls-verify": true } },
      ],
      users: [
        { name: "admin", user: { "client-certificate-data": b64("CERT"), "client-key-data": b64("KEY") } },
        { name: "bot", user: { tokenFile: "token" } },
      ],
      contexts: [
        { name: "main", context: { cluster: "c1", user: "admin", namespace: "team" } },
        { name: "other", context: { cluster: "c2", user: "bot" } },
        { name: "insecure", context: { cluster: "c3", user: "bot" } },
      ],
    }));
    assert.deepEqual(kubeconfigTransportOptions(file), {
      server: "https://127.0.0.1:6443", ca: "CA-DATA", cert: "CERT", key: "KEY", token: undefined, namespace: "team",
    });
    assert.deepEqual(kubeconfigTransportOptions(file, "other"), {
      server: "https://example:443", ca: "CA-FILE", cert: undefined, key: undefined, token: "tok-from-file", tlsServerName: "api.local",
    });
    assert.equal(kubeconfigTransportOptions(file, "insecure").insecureSkipTlsVerify, true);
    assert.throws(() => kubeconfigTransportOptions(file, "missing"), /no context named "missing"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
