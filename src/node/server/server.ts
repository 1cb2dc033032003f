/**
 * The node agent's HTTPS endpoint (kubelet's port 10250 role): the API server proxies
 * `pods/log` here. TLS requires a client certificate signed by the cluster CA, and only the
 * API server's identity (CN kube-apiserver-kubelet-client) or system:masters is served;
 * anyone else gets kubelet's 403. Errors are JSON Status bodies.
 */
import https from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import { errors, StatusError } from "../../machinery/errors.js";
import type { LogLocator } from "../types.js";
import { parseLogOptions } from "./log-options.js";
import { streamLog, type LogOutput } from "./log-stream.js";

export const KUBELET_CLIENT_USER = "kube-apiserver-kubelet-client";
const MASTERS_GROUP = "system:masters";

export interface NodeServerOptions {
  /** Address to listen on (default 0.0.0.0: the API server may be on another machine). */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  keyPem: string;
  certPem: string;
  /** The cluster CA: client certificates must chain to it. */
  caPem: string;
  logs: LogLocator;
}

export interface NodeServer {
  port: number;
  close(): Promise<void>;
}

function sendStatus(res: ServerResponse, err: unknown): void {
  const se = err instanceof StatusError ? err : errors.internal(err instanceof Error ? err.message : String(err));
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify(se.toStatus());
  res.writeHead(se.code, { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) });
  res.end(body);
}

/** The peer's identity from its (already CA-verified) certificate. */
function peerIdentity(req: IncomingMessage): { user: string; groups: string[] } | undefined {
  const cert = (req.socket as TLSSocket).getPeerCertificate?.();
  if (!cert || !cert.subject) return undefined;
  const cn = cert.subject.CN;
  const o = cert.subject.O;
  const groups = o === undefined ? [] : Array.isArray(o) ? o : [o];
  return { user: Array.isArray(cn) ? cn[0] ?? "" : cn ?? "", groups };
}

function authorized(id: { user: string; groups: string[] }): boolean {
  return id.user === KUBELET_CLIENT_USER || id.groups.includes(MASTERS_GROUP);
}

/** `/containerLogs/{namespace}/{pod}/{container}`; the container may be empty or absent. */
function parseLogPath(pathname: string): { namespace: string; pod: string; container?: string } | undefined {
  const parts = pathname.split("/").slice(1);
  if (parts[0] !== "containerLogs" || parts.length < 3 || parts.length > 4) return undefined;
  let decoded: string[];
  try {
    decoded = parts.slice(1).map((p) => decodeURIComponent(p));
  } catch {
    return undefined;
  }
  const [namespace, pod, container] = decoded;
  if (!namespace || !pod) return undefined;
  return { namespace, pod, container: container || undefined };
}

async function serve(opts: NodeServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const id = peerIdentity(req);
  let url: URL;
  try {
    url = new URL(`https://node${(req.url ?? "/").startsWith("/") ? req.url ?? "/" : "/"}`);
  } catch {
    throw errors.badRequest("malformed request path");
  }
  if (!id || !authorized(id)) {
    throw errors.forbidden(`Forbidden (user=${id?.user ?? ""}, verb=get, resource=nodes, subresource(s)=[proxy])`);
  }
  if (url.pathname === "/healthz") {
    res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
    res.end("ok");
    return;
  }
  const target = parseLogPath(url.pathname);
  if (!target) throw errors.notFoundPath(url.pathname);
  if (req.method !== "GET" && req.method !== "HEAD") throw errors.methodNotAllowed(`method ${req.method ?? ""} is not allowed`);
  const logOpts = parseLogOptions(url.searchParams);
  const loc = await opts.logs.locate(target.namespace, target.pod, target.container, logOpts.previous);
  res.writeHead(200, { "content-type": "text/plain", "cache-control": "no-cache, private" });
  if (req.method === "HEAD") {
    res.end();
    return;
  }
  res.flushHeaders();
  const abort = new AbortController();
  res.on("close", () => abort.abort());
  const out: LogOutput = {
    write: (chunk) => res.write(chunk),
    drained: () => new Promise<void>((resolve) => {
      const done = (): void => {
        res.off("drain", done);
        res.off("close", done);
        resolve();
      };
      res.on("drain", done);
      res.on("close", done);
    }),
    signal: abort.signal,
  };
  await streamLog({ path: loc.path, opts: logOpts, out, running: loc.running });
  if (!res.writableEnded) res.end();
}

export async function startNodeServer(opts: NodeServerOptions): Promise<NodeServer> {
  const server = https.createServer({
    key: opts.keyPem,
    cert: opts.certPem,
    ca: opts.caPem,
    requestCert: true,
    rejectUnauthorized: true,
  });
  const sockets = new Set<Socket>();
  server.on("secureConnection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.on("tlsClientError", () => { /* a refused handshake is the client's problem */ });
  server.on("clientError", (_err, socket) => socket.destroy());
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    serve(opts, req, res).catch((err: unknown) => {
      try {
        sendStatus(res, err);
      } catch {
        res.destroy();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host ?? "0.0.0.0", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;
  return {
    port,
    close: () => (closed ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      // Followers hold their connections open; they end with the server.
      for (const s of sockets) s.destroy();
    })),
  };
}
