/**
 * The HTTPS front end: HTTP/2 with ALPN plus HTTP/1.1 (for upgrades and older clients) on one
 * port. It reads bounded bodies, authenticates the request, hands it to ApiServer.handle and
 * writes the reply; streamed replies (watch) flush their headers at once.
 *
 * HTTP/2 requests are served on the core stream API, not Node's request/response
 * compatibility layer, which costs a request and a response object, their listeners and a
 * trailers frame per request; HTTP/1.1 keeps Node's http1 objects. Both meet as an Exchange.
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
import type { ApiRequest, ApiResponse, RequestUser, StreamSink } from "./types.js";

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

type RawHeaders = Record<string, string | string[] | undefined>;

/** One request and its reply, whichever HTTP version carries them. */
interface Exchange {
  readonly method: string;
  readonly url: string;
  readonly headers: RawHeaders;
  readonly socket: PeerSocket;
  readonly headersSent: boolean;
  readBody(): Promise<Buffer | undefined>;
  /** Lets a body nobody will read flow away. */
  discardBody(): void;
  /** A whole reply (HEAD: headers only). */
  reply(status: number, headers: Record<string, string | string[]>, body: string | Buffer): void;
  /** Sends the headers now; the body follows through the sink. */
  startStream(status: number, headers: Record<string, string | string[]>): StreamSink;
  /** Ends a reply whose headers already went out. */
  end(): void;
  destroy(): void;
  /** Runs `fn` once the exchange is over (finished, or the client went away). */
  onClose(fn: () => void): void;
  readonly closed: boolean;
}

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
  // HTTP/1.1 connections emit "request" with http1 objects. Adding a "request" listener also
  // makes Node attach its compatibility handler to "stream"; it is taken off again, and HTTP/2
  // streams come to onStream alone.
  server.on("request", (req: IncomingMessage, res: ServerResponse) => run(opts, new H1Exchange(req, res)));
  for (const l of server.listeners("stream")) server.removeListener("stream", l as (...args: unknown[]) => void);
  server.on("stream", (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => onStream(opts, stream, headers));
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

function onStream(opts: HttpsServerOptions, stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
  // Stream errors surface as a closed stream; unhandled, they would crash the process.
  stream.on("error", ignore);
  const method = headers[":method"];
  // What Node's compatibility layer answered before: CONNECT (no tunnels here) and
  // expectations other than 100-continue.
  if (method === "CONNECT") return respondEmpty(stream, 405);
  const expect = headers.expect;
  if (expect !== undefined) {
    if (expect !== "100-continue") return respondEmpty(stream, 417);
    if (!stream.headersSent && !stream.closed) stream.additionalHeaders({ ":status": 100 });
  }
  run(opts, new H2Exchange(stream, headers));
}

function ignore(): void { /* see callers */ }

function respondEmpty(stream: http2.ServerHttp2Stream, status: number): void {
  if (!stream.destroyed && !stream.closed && !stream.headersSent) stream.respond({ ":status": status }, { endStream: true });
}

function run(opts: HttpsServerOptions, ex: Exchange): void {
  serve(opts, ex).catch((err: unknown) => {
    try {
      writeResponse(ex, errorResponse(err));
    } catch {
      ex.destroy();
    }
  });
}

async function serve(opts: HttpsServerOptions, ex: Exchange): Promise<void> {
  const target = parseTarget(ex.url);
  if (!target) {
    ex.discardBody();
    writeResponse(ex, errorResponse(errors.badRequest(`malformed request path ${JSON.stringify(String(ex.url).slice(0, 200))}`)));
    return;
  }
  const headers = ex.headers;
  const auth = await authenticateRequest(opts.authenticator, authRequest(headers, ex.socket), target.path);
  if (!auth.ok) {
    ex.discardBody();
    writeResponse(ex, errorResponse(auth.error));
    return;
  }
  const body = await ex.readBody();
  const apiReq = new HttpApiRequest(ex, target.path, target.query, flattenHeaders(headers), body, auth.user);
  const reply = await opts.api.handle(apiReq);
  writeResponse(ex, reply);
}

/**
 * A request as the API server sees it. `signal` is made on first use: only watches and
 * proxied logs listen for the client going away, and an AbortController (with the
 * DOMException its abort builds) and a close listener per create are measurable. Asked for
 * after the exchange ended, it is already aborted.
 */
class HttpApiRequest implements ApiRequest {
  readonly method: string;
  private controller?: AbortController;

  constructor(
    private readonly ex: Exchange,
    readonly path: string,
    readonly query: URLSearchParams,
    readonly headers: Record<string, string | undefined>,
    readonly body: Buffer | undefined,
    readonly user: RequestUser | undefined,
  ) {
    this.method = ex.method;
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      const controller = (this.controller = new AbortController());
      if (this.ex.closed) controller.abort();
      else this.ex.onClose(() => controller.abort());
    }
    return this.controller.signal;
  }
}

/** Characters a path may hold that URL parsing leaves as they are. */
const plainPath = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@/]*$/;
const dotSegment = /(?:^|\/)\.\.?(?:\/|$)/;
/** Query text URL parsing would not re-encode or cut (no fragment, spaces or controls). */
const plainQuery = /^[\x21-\x22\x24-\x7e]*$/;

/**
 * The path and query of a request target, as `new URL` resolves them against
 * `https://localhost`. Plain targets (every client's) are split directly; anything URL parsing
 * could rewrite (dot segments, escapes, odd characters) goes through URL.
 */
function parseTarget(raw: string | undefined): { path: string; query: URLSearchParams } | undefined {
  const url = raw ?? "/";
  const q = url.indexOf("?");
  const path = q < 0 ? url : url.slice(0, q);
  const search = q < 0 ? "" : url.slice(q + 1);
  if (plainPath.test(path) && !dotSegment.test(path) && plainQuery.test(search)) {
    return { path, query: new URLSearchParams(search) };
  }
  try {
    // Concatenate rather than resolve: `//x` is a path here, not a host.
    const u = new URL(`https://localhost${url.startsWith("/") ? url : `/${url}`}`);
    return { path: u.pathname, query: u.searchParams };
  } catch {
    return undefined;
  }
}

function flattenHeaders(h: RawHeaders): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const k in h) {
    if (k.charCodeAt(0) === 58 /* : */) continue;
    const v = h[k];
    out[k] = Array.isArray(v) ? v.join(", ") : v;
  }
  return out;
}

function writeResponse(ex: Exchange, reply: ApiResponse): void {
  if (ex.headersSent) {
    ex.end();
    return;
  }
  const headers: Record<string, string | string[]> = { ...reply.headers };
  if (reply.stream) {
    // HTTP/2 forbids transfer-encoding; HTTP/1.1 chunks by itself when no length is set.
    delete headers["transfer-encoding"];
    headers["cache-control"] = "no-cache, private";
    const sink = ex.startStream(reply.status, headers);
    const stop = reply.stream.start(sink);
    ex.onClose(stop);
    return;
  }
  const body = reply.body ?? "";
  headers["content-length"] = String(typeof body === "string" ? Buffer.byteLength(body) : body.length);
  ex.reply(reply.status, headers, body);
}

function tooLarge(): Error {
  return errors.tooLarge(maxBodyBytes);
}

function notReceived(): Error {
  return errors.badRequest("the request body was not fully received");
}

/** Reads a bounded body from an http1 request or an http2 stream (both are Readables). */
function readBounded(src: IncomingMessage | http2.ServerHttp2Stream, declaredLength: string | string[] | undefined): Promise<Buffer | undefined> {
  const declared = Number(declaredLength ?? "0");
  if (declared > maxBodyBytes) {
    src.resume();
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    src.on("data", (c: Buffer) => {
      size += c.length;
      if (size > maxBodyBytes) {
        reject(tooLarge());
        src.removeAllListeners("data");
        src.resume();
        return;
      }
      chunks.push(c);
    });
    src.on("end", () => resolve(chunks.length ? Buffer.concat(chunks) : undefined));
    src.on("error", () => reject(notReceived()));
    src.on("aborted", () => reject(notReceived()));
  });
}

class H1Exchange implements Exchange {
  constructor(private readonly req: IncomingMessage, private readonly res: ServerResponse) {}

  get method(): string { return this.req.method ?? "GET"; }
  get url(): string { return this.req.url ?? "/"; }
  get headers(): RawHeaders { return this.req.headers; }
  get socket(): PeerSocket { return this.req.socket as unknown as PeerSocket; }
  get headersSent(): boolean { return this.res.headersSent; }
  get closed(): boolean { return this.res.closed; }

  readBody(): Promise<Buffer | undefined> {
    return readBounded(this.req, this.req.headers["content-length"]);
  }

  discardBody(): void {
    this.req.resume();
  }

  reply(status: number, headers: Record<string, string | string[]>, body: string | Buffer): void {
    this.res.writeHead(status, headers);
    if (this.req.method === "HEAD") this.res.end();
    else this.res.end(body);
  }

  startStream(status: number, headers: Record<string, string | string[]>): StreamSink {
    const res = this.res;
    res.writeHead(status, headers);
    res.flushHeaders();
    return {
      write: (chunk) => (res.writableEnded ? true : res.write(chunk)),
      end: () => { if (!res.writableEnded) res.end(); },
      onDrain: (fn) => { res.once("drain", fn); },
    };
  }

  end(): void {
    this.res.end();
  }

  destroy(): void {
    this.res.destroy();
  }

  onClose(fn: () => void): void {
    this.res.on("close", fn);
  }
}

/** Headers HTTP/2 forbids (connection-specific); Node throws on them rather than dropping them. */
const connectionHeaders = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"]);

class H2Exchange implements Exchange {
  constructor(private readonly stream: http2.ServerHttp2Stream, readonly headers: http2.IncomingHttpHeaders) {}

  get method(): string { return this.headers[":method"] ?? "GET"; }
  get url(): string { return this.headers[":path"] ?? "/"; }
  get socket(): PeerSocket { return this.stream.session?.socket as unknown as PeerSocket; }
  get headersSent(): boolean { return this.stream.headersSent; }
  get closed(): boolean { return this.stream.closed || this.stream.destroyed; }

  readBody(): Promise<Buffer | undefined> {
    // Most requests (GETs, and bodies sent with their headers' END_STREAM) have nothing to
    // read; an oversized declared length is still refused as before.
    if (this.stream.endAfterHeaders && !(Number(this.headers["content-length"] ?? "0") > maxBodyBytes)) return Promise.resolve(undefined);
    return readBounded(this.stream, this.headers["content-length"]);
  }

  discardBody(): void {
    this.stream.resume();
  }

  reply(status: number, headers: Record<string, string | string[]>, body: string | Buffer): void {
    const stream = this.stream;
    if (stream.destroyed || stream.closed) return;
    // The stream stays open for trailers (Node sends an empty frame when nobody listens for
    // "wantTrailers") until the body's write has completed: a stream closed under a pending
    // write makes Node build an ERR_STREAM_DESTROYED, stack trace and all, for nothing, which
    // costs more than the trailers frame.
    stream.respond(h2Headers(status, headers), { waitForTrailers: true });
    // respond() has ended the stream itself for HEAD, 204, 205 and 304.
    if (stream.writableEnded) return;
    stream.end(body);
  }

  startStream(status: number, headers: Record<string, string | string[]>): StreamSink {
    const stream = this.stream;
    if (!stream.destroyed && !stream.closed) stream.respond(h2Headers(status, headers));
    const over = () => stream.writableEnded || stream.destroyed;
    return {
      write: (chunk) => (over() ? true : stream.write(chunk)),
      end: () => { if (!over()) stream.end(); },
      onDrain: (fn) => { stream.once("drain", fn); },
    };
  }

  end(): void {
    if (!this.stream.writableEnded) this.stream.end();
  }

  destroy(): void {
    this.stream.destroy();
  }

  onClose(fn: () => void): void {
    this.stream.once("close", fn);
  }
}

/**
 * The reply's headers for respond(), as the compatibility layer passed them on: names
 * lower-cased, connection-specific ones dropped, absent values left out.
 */
function h2Headers(status: number, headers: Record<string, string | string[]>): http2.OutgoingHttpHeaders {
  const out: http2.OutgoingHttpHeaders = { ":status": status };
  for (const name in headers) {
    const v = headers[name];
    if (v === undefined || v === null) continue;
    const key = name.toLowerCase();
    if (!connectionHeaders.has(key)) out[key] = v;
  }
  return out;
}
