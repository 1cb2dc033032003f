/**
 * The HTTPS transport: HTTP/2 over TLS with node:http2, one session multiplexing every request
 * and watch (as client-go does), reconnected on demand after it closes. Authenticates with a
 * client certificate or a bearer token and trusts only the given CA. A periodic ping while
 * streams are open notices a dead peer, so watches end and their owners re-watch.
 */
import http2 from "node:http2";
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http2";
import type { StreamHandle, Transport, TransportRequest, TransportResponse } from "./interfaces.js";
import { kubeconfigTransportOptions } from "./kubeconfig.js";
import { LineSplitter } from "./lines.js";
import { encodeBody, requestTarget } from "./request.js";
import { statusErrorFromResponse } from "./status.js";

export interface HttpsTransportOptions {
  /** `https://host:port`. */
  server: string;
  /** PEM of the CA that signed the server's certificate; only it is trusted. Without it, the system roots. */
  ca?: string;
  /** PEM client certificate and key. */
  cert?: string;
  key?: string;
  /** Bearer token. */
  token?: string;
  /** Skip server certificate verification (kubeconfig `insecure-skip-tls-verify`). */
  insecureSkipTlsVerify?: boolean;
  /** TLS server name to verify instead of the server URL's host. */
  tlsServerName?: string;
  /** Sent as User-Agent; the server derives the default field manager from its first segment. */
  userAgent?: string;
  /** Health ping interval while requests or watches are open (client-go: 30 s). 0 disables. */
  pingIntervalMs?: number;
  /** A ping unanswered this long drops the session (client-go: 15 s). */
  pingTimeoutMs?: number;
}

/** The HTTPS transport, with a way to drop its connection. */
export interface HttpsTransport extends Transport {
  /** Destroys the current session: its requests and watches fail, the next request reconnects. */
  reset(): void;
  /** Drops the session and refuses further requests. */
  close(): Promise<void>;
}

const { NGHTTP2_CANCEL } = http2.constants;

/** A session with the streams it carries counted, so that an idle session does not hold the process open. */
interface Session {
  h2: http2.ClientHttp2Session;
  active: number;
}

export function httpsTransport(opts: HttpsTransportOptions): HttpsTransport {
  const origin = new URL(opts.server).origin;
  const userAgent = opts.userAgent ?? "timonel";
  const pingIntervalMs = opts.pingIntervalMs ?? 30_000;
  const pingTimeoutMs = opts.pingTimeoutMs ?? 15_000;
  let current: Session | undefined;
  let closed = false;
  let pinger: NodeJS.Timeout | undefined;

  const connect = (): Session => {
    const h2 = http2.connect(origin, {
      ca: opts.ca || undefined,
      cert: opts.cert,
      key: opts.key,
      servername: opts.tlsServerName,
      rejectUnauthorized: !opts.insecureSkipTlsVerify,
      ALPNProtocols: ["h2"],
    });
    const s: Session = { h2, active: 0 };
    const forget = (): void => {
      if (current === s) current = undefined;
    };
    // Session errors reach the streams (and so the callers); here they only retire the session.
    h2.on("error", forget);
    h2.on("close", forget);
    h2.on("goaway", forget);
    h2.unref();
    return s;
  };

  const session = (): Session => {
    if (closed) throw new Error("the transport is closed");
    if (!current || current.h2.closed || current.h2.destroyed) current = connect();
    return current;
  };

  const ping = (): void => {
    const s = current;
    if (!s || s.active === 0 || s.h2.destroyed) return;
    const timer = setTimeout(() => s.h2.destroy(new Error(`no answer to an HTTP/2 ping within ${pingTimeoutMs} ms`)), pingTimeoutMs);
    timer.unref();
    const sent = s.h2.ping((err) => {
      clearTimeout(timer);
      if (err && !s.h2.destroyed) s.h2.destroy(err);
    });
    if (!sent) clearTimeout(timer);
  };
  if (pingIntervalMs > 0) {
    pinger = setInterval(ping, pingIntervalMs);
    pinger.unref();
  }

  const open = (req: TransportRequest, body: string | undefined): { stream: http2.ClientHttp2Stream; s: Session } => {
    const headers: OutgoingHttpHeaders = {
      ":method": req.method,
      ":path": requestTarget(req),
      accept: req.accept ?? "application/json",
      "user-agent": userAgent,
    };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (body !== undefined) headers["content-type"] = req.contentType ?? "application/json";
    let s = session();
    let stream: http2.ClientHttp2Stream;
    try {
      stream = s.h2.request(headers, { endStream: body === undefined, signal: req.signal });
    } catch {
      // The session went away between our check and the request (GOAWAY): once more on a fresh one.
      s.h2.destroy();
      if (current === s) current = undefined;
      s = session();
      stream = s.h2.request(headers, { endStream: body === undefined, signal: req.signal });
    }
    // A session with open streams keeps the process alive; an idle one does not.
    if (s.active++ === 0) s.h2.ref();
    stream.once("close", () => {
      if (--s.active === 0 && !s.h2.destroyed) s.h2.unref();
    });
    stream.setEncoding("utf8");
    if (body !== undefined) stream.end(body);
    return { stream, s };
  };

  return {
    request(req: TransportRequest): Promise<TransportResponse> {
      return new Promise((resolve, reject) => {
        const body = encodeBody(req.body);
        let stream: http2.ClientHttp2Stream;
        try {
          ({ stream } = open(req, body));
        } catch (err) {
          reject(err);
          return;
        }
        let status = 0;
        let headers: IncomingHttpHeaders = {};
        let text = "";
        let settled = false;
        stream.on("response", (h) => {
          status = Number(h[":status"]);
          headers = h;
        });
        stream.on("data", (chunk: string) => { text += chunk; });
        stream.on("end", () => {
          settled = true;
          resolve({ status, headers: plainHeaders(headers), body: text });
        });
        stream.on("error", (err) => {
          if (settled) return;
          settled = true;
          reject(err);
        });
        stream.on("close", () => {
          if (settled) return;
          settled = true;
          reject(new Error(`the HTTP/2 stream for ${req.method} ${req.path} closed before its reply (code ${stream.rstCode})`));
        });
      });
    },

    stream(req: TransportRequest, onLine: (line: string) => void, onEnd: (err?: Error) => void): StreamHandle {
      let done = false;
      let stream: http2.ClientHttp2Stream | undefined;
      const finish = (err?: Error): void => {
        if (done) return;
        done = true;
        if (stream && !stream.closed) stream.close(NGHTTP2_CANCEL);
        onEnd(err);
      };
      try {
        ({ stream } = open(req, encodeBody(req.body)));
      } catch (err) {
        queueMicrotask(() => finish(err instanceof Error ? err : new Error(String(err))));
        return { close: () => { done = true; } };
      }
      const st = stream;
      let status = 0;
      let errorText = "";
      const lines = new LineSplitter((line) => {
        if (done) return;
        try {
          onLine(line);
        } catch (err) {
          finish(err instanceof Error ? err : new Error(String(err)));
        }
      });
      st.on("response", (h) => { status = Number(h[":status"]); });
      st.on("data", (chunk: string) => {
        if (done) return;
        if (status >= 200 && status <= 299) lines.push(chunk);
        else errorText += chunk;
      });
      st.on("end", () => {
        if (done) return;
        if (status < 200 || status > 299) {
          finish(statusErrorFromResponse(status, errorText));
          return;
        }
        lines.end();
        finish();
      });
      st.on("error", (err) => finish(err));
      st.on("close", () => finish(new Error(`the watch stream closed (HTTP/2 code ${st.rstCode})`)));
      return {
        close: () => {
          if (done) return;
          done = true;
          if (!st.closed) st.close(NGHTTP2_CANCEL);
        },
      };
    },

    reset(): void {
      const s = current;
      current = undefined;
      if (s && !s.h2.destroyed) s.h2.destroy(new Error("the HTTP/2 session was reset"));
    },

    async close(): Promise<void> {
      closed = true;
      if (pinger) clearInterval(pinger);
      const s = current;
      current = undefined;
      if (s && !s.h2.destroyed) s.h2.destroy();
    },
  };
}

function plainHeaders(h: IncomingHttpHeaders): Record<string, string | string[] | undefined> {
  const out: Record<string, string | string[] | undefined> = {};
  for (const [k, v] of Object.entries(h)) if (!k.startsWith(":")) out[k] = v;
  return out;
}

/** A transport for the current context of a kubeconfig file (or the named `context`). */
export function transportFromKubeconfig(path: string, opts: { context?: string; userAgent?: string } = {}): HttpsTransport {
  return httpsTransport({ ...kubeconfigTransportOptions(path, opts.context), userAgent: opts.userAgent });
}

export { kubeconfigTransportOptions };
