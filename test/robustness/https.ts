/**
 * HTTPS plumbing shared by the robustness suites: the admin credentials of a data dir, an
 * HTTP/2 client and an HTTP/1.1 client that return whole replies (with a hard timeout and a
 * clear error for resets), a reader for watch streams, and the check that an error reply is
 * a proper Kubernetes `Status`.
 */
import http2 from "node:http2";
import https from "node:https";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import path from "node:path";

export interface Credentials {
  ca: Buffer;
  /** Without a client certificate the requests are anonymous. */
  cert?: Buffer;
  key?: Buffer;
}

/** The admin client certificate and the cluster CA that `timonel up` keeps under `<dataDir>/tls/`. */
export async function readCredentials(dataDir: string): Promise<Credentials> {
  const dir = path.join(dataDir, "tls");
  const [ca, cert, key] = await Promise.all(["ca.crt", "admin.crt", "admin.key"].map((f) => fs.readFile(path.join(dir, f))));
  return { ca: ca!, cert: cert!, key: key! };
}

export interface RequestSpec {
  method: string;
  /** Path and query, sent as they are. */
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  timeoutMs?: number;
  /**
   * For replies that may be endless streams (watch): once the headers are in, keep reading for
   * this long, then hang up and return what arrived. Without it the whole body is awaited.
   */
  streamGraceMs?: number;
  /** HTTP/1.1 only: send the body in two writes without a Content-Length (chunked). */
  chunked?: boolean;
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** True when the client hung up on a stream after `streamGraceMs`. */
  truncated: boolean;
}

/** The request neither finished nor failed in time: the server hangs. */
export class HangError extends Error {
  constructor(spec: RequestSpec, ms: number) {
    super(`no complete reply within ${ms} ms to ${spec.method} ${spec.path.slice(0, 200)}`);
    this.name = "HangError";
  }
}

/** The client library refused to send the request at all (e.g. a header HTTP/2 forbids). */
export class ClientRefusedError extends Error {
  constructor(spec: RequestSpec, cause: unknown) {
    super(`client refused ${spec.method} ${spec.path.slice(0, 200)}: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = "ClientRefusedError";
  }
}

/** The transport broke before a whole reply arrived (reset, hang-up, GOAWAY). */
export class TransportError extends Error {
  constructor(spec: RequestSpec, cause: unknown) {
    super(`transport failed on ${spec.method} ${spec.path.slice(0, 200)}: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = "TransportError";
  }
}

const defaultTimeoutMs = 10_000;

/** One HTTP/2 session (kubectl's transport), reconnected on demand after a failure. */
export class H2Client {
  private session: http2.ClientHttp2Session | undefined;

  constructor(readonly url: string, readonly creds: Credentials | undefined) {}

  private connect(): http2.ClientHttp2Session {
    if (this.session && !this.session.closed && !this.session.destroyed) return this.session;
    const s = http2.connect(this.url, {
      ca: this.creds?.ca,
      cert: this.creds?.cert,
      key: this.creds?.key,
      // The fuzz sends request bodies bigger than the default window many times over.
      settings: { initialWindowSize: 4 * 1024 * 1024 },
    });
    s.on("error", () => { /* surfaced on the streams */ });
    // Never keep the test process alive on an idle session.
    s.unref();
    this.session = s;
    return s;
  }

  request(spec: RequestSpec): Promise<Reply> {
    const timeoutMs = spec.timeoutMs ?? defaultTimeoutMs;
    return new Promise<Reply>((resolve, reject) => {
      let settled = false;
      let stream: http2.ClientHttp2Stream;
      const finish = (err: Error | undefined, reply?: Reply): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(reply!);
      };
      const timer = setTimeout(() => {
        finish(new HangError(spec, timeoutMs));
        try { stream?.close(http2.constants.NGHTTP2_CANCEL); } catch { /* already gone */ }
      }, timeoutMs);
      try {
        const s = this.connect();
        stream = s.request({ ":method": spec.method, ":path": spec.path, ...spec.headers }, { endStream: spec.body === undefined });
      } catch (err) {
        finish(new ClientRefusedError(spec, err));
        return;
      }
      let status = 0;
      let headers: Record<string, string | string[] | undefined> = {};
      const chunks: Buffer[] = [];
      stream.on("response", (h) => {
        status = Number(h[":status"]);
        headers = h as Record<string, string | string[] | undefined>;
        if (spec.streamGraceMs !== undefined) {
          setTimeout(() => {
            if (settled) return;
            finish(undefined, { status, headers, body: Buffer.concat(chunks), truncated: true });
            stream.close(http2.constants.NGHTTP2_CANCEL);
          }, spec.streamGraceMs).unref();
        }
      });
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        if (status === 0) finish(new TransportError(spec, new Error(`stream ended without a reply (rst code ${stream.rstCode})`)));
        else finish(undefined, { status, headers, body: Buffer.concat(chunks), truncated: false });
      });
      // A reset after the whole reply arrived (e.g. the server stops reading an upload it
      // already refused) is fine; `finish` ignores it then.
      stream.on("error", (err) => finish(new TransportError(spec, err)));
      stream.on("close", () => {
        if (!settled) finish(new TransportError(spec, new Error(`stream closed ${status ? `in the middle of a ${status} reply` : "without a reply"} (rst code ${stream.rstCode})`)));
      });
      if (spec.body !== undefined) stream.end(spec.body);
    });
  }

  close(): void {
    this.session?.destroy();
    this.session = undefined;
  }
}

/** HTTP/1.1 with keep-alive, for methods, paths and headers an HTTP/2 client would not send. */
export class H1Client {
  readonly agent: https.Agent;
  private readonly origin: URL;

  constructor(url: string, creds: Credentials | undefined) {
    this.origin = new URL(url);
    this.agent = new https.Agent({ keepAlive: true, maxSockets: 16, ca: creds?.ca, cert: creds?.cert, key: creds?.key });
  }

  request(spec: RequestSpec): Promise<Reply> {
    const timeoutMs = spec.timeoutMs ?? defaultTimeoutMs;
    return new Promise<Reply>((resolve, reject) => {
      let settled = false;
      const finish = (err: Error | undefined, reply?: Reply): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(reply!);
      };
      let req: ReturnType<typeof https.request>;
      const timer = setTimeout(() => {
        finish(new HangError(spec, timeoutMs));
        req?.destroy();
      }, timeoutMs);
      // Node's client sends a GET/DELETE/OPTIONS body with neither Content-Length nor chunked
      // framing, which the server then reads as the next request: always frame it.
      const headers: Record<string, string> = { ...spec.headers };
      const hasLength = Object.keys(headers).some((h) => h.toLowerCase() === "content-length");
      if (spec.body !== undefined && !hasLength) {
        if (spec.chunked) headers["transfer-encoding"] = "chunked";
        else headers["content-length"] = String(Buffer.byteLength(spec.body));
      }
      try {
        req = https.request({
          agent: this.agent,
          host: this.origin.hostname,
          port: this.origin.port,
          method: spec.method,
          path: spec.path,
          headers,
        });
      } catch (err) {
        finish(new ClientRefusedError(spec, err));
        return;
      }
      req.on("response", (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => finish(undefined, { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), truncated: false }));
        res.on("error", (err) => finish(new TransportError(spec, err)));
        if (spec.streamGraceMs !== undefined) {
          setTimeout(() => {
            if (settled) return;
            finish(undefined, { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), truncated: true });
            req.destroy();
          }, spec.streamGraceMs).unref();
        }
      });
      req.on("error", (err) => finish(new TransportError(spec, err)));
      if (spec.chunked && spec.body !== undefined && spec.body.length > 1) {
        const body = Buffer.from(spec.body);
        const half = body.length >> 1;
        req.write(body.subarray(0, half));
        req.end(body.subarray(half));
      } else {
        req.end(spec.body);
      }
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

export interface StatusBody {
  kind: string;
  apiVersion: string;
  status: string;
  message: string;
  reason?: string;
  code: number;
  details?: { name?: string; group?: string; kind?: string; causes?: { reason?: string; message?: string; field?: string }[] };
}

/**
 * Why an error reply is not a proper Status (`undefined` when it is): a JSON body with
 * `kind: "Status"`, `apiVersion: "v1"`, `status: "Failure"`, `code` equal to the HTTP status
 * and a non-empty message.
 */
export function statusProblem(reply: Reply): string | undefined {
  const ct = String(reply.headers["content-type"] ?? "");
  if (!ct.startsWith("application/json")) return `content-type is ${JSON.stringify(ct)}, not application/json`;
  let s: unknown;
  try {
    s = JSON.parse(reply.body.toString("utf8"));
  } catch {
    return `body is not JSON: ${JSON.stringify(reply.body.toString("utf8").slice(0, 200))}`;
  }
  if (typeof s !== "object" || s === null) return "body is not an object";
  const st = s as Partial<StatusBody>;
  if (st.kind !== "Status") return `kind is ${JSON.stringify(st.kind)}`;
  if (st.apiVersion !== "v1") return `apiVersion is ${JSON.stringify(st.apiVersion)}`;
  if (st.status !== "Failure") return `status is ${JSON.stringify(st.status)}`;
  if (st.code !== reply.status) return `code ${String(st.code)} differs from the HTTP status ${reply.status}`;
  if (typeof st.message !== "string" || st.message === "") return "message is empty";
  return undefined;
}

/** Asserts an error reply is a Status with this code, and returns it. */
export function expectStatus(reply: Reply, code: number, what: string): StatusBody {
  assert.equal(reply.status, code, `${what}: HTTP ${reply.status}, body ${reply.body.toString("utf8").slice(0, 500)}`);
  const problem = statusProblem(reply);
  assert.equal(problem, undefined, `${what}: ${problem}`);
  return JSON.parse(reply.body.toString("utf8")) as StatusBody;
}

export interface WatchEvent {
  type: string;
  object: { kind?: string; code?: number; reason?: string; message?: string; metadata?: { name?: string; resourceVersion?: string } };
}

/**
 * Reads a watch stream over HTTP/2 until `done` says enough (or the server ends it) and
 * returns the events. `onEvent` may act while the stream stays open (e.g. create an object).
 */
export function readWatch(
  client: H2Client,
  urlPath: string,
  opts: { timeoutMs: number; done(events: WatchEvent[]): boolean; onOpen?(): void; onEvent?(ev: WatchEvent, all: WatchEvent[]): void },
): Promise<{ status: number; events: WatchEvent[]; ended: boolean }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(client.url, { ca: client.creds?.ca, cert: client.creds?.cert, key: client.creds?.key });
    session.on("error", () => undefined);
    const stream = session.request({ ":method": "GET", ":path": urlPath });
    const events: WatchEvent[] = [];
    let status = 0;
    let buf = "";
    let settled = false;
    const finish = (err: Error | undefined, ended: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      session.destroy();
      if (err) reject(err);
      else resolve({ status, events, ended });
    };
    const timer = setTimeout(() => finish(new Error(`watch ${urlPath}: gave up after ${opts.timeoutMs} ms with ${events.length} events: ${JSON.stringify(events.slice(-3))}`), false), opts.timeoutMs);
    stream.setEncoding("utf8");
    stream.on("response", (h) => {
      status = Number(h[":status"]);
      opts.onOpen?.();
    });
    stream.on("data", (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line) continue;
        let ev: WatchEvent;
        try {
          ev = JSON.parse(line) as WatchEvent;
        } catch {
          finish(new Error(`watch ${urlPath}: HTTP ${status}, a line that is not JSON: ${JSON.stringify(line.slice(0, 200))}`), false);
          return;
        }
        events.push(ev);
        opts.onEvent?.(ev, events);
        if (opts.done(events)) {
          finish(undefined, false);
          return;
        }
      }
    });
    stream.on("end", () => finish(undefined, true));
    stream.on("error", (err) => finish(err, false));
  });
}
