/**
 * The HTTPS front end: HTTP/2 with ALPN plus HTTP/1.1 (for upgrades and older clients) on one
 * port. It reads bounded bodies, authenticates the request, hands it to ApiServer.handle and
 * writes the reply; streamed replies (watch) flush their headers at once.
 */
import http2 from "node:http2";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { errors } from "../machinery/errors.js";
import type { ApiServer } from "./apiserver.js";
import { errorResponse } from "./apiserver.js";
import type { Authenticator } from "./auth/types.js";
import { authRequest, type PeerSocket } from "./auth/request.js";
import { authenticateRequest } from "./auth/authenticate.js";
import type { ApiRequest, ApiResponse } from "./types.js";

export const maxBodyBytes = 3 * 1024 * 1024;

export interface HttpsServerOptions {
  api: ApiServer;
  authenticator: Authenticator;
  key: string;
  cert: string;
  /** CA used to verify client certificates. */
  ca: string;
  host?: string;
  port: number;
}

export interface RunningHttpsServer {
  server: http2.Http2SecureServer;
  port: number;
  close(): Promise<void>;
}

type AnyRequest = http2.Http2ServerRequest | IncomingMessage;
type AnyResponse = http2.Http2ServerResponse | ServerResponse;

export async function startHttpsServer(opts: HttpsServerOptions): Promise<RunningHttpsServer> {
  const server = http2.createSecureServer({
    allowHTTP1: true,
    key: opts.key,
    cert: opts.cert,
    ca: opts.ca,
    requestCert: true,
    rejectUnauthorized: false,
    settings: { maxConcurrentStreams: 1000 },
    // Node's 10 MB default makes busy sessions (controllers listing pages of pods over one
    // connection) fail with ENHANCE_YOUR_CALM.
    maxSessionMemory: 128,
  });
  const sockets = new Set<{ destroy(): void }>();
  server.on("secureConnection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.on("request", (req: AnyRequest, res: AnyResponse) => {
    serve(opts, req, res).catch((err: unknown) => {
      try {
        writeResponse(req, res, errorResponse(err));
      } catch {
        res.destroy?.();
      }
    });
  });
  server.on("sessionError", () => { /* a client's broken session must not take the server down */ });
  server.on("tlsClientError", () => { /* handshake failures are the client's problem */ });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host ?? "0.0.0.0", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    }),
  };
}

async function serve(opts: HttpsServerOptions, req: AnyRequest, res: AnyResponse): Promise<void> {
  let url: URL;
  try {
    // Concatenate rather than resolve: `//x` is a path here, not a host.
    url = new URL(`https://localhost${(req.url ?? "/").startsWith("/") ? req.url ?? "/" : `/${req.url}`}`);
  } catch {
    req.resume();
    writeResponse(req, res, errorResponse(errors.badRequest(`malformed request path ${JSON.stringify(String(req.url).slice(0, 200))}`)));
    return;
  }
  const headers = req.headers as Record<string, string | string[] | undefined>;
  const socket = ("stream" in req && req.stream ? req.stream.session?.socket : req.socket) as unknown as PeerSocket;
  const auth = await authenticateRequest(opts.authenticator, authRequest(headers, socket), url.pathname);
  if (!auth.ok) {
    req.resume();
    writeResponse(req, res, errorResponse(auth.error));
    return;
  }
  const body = await readBody(req);
  const abort = new AbortController();
  res.on("close", () => abort.abort());
  const apiReq: ApiRequest = {
    method: req.method ?? "GET",
    path: url.pathname,
    query: url.searchParams,
    headers: flattenHeaders(headers),
    body,
    user: auth.user,
    signal: abort.signal,
  };
  const reply = await opts.api.handle(apiReq);
  writeResponse(req, res, reply);
}

function flattenHeaders(h: Record<string, string | string[] | undefined>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(h)) {
    if (k.startsWith(":")) continue;
    out[k] = Array.isArray(v) ? v.join(", ") : v;
  }
  return out;
}

function readBody(req: AnyRequest): Promise<Buffer | undefined> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > maxBodyBytes) {
    req.resume();
    return Promise.reject(errors.tooLarge(maxBodyBytes));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > maxBodyBytes) {
        reject(errors.tooLarge(maxBodyBytes));
        req.removeAllListeners("data");
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(chunks.length ? Buffer.concat(chunks) : undefined));
    req.on("error", () => reject(errors.badRequest("the request body was not fully received")));
    req.on("aborted", () => reject(errors.badRequest("the request body was not fully received")));
  });
}

function writeResponse(req: AnyRequest, anyRes: AnyResponse, reply: ApiResponse): void {
  // The HTTP/2 compatibility response has the same surface as http1's.
  const res = anyRes as ServerResponse;
  if (res.headersSent) {
    res.end();
    return;
  }
  const headers: Record<string, string | string[]> = { ...reply.headers };
  if (reply.stream) {
    // HTTP/2 forbids transfer-encoding; HTTP/1.1 chunks by itself when no length is set.
    delete headers["transfer-encoding"];
    headers["cache-control"] = "no-cache, private";
    res.writeHead(reply.status, headers);
    if ("flushHeaders" in res) res.flushHeaders();
    let stop: (() => void) | undefined;
    stop = reply.stream.start({
      write: (chunk) => (res.writableEnded ? true : res.write(chunk)),
      end: () => { if (!res.writableEnded) res.end(); },
      onDrain: (fn) => { res.once("drain", fn); },
    });
    res.on("close", () => stop?.());
    return;
  }
  const body = reply.body ?? "";
  headers["content-length"] = String(Buffer.byteLength(body));
  res.writeHead(reply.status, headers);
  if (req.method === "HEAD") res.end();
  else res.end(body);
}
