/**
 * The PKI, the kubeconfig and the authenticators together over real TLS: Node clients over
 * HTTP/1.1 and HTTP/2, and the real kubectl.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import http2 from "node:http2";
import https from "node:https";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import {
  authRequest, authenticateRequest, staticTokenAuthenticator, unionAuthenticator, x509Authenticator,
  type AuthOutcome, type Authenticator, type RequestHeaders,
} from "../apiserver/auth/index.js";
import { buildKubeconfig, writeKubeconfig } from "./kubeconfig.js";
import { ensurePki, issueClientCert, type Pki } from "./pki.js";

const tmp = mkdtempSync(path.join(os.tmpdir(), "timonel-tls-"));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

let pki: Pki;
let foreign: Pki;
let authn: Authenticator;
const seen: { path: string; outcome: AuthOutcome }[] = [];

test.before(async () => {
  [pki, foreign] = await Promise.all([ensurePki(path.join(tmp, "data")), ensurePki(path.join(tmp, "other"))]);
  authn = unionAuthenticator(
    x509Authenticator(pki.caPem),
    staticTokenAuthenticator([{ token: "robot-token", user: { username: "robot", uid: "r-1", groups: ["bots"] } }]),
  );
});

const VERSION = { major: "1", minor: "32", gitVersion: "v1.32.0" };
const API_VERSIONS = { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: "127.0.0.1:6443" }] };

/** A tiny API front: authenticate, then answer /version, /api, /apis and /whoami. */
async function answer(headers: RequestHeaders, socket: object, rawPath: string): Promise<{ status: number; body: unknown }> {
  const outcome = await authenticateRequest(authn, authRequest(headers, socket), rawPath);
  seen.push({ path: rawPath, outcome });
  if (!outcome.ok) return { status: 401, body: outcome.error.toStatus() };
  const p = rawPath.split("?")[0];
  if (p === "/version") return { status: 200, body: VERSION };
  if (p === "/api") return { status: 200, body: API_VERSIONS };
  if (p === "/apis") return { status: 200, body: { kind: "APIGroupList", apiVersion: "v1", groups: [] } };
  if (p === "/whoami") return { status: 200, body: outcome.user };
  return { status: 404, body: { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", reason: "NotFound", code: 404 } };
}

const tlsOptions = (): https.ServerOptions => ({
  cert: pki.servingCertPem, key: pki.servingKeyPem, ca: pki.caPem, requestCert: true, rejectUnauthorized: false,
});

async function withHttpsServer(fn: (port: number) => Promise<void>): Promise<void> {
  const server = https.createServer(tlsOptions(), (req, res) => {
    void answer(req.headers, req.socket, req.url ?? "/").then(({ status, body }) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    await fn((server.address() as AddressInfo).port);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

function get(port: number, p: string, opts: https.RequestOptions): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: "127.0.0.1", port, path: p, ca: pki.caPem, agent: false, ...opts }, (res) => {
      let data = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => { data += c; });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(data) as unknown }));
    });
    req.on("error", reject);
    req.end();
  });
}

test("the admin client certificate authenticates over HTTPS as timonel-admin in system:masters", async () => {
  await withHttpsServer(async (port) => {
    const r = await get(port, "/whoami", { cert: pki.adminCertPem, key: pki.adminKeyPem });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { username: "timonel-admin", groups: ["system:masters", "system:authenticated"] });

    // A certificate issued later for a node agent works the same way.
    const node = await issueClientCert(pki, { commonName: "system:node:w1", organizations: ["system:nodes"] });
    assert.deepEqual((await get(port, "/whoami", { cert: node.certPem, key: node.keyPem })).body,
      { username: "system:node:w1", groups: ["system:nodes", "system:authenticated"] });

    // Bearer tokens over the same TLS listener.
    assert.deepEqual((await get(port, "/whoami", { headers: { authorization: "Bearer robot-token" } })).body,
      { username: "robot", uid: "r-1", groups: ["bots", "system:authenticated"] });
  });
});

test("no credentials: version and health only; a certificate from another CA: 401 everywhere", async () => {
  await withHttpsServer(async (port) => {
    assert.deepEqual(await get(port, "/version", {}), { status: 200, body: VERSION });
    const denied = await get(port, "/api", {});
    assert.equal(denied.status, 401);
    assert.deepEqual(denied.body, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: "Unauthorized", reason: "Unauthorized", code: 401 });

    // The handshake succeeds (rejectUnauthorized: false) but the chain is not ours.
    const stranger = { cert: foreign.adminCertPem, key: foreign.adminKeyPem };
    assert.equal((await get(port, "/whoami", stranger)).status, 401);
    assert.equal((await get(port, "/version", stranger)).status, 401);
    // The serving certificate is not a client certificate (no clientAuth usage).
    assert.equal((await get(port, "/whoami", { cert: pki.servingCertPem, key: pki.servingKeyPem })).status, 401);
  });
});

test("HTTP/2: the session socket carries the client certificate", async () => {
  const server = http2.createSecureServer({ ...tlsOptions(), allowHTTP1: true });
  server.on("stream", (stream, headers) => {
    void answer(headers, stream.session?.socket ?? {}, String(headers[":path"])).then(({ status, body }) => {
      stream.respond({ ":status": status, "content-type": "application/json" });
      stream.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const session = http2.connect(`https://127.0.0.1:${port}`, { ca: pki.caPem, cert: pki.adminCertPem, key: pki.adminKeyPem });
  try {
    for (let i = 0; i < 2; i++) {
      const body = await new Promise<unknown>((resolve, reject) => {
        const s = session.request({ ":path": "/whoami" });
        let data = "";
        s.setEncoding("utf8");
        s.on("data", (c: string) => { data += c; });
        s.on("end", () => resolve(JSON.parse(data)));
        s.on("error", reject);
        s.end();
      });
      assert.deepEqual(body, { username: "timonel-admin", groups: ["system:masters", "system:authenticated"] });
    }
  } finally {
    session.close();
    await new Promise((resolve) => server.close(resolve));
  }
});

function kubectl(args: string[], kubeconfig: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile("/usr/bin/kubectl", args, {
      timeout: 30_000,
      env: { ...process.env, KUBECONFIG: kubeconfig, KUBECACHEDIR: path.join(tmp, "kube-cache") },
    }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

test("the real kubectl accepts the CA, the admin certificate and a token", { skip: !existsSync("/usr/bin/kubectl") && "no /usr/bin/kubectl" }, async () => {
  await withHttpsServer(async (port) => {
    const server = `https://127.0.0.1:${port}`;
    const certConfig = path.join(tmp, "kube", "admin.kubeconfig");
    await writeKubeconfig(certConfig, buildKubeconfig({
      server, caPem: pki.caPem, clientCertPem: pki.adminCertPem, clientKeyPem: pki.adminKeyPem,
    }));
    seen.length = 0;
    const v = await kubectl(["version", "-o", "json"], certConfig);
    assert.equal(v.code, 0, v.stderr);
    const out = JSON.parse(v.stdout) as { serverVersion?: { gitVersion?: string; minor?: string } };
    assert.equal(out.serverVersion?.gitVersion, "v1.32.0");
    const versionCalls = seen.filter((s) => s.path.startsWith("/version"));
    assert.ok(versionCalls.length > 0);
    for (const s of versionCalls) {
      assert.ok(s.outcome.ok && s.outcome.user.username === "timonel-admin", JSON.stringify(s.outcome));
    }

    const api = await kubectl(["get", "--raw", "/api"], certConfig);
    assert.equal(api.code, 0, api.stderr);
    assert.deepEqual(JSON.parse(api.stdout), API_VERSIONS);

    const tokenConfig = path.join(tmp, "kube", "robot.kubeconfig");
    await writeKubeconfig(tokenConfig, buildKubeconfig({ server, caPem: pki.caPem, token: "robot-token", userName: "robot" }));
    const who = await kubectl(["get", "--raw", "/whoami"], tokenConfig);
    assert.equal(who.code, 0, who.stderr);
    assert.equal((JSON.parse(who.stdout) as { username: string }).username, "robot");

    const badConfig = path.join(tmp, "kube", "bad.kubeconfig");
    await writeKubeconfig(badConfig, buildKubeconfig({ server, caPem: pki.caPem, token: "wrong" }));
    const bad = await kubectl(["get", "--raw", "/api"], badConfig);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /Unauthorized/);

    // A kubeconfig that trusts another CA must not talk to this server.
    const wrongCa = path.join(tmp, "kube", "wrong-ca.kubeconfig");
    await writeKubeconfig(wrongCa, buildKubeconfig({ server, caPem: foreign.caPem, clientCertPem: pki.adminCertPem, clientKeyPem: pki.adminKeyPem }));
    const untrusted = await kubectl(["get", "--raw", "/api"], wrongCa);
    assert.notEqual(untrusted.code, 0);
    assert.match(untrusted.stderr, /certificate/i);
  });
});
