/**
 * Reading credentials off a request: the bearer token in `Authorization`, the websocket
 * subprotocol form of it, and the TLS peer of an http1 socket or an http2 session socket.
 */
import type { AuthRequest, HeaderValue, RequestHeaders, TlsPeer } from "./types.js";

function header(headers: RequestHeaders, name: string): string | undefined {
  let v: HeaderValue = headers[name];
  if (v === undefined) {
    // Callers building headers by hand may not lower-case them.
    for (const k of Object.keys(headers)) {
      if (k.toLowerCase() === name) { v = headers[k]; break; }
    }
  }
  return Array.isArray(v) ? v[0] : v;
}

/** Splits `Authorization` as upstream does; `present` is true when it claims the Bearer scheme. */
function parseBearer(headers: RequestHeaders): { present: boolean; token: string | null } {
  const auth = header(headers, "authorization")?.trim();
  if (!auth) return { present: false, token: null };
  const parts = auth.split(" ");
  if (parts.length < 2 || parts[0]?.toLowerCase() !== "bearer") return { present: false, token: null };
  const token = parts[1] ?? "";
  // "Bearer  x" (two spaces) has an empty token: a malformed credential, not a missing one.
  return { present: true, token: token === "" ? null : token };
}

/** The token of `Authorization: Bearer <token>` (scheme case-insensitive), or null. */
export function bearerToken(headers: RequestHeaders): string | null {
  return parseBearer(headers).token;
}

/** True when `Authorization` claims the Bearer scheme, well-formed or not. */
export function hasBearerHeader(headers: RequestHeaders): boolean {
  return parseBearer(headers).present;
}

const WS_TOKEN_PREFIX = "base64url.bearer.authorization.k8s.io.";

/**
 * Browsers cannot set Authorization on a websocket, so upstream also takes the token from a
 * `Sec-WebSocket-Protocol` entry `base64url.bearer.authorization.k8s.io.<base64url token>`,
 * on websocket upgrade requests only.
 */
export function websocketBearerToken(headers: RequestHeaders): string | null {
  if (header(headers, "upgrade")?.toLowerCase() !== "websocket") return null;
  const protocols = header(headers, "sec-websocket-protocol");
  if (!protocols) return null;
  for (const p of protocols.split(",")) {
    const proto = p.trim();
    if (!proto.startsWith(WS_TOKEN_PREFIX)) continue;
    const encoded = proto.slice(WS_TOKEN_PREFIX.length);
    if (!/^[A-Za-z0-9_-]+$/.test(encoded)) return null;
    const token = Buffer.from(encoded, "base64url").toString("utf8");
    return token === "" ? null : token;
  }
  return null;
}

/** The bearer token from either place, header first. */
export function requestToken(headers: RequestHeaders): string | null {
  return bearerToken(headers) ?? websocketBearerToken(headers);
}

/** The slice of tls.TLSSocket this module reads; an http2 session's `socket` proxy has it too. */
export interface PeerSocket {
  authorized?: boolean;
  authorizationError?: Error | string;
  getPeerCertificate?: (detailed?: boolean) => object | null;
}

const peers = new WeakMap<object, TlsPeer>();

/**
 * The TLS peer of a connection, or undefined for plain sockets. Pass `req.socket` (http1)
 * or `stream.session.socket` (http2). Cached per socket: an http2 session carries many
 * requests and the handshake's outcome does not change.
 */
export function tlsPeer(conn: object | null | undefined): TlsPeer | undefined {
  // Typed loosely because node:http hands out `net.Socket` even on TLS servers.
  const socket = conn as PeerSocket | null | undefined;
  if (!socket || typeof socket.getPeerCertificate !== "function") return undefined;
  const cached = peers.get(socket);
  if (cached !== undefined) return cached;
  const cert = socket.getPeerCertificate(false) as TlsPeer["certificate"] | null;
  const peer: TlsPeer = { authorized: socket.authorized === true };
  if (socket.authorizationError !== undefined && socket.authorizationError !== null) {
    peer.authorizationError = String(socket.authorizationError);
  }
  // Node returns an empty object when the client sent no certificate.
  if (cert && cert.raw && cert.raw.length > 0) peer.certificate = cert;
  peers.set(socket, peer);
  return peer;
}

/** Builds the AuthRequest for a request on `socket`. */
export function authRequest(headers: RequestHeaders, socket?: object | null): AuthRequest {
  const tls = tlsPeer(socket);
  return tls ? { headers, tls } : { headers };
}

/** True when the request presents credentials of any kind, good or bad. */
export function presentsCredentials(req: AuthRequest): boolean {
  return req.tls?.certificate !== undefined || hasBearerHeader(req.headers) || websocketBearerToken(req.headers) !== null;
}
