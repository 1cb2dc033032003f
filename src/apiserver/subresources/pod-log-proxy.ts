/**
 * The API server's side of `pods/log`: one HTTPS request to the node agent, made with the API
 * server's client certificate and verifying the node's serving certificate against the
 * cluster CA, whose body is streamed to the client as it arrives. The node request is torn
 * down when the client goes away; a slow client pauses it.
 */
import https from "node:https";
import type { IncomingMessage } from "node:http";
import { StringDecoder } from "node:string_decoder";
import { StatusError, type StatusDetails, type StatusReason } from "../../machinery/errors.js";
import type { ApiResponse } from "../types.js";
import type { NodeClientTls } from "../handlers/context.js";

/** How long the node may take to answer with headers (a follow then idles as long as it likes). */
const HEADER_TIMEOUT_MS = 15_000;
/** How much of a node's error body is read. */
const MAX_ERROR_BODY = 64 * 1024;

export interface NodeTarget {
  host: string;
  port: number;
}

export interface NodeLogRequest {
  target: NodeTarget;
  /** Path and query on the node, e.g. `/containerLogs/default/p/app?follow=true`. */
  path: string;
  tls: NodeClientTls;
  insecureSkipVerify: boolean;
  /** Aborted when the client goes away. */
  signal?: AbortSignal;
}

/** A failure with no reason, as upstream reports a node it could not reach (kubectl prints "Error from server: ..."). */
class UnreachableError extends StatusError {
  override toStatus() {
    const s = super.toStatus();
    delete s.reason;
    return s;
  }
}

const reasons: Record<number, StatusReason> = {
  400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 405: "MethodNotAllowed",
  409: "Conflict", 422: "Invalid", 429: "TooManyRequests", 500: "InternalError", 503: "ServiceUnavailable", 504: "Timeout",
};

/** The node's error reply as a Status: its own Status when it sent one, else its text. */
export function nodeError(code: number, body: string): StatusError {
  try {
    const s = JSON.parse(body) as { kind?: unknown; code?: unknown; reason?: unknown; message?: unknown; details?: unknown };
    if (s.kind === "Status" && typeof s.message === "string") {
      const c = typeof s.code === "number" && s.code >= 400 ? s.code : code;
      return new StatusError(c, (typeof s.reason === "string" ? s.reason : reasons[c] ?? "InternalError") as StatusReason, s.message,
        typeof s.details === "object" && s.details ? s.details as StatusDetails : undefined);
    }
  } catch {
    // Not JSON: kubelet writes plain-text errors.
  }
  const msg = body.trim() || `the server rejected our request for an unknown reason (get pods/log)`;
  return new StatusError(code >= 400 ? code : 500, reasons[code] ?? "InternalError", msg);
}

function hostPort(t: NodeTarget): string {
  return t.host.includes(":") ? `[${t.host}]:${t.port}` : `${t.host}:${t.port}`;
}

function readBounded(res: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (): void => resolve(Buffer.concat(chunks).toString("utf8"));
    res.on("data", (c: Buffer) => {
      if (size >= MAX_ERROR_BODY) return;
      chunks.push(c.subarray(0, MAX_ERROR_BODY - size));
      size += c.length;
    });
    res.on("end", done);
    res.on("error", done);
    res.on("close", done);
  });
}

function streamBody(req: ReturnType<typeof https.request>, res: IncomingMessage, signal: AbortSignal | undefined, onAbort: () => void): ApiResponse {
  return {
    status: 200,
    headers: { "content-type": "text/plain" },
    stream: {
      start(sink) {
        const decoder = new StringDecoder("utf8");
        let ended = false;
        const finish = (): void => {
          if (ended) return;
          ended = true;
          signal?.removeEventListener("abort", onAbort);
          const rest = decoder.end();
          if (rest) sink.write(rest);
          sink.end();
        };
        res.on("data", (chunk: Buffer) => {
          if (ended) return;
          const text = decoder.write(chunk);
          if (text && sink.write(text) === false && sink.onDrain) {
            res.pause();
            sink.onDrain(() => res.resume());
          }
        });
        res.on("end", finish);
        res.on("error", finish);
        res.on("close", finish);
        return () => {
          ended = true;
          signal?.removeEventListener("abort", onAbort);
          req.destroy();
        };
      },
    },
  };
}

/** Sends the request; resolves with a streamed 200, or rejects with the node's error as a Status. */
export function proxyNodeLog(r: NodeLogRequest): Promise<ApiResponse> {
  const url = `https://${hostPort(r.target)}${r.path}`;
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: r.target.host,
      port: r.target.port,
      path: r.path,
      method: "GET",
      ca: r.tls.caPem,
      cert: r.tls.certPem,
      key: r.tls.keyPem,
      rejectUnauthorized: !r.insecureSkipVerify,
      // One connection per request: a follow holds it for as long as it runs.
      agent: false,
      headers: { accept: "text/plain, application/json" },
    });
    let settled = false;
    const onAbort = (): void => {
      req.destroy(new Error("the client went away"));
    };
    if (r.signal?.aborted) onAbort();
    r.signal?.addEventListener("abort", onAbort, { once: true });
    req.setTimeout(HEADER_TIMEOUT_MS, () => req.destroy(new Error("timeout awaiting response headers")));
    req.on("error", (err) => {
      if (settled) return;
      settled = true;
      r.signal?.removeEventListener("abort", onAbort);
      reject(new UnreachableError(500, "InternalError", `Get "${url}": ${err.message}`));
    });
    req.on("response", (res) => {
      req.setTimeout(0);
      settled = true;
      const code = res.statusCode ?? 500;
      if (code < 200 || code > 299) {
        void readBounded(res).then((body) => {
          r.signal?.removeEventListener("abort", onAbort);
          req.destroy();
          reject(nodeError(code, body));
        });
        return;
      }
      resolve(streamBody(req, res, r.signal, onAbort));
    });
    req.end();
  });
}
