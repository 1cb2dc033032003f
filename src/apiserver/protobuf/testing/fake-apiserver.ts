/**
 * Test support: a throwaway HTTPS server on 127.0.0.1 that the real kubectl talks to, and a
 * runner for kubectl pointed at it through a temp kubeconfig. The server answers `/version`
 * (minor 32, so the gcloud dispatcher at /usr/bin/kubectl runs kubectl 1.32), legacy
 * discovery, and whatever a test's route handler answers; it records every request.
 */
import { execFile, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createSecureServer, type Http2ServerRequest, type Http2ServerResponse, type ServerHttp2Session } from "node:http2";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

export interface CapturedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  contentType: string;
  body: Buffer;
}

export interface Reply {
  status: number;
  body: unknown;
}

/** Answers a request, or returns undefined to fall through to discovery / 404. */
export type RouteHandler = (req: CapturedRequest) => Reply | undefined;

export interface KubectlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface FakeApiServer {
  url: string;
  requests: CapturedRequest[];
  kubectl(args: string[], timeoutMs?: number): Promise<KubectlResult>;
  close(): Promise<void>;
}

export const KUBECTL = "/usr/bin/kubectl";

export interface DiscoveryResource {
  name: string;
  kind: string;
  namespaced: boolean;
  verbs?: string[];
  group?: string;
  version?: string;
}

/** Legacy discovery: group/version ("v1" for core) → its resources. */
export type Discovery = Record<string, DiscoveryResource[]>;

const run = promisify(execFile);

async function selfSignedCert(dir: string): Promise<{ key: Buffer; cert: Buffer }> {
  const key = join(dir, "key.pem");
  const cert = join(dir, "cert.pem");
  await run("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
    "-keyout", key, "-out", cert,
  ], { timeout: 20_000 });
  return { key: await readFile(key), cert: await readFile(cert) };
}

function discoveryReply(path: string, discovery: Discovery): Reply | undefined {
  if (path === "/api") return { status: 200, body: { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [] } };
  const groupVersions = Object.keys(discovery).filter((gv) => gv !== "v1");
  if (path === "/apis") {
    const groups = [...new Set(groupVersions.map((gv) => gv.split("/")[0]!))].map((name) => {
      const versions = groupVersions.filter((gv) => gv.startsWith(`${name}/`)).map((gv) => ({ groupVersion: gv, version: gv.split("/")[1]! }));
      return { name, versions, preferredVersion: versions[0] };
    });
    return { status: 200, body: { kind: "APIGroupList", apiVersion: "v1", groups } };
  }
  const gv = path === "/api/v1" ? "v1" : path.startsWith("/apis/") ? path.slice("/apis/".length) : undefined;
  const resources = gv === undefined ? undefined : discovery[gv];
  if (!resources) return undefined;
  return {
    status: 200,
    body: {
      kind: "APIResourceList", apiVersion: "v1", groupVersion: gv,
      resources: resources.map((r) => ({ singularName: "", verbs: ["create", "get", "list", "delete", "patch", "update"], ...r })),
    },
  };
}

export async function startFakeApiServer(route: RouteHandler, discovery: Discovery = {}): Promise<FakeApiServer> {
  const dir = await mkdtemp(join(tmpdir(), "timonel-pb-"));
  const requests: CapturedRequest[] = [];
  const { key, cert } = await selfSignedCert(dir);

  const server = createSecureServer({ key, cert, allowHTTP1: true }, (req: Http2ServerRequest, res: Http2ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url, "https://127.0.0.1");
      const captured: CapturedRequest = {
        method: req.method, path: url.pathname, query: url.searchParams,
        contentType: String(req.headers["content-type"] ?? ""), body: Buffer.concat(chunks),
      };
      let reply: Reply | undefined;
      if (url.pathname === "/version") {
        reply = { status: 200, body: { major: "1", minor: "32", gitVersion: "v1.32.0", gitCommit: "0", gitTreeState: "clean", buildDate: "2024-12-11T00:00:00Z", goVersion: "go1.23.4", compiler: "gc", platform: "linux/amd64" } };
      } else {
        requests.push(captured);
        try {
          reply = route(captured) ?? (req.method === "GET" ? discoveryReply(url.pathname, discovery) : undefined);
        } catch (e) {
          reply = { status: 500, body: { kind: "Status", apiVersion: "v1", status: "Failure", message: String(e), reason: "InternalError", code: 500 } };
        }
      }
      reply ??= { status: 404, body: { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: `${url.pathname} not found`, reason: "NotFound", code: 404 } };
      res.writeHead(reply.status, { "content-type": "application/json" });
      res.end(JSON.stringify(reply.body));
    });
  });
  const sessions = new Set<ServerHttp2Session>();
  server.on("session", (s: ServerHttp2Session) => {
    sessions.add(s);
    s.on("close", () => sessions.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `https://127.0.0.1:${port}`;

  const kubeconfig = join(dir, "kubeconfig");
  await writeFile(kubeconfig, [
    "apiVersion: v1", "kind: Config", "current-context: fake",
    "clusters:", "- name: fake", "  cluster:", `    server: ${url}`, "    insecure-skip-tls-verify: true",
    "users:", "- name: fake", "  user:", "    token: fake-token",
    "contexts:", "- name: fake", "  context:", "    cluster: fake", "    user: fake", "    namespace: default",
  ].join("\n") + "\n");

  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, KUBECONFIG: kubeconfig, KUBECACHEDIR: join(dir, "cache") };

  function kubectl(args: string[], timeoutMs = 20_000): Promise<KubectlResult> {
    return new Promise((resolve) => {
      const child = spawn(KUBECTL, args, { env, cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => { stdout += d.toString(); });
      child.stderr.on("data", (d: Buffer) => { stderr += d.toString(); });
      const timer = setTimeout(() => {
        stderr += `\n[killed after ${timeoutMs} ms]`;
        child.kill("SIGKILL");
      }, timeoutMs);
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }

  async function close(): Promise<void> {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of sessions) s.destroy();
    });
    await rm(dir, { recursive: true, force: true });
  }

  return { url, requests, kubectl, close };
}
