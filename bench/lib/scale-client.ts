/**
 * An HTTP/2 API client with client-go's flow-control windows. Go's HTTP/2 transport opens
 * each stream with a 4 MiB receive window and the connection with 1 GiB; Node's client
 * defaults to 64 KiB for both, so a 1.5 MB page of 500 pods needs some twenty window updates,
 * each waiting for a turn of a busy server's event loop. The scale benchmark measures what
 * kubectl and client-go would see, so its clients use Go's windows. Same credentials and
 * reply shape as lib/client.ts.
 */
import http2 from "node:http2";
import type { Creds, Reply } from "./client.js";

const streamWindow = 4 << 20;
const connectionWindow = 1 << 30;

export class GoLikeClient {
  private constructor(private readonly session: http2.ClientHttp2Session) {}

  static connect(url: string, creds: Creds): Promise<GoLikeClient> {
    return new Promise((resolve, reject) => {
      const session = http2.connect(url, { ...creds, settings: { initialWindowSize: streamWindow } });
      session.once("error", reject);
      session.once("connect", () => {
        session.off("error", reject);
        session.on("error", () => {});
        session.setLocalWindowSize(connectionWindow);
        resolve(new GoLikeClient(session));
      });
    });
  }

  request(method: string, path: string, body?: string): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const h: http2.OutgoingHttpHeaders = { ":method": method, ":path": path, accept: "application/json" };
      if (body !== undefined) h["content-type"] = "application/json";
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

  close(): void {
    this.session.close();
  }
}
