/**
 * The benchmark's API client: what kubectl or client-go does on the wire, minus everything
 * else. HTTP/2 over TLS with the admin client certificate from the data dir, one long-lived
 * session per simulated client (so N clients are N connections, as N processes would be),
 * JSON bodies, and newline-delimited watch streams.
 */
import http2 from "node:http2";
import { readFileSync } from "node:fs";
import { pkiPaths } from "../../src/cli/pki.js";

export interface Creds {
  ca: string;
  cert: string;
  key: string;
}

export interface Reply {
  status: number;
  body: string;
}

export function readCreds(dataDir: string): Creds {
  const p = pkiPaths(dataDir);
  return { ca: readFileSync(p.caCert, "utf8"), cert: readFileSync(p.adminCert, "utf8"), key: readFileSync(p.adminKey, "utf8") };
}

/** One client: one HTTP/2 session, many multiplexed requests. */
export class ApiClient {
  private constructor(private readonly session: http2.ClientHttp2Session) {}

  static connect(url: string, creds: Creds | undefined): Promise<ApiClient> {
    return new Promise((resolve, reject) => {
      const session = http2.connect(url, creds ? { ...creds } : { rejectUnauthorized: false });
      session.once("error", reject);
      session.once("connect", () => {
        session.off("error", reject);
        // A session error after connect fails its streams; keep it from being unhandled.
        session.on("error", () => {});
        resolve(new ApiClient(session));
      });
    });
  }

  request(method: string, path: string, body?: string, headers: http2.OutgoingHttpHeaders = {}): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const h: http2.OutgoingHttpHeaders = { ":method": method, ":path": path, accept: "application/json", ...headers };
      if (body !== undefined) h["content-type"] ??= "application/json";
      const stream = this.session.request(h, { endStream: body === undefined });
      let status = 0;
      const chunks: Buffer[] = [];
      stream.on("response", (rh) => { status = Number(rh[":status"]); });
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => resolve({ status, body: Buffer.concat(chunks).toString("utf8") }));
      stream.on("error", reject);
      if (body !== undefined) stream.end(body);
    });
  }

  /** Opens a watch; resolves once the response headers are in (the server flushes them at once). */
  watch(path: string, onLine: (line: string, arrivedMs: number) => void): Promise<WatchStream> {
    return new Promise((resolve, reject) => {
      const stream = this.session.request({ ":method": "GET", ":path": path, accept: "application/json" });
      let partial = "";
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => {
        const now = performance.now();
        let start = 0;
        for (let nl = chunk.indexOf("\n"); nl !== -1; nl = chunk.indexOf("\n", start)) {
          const line = partial + chunk.slice(start, nl);
          partial = "";
          if (line) onLine(line, now);
          start = nl + 1;
        }
        partial += chunk.slice(start);
      });
      stream.on("error", () => {});
      stream.once("response", (rh) => {
        const status = Number(rh[":status"]);
        if (status !== 200) reject(new Error(`watch ${path}: HTTP ${status}`));
        else resolve({ close: () => stream.close(http2.constants.NGHTTP2_CANCEL) });
      });
    });
  }

  close(): void {
    this.session.close();
  }
}

export interface WatchStream {
  close(): void;
}

/** Checks an API reply, failing loudly with the server's message. */
export function expectStatus(r: Reply, what: string, ...ok: number[]): Reply {
  if (!ok.includes(r.status)) throw new Error(`${what}: HTTP ${r.status}: ${r.body.slice(0, 300)}`);
  return r;
}
