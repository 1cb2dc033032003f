/**
 * The authentication seam: who is making a request. Authenticators turn a request's
 * credentials (a verified TLS client certificate, a bearer token) into a UserInfo; the
 * server asks them through `authenticateRequest` before authorization.
 */
import type { PeerCertificate } from "node:tls";

/** The identity of a request's sender, as upstream's user.Info. */
export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export type HeaderValue = string | string[] | undefined;

/** Request headers with lower-case names, as both node:http and node:http2 give them. */
export type RequestHeaders = Readonly<Record<string, HeaderValue>>;

/** What the TLS layer knows about the client. */
export interface TlsPeer {
  /** `tls.TLSSocket#authorized`: the client's chain verified against the server's `ca`. */
  authorized: boolean;
  authorizationError?: string;
  /** The client's leaf certificate, or undefined when it sent none. */
  certificate?: PeerCertificate;
}

export interface AuthRequest {
  headers: RequestHeaders;
  /** Undefined on plain connections and in-process requests. */
  tls?: TlsPeer;
}

/** Returns the user when the request's credentials are good, null when it has none this authenticator understands, or bad ones. */
export interface Authenticator {
  authenticate(req: AuthRequest): UserInfo | null | Promise<UserInfo | null>;
}

export const GROUP_AUTHENTICATED = "system:authenticated";
export const GROUP_UNAUTHENTICATED = "system:unauthenticated";
export const USER_ANONYMOUS = "system:anonymous";

/** Every authenticated user is in system:authenticated, as upstream's group adder makes it. */
export function withAuthenticatedGroup(groups: readonly string[]): string[] {
  return groups.includes(GROUP_AUTHENTICATED) ? [...groups] : [...groups, GROUP_AUTHENTICATED];
}
