/**
 * The in-process transport: requests go straight to the API server's handler function (the
 * full chain: authn, authz, admission, validation) with no TCP and no TLS. The composition
 * root (cli/) hands the handler in, so client/ never imports apiserver/ at run time.
 */
import type { ApiRequest, ApiResponse } from "../apiserver/types.js";
import type { StreamHandle, Transport, TransportRequest, TransportResponse } from "./interfaces.js";
import { LineSplitter } from "./lines.js";
import { encodeBody, encodeQuery } from "./request.js";
import { statusErrorFromResponse } from "./status.js";

export type ApiHandler = (req: ApiRequest) => Promise<ApiResponse>;

export interface InProcessOptions {
  /** Sent as User-Agent; the server derives the default field manager from its first segment. */
  userAgent?: string;
}

export function inProcessTransport(handle: ApiHandler, opts: InProcessOptions = {}): Transport {
  const userAgent = opts.userAgent ?? "timonel";
  const toApiRequest = (req: TransportRequest, signal?: AbortSignal): ApiRequest => {
    const body = encodeBody(req.body);
    const headers: Record<string, string | undefined> = {
      accept: req.accept ?? "application/json",
      "user-agent": userAgent,
    };
    if (body !== undefined) {
      headers["content-type"] = req.contentType ?? "application/json";
      headers["content-length"] = String(Buffer.byteLength(body));
    }
    return {
      method: req.method,
      path: req.path,
      query: new URLSearchParams(encodeQuery(req.query)),
      headers,
      body: body === undefined ? undefined : Buffer.from(body, "utf8"),
      signal,
    };
  };

  return {
    async request(req: TransportRequest): Promise<TransportResponse> {
      req.signal?.throwIfAborted();
      const res = await handle(toApiRequest(req, req.signal));
      let body: string;
      if (res.stream) body = await drain(res.stream, req.signal);
      else body = typeof res.body === "string" ? res.body : res.body?.toString("utf8") ?? "";
      return { status: res.status, headers: res.headers, body };
    },

    stream(req: TransportRequest, onLine: (line: string) => void, onEnd: (err?: Error) => void): StreamHandle {
      const abort = new AbortController();
      let closed = false;
      let stop: (() => void) | undefined;
      const finish = (err?: Error): void => {
        if (closed) return;
        closed = true;
        stop?.();
        abort.abort();
        onEnd(err);
      };
      const lines = new LineSplitter((line) => {
        if (closed) return;
        try {
          onLine(line);
        } catch (err) {
          // A consumer that throws ends its own stream; the server's fan-out must not see it.
          finish(err instanceof Error ? err : new Error(String(err)));
        }
      });
      req.signal?.addEventListener("abort", () => finish(new Error("aborted")), { once: true });
      handle(toApiRequest(req, abort.signal)).then((res) => {
        if (closed) {
          // Closed before the reply arrived: start and stop at once, so the server frees the watch.
          res.stream?.start({ write: () => {}, end: () => {} })();
          return;
        }
        if (res.status < 200 || res.status > 299) {
          finish(statusErrorFromResponse(res.status, bodyText(res)));
          return;
        }
        if (!res.stream) {
          lines.push(bodyText(res));
          lines.end();
          finish();
          return;
        }
        stop = res.stream.start({
          write: (chunk) => { if (!closed) lines.push(chunk); },
          end: () => {
            if (closed) return;
            lines.end();
            finish();
          },
        });
        // The stream may have ended synchronously inside start().
        if (closed) stop();
      }, (err: unknown) => finish(err instanceof Error ? err : new Error(String(err))));
      return {
        close: () => {
          if (closed) return;
          closed = true;
          stop?.();
          abort.abort();
        },
      };
    },
  };
}

function bodyText(res: ApiResponse): string {
  return typeof res.body === "string" ? res.body : res.body?.toString("utf8") ?? "";
}

/** A streamed reply read to its end (a plain request that happened to get a stream). */
function drain(stream: NonNullable<ApiResponse["stream"]>, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    let done = false;
    const stop = stream.start({
      write: (chunk) => { out += chunk; },
      end: () => {
        done = true;
        resolve(out);
      },
    });
    signal?.addEventListener("abort", () => {
      if (done) return;
      stop();
      reject(signal.reason instanceof Error ? signal.reason : new Error("aborted"));
    }, { once: true });
  });
}
