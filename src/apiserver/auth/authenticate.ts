/**
 * The authentication step of the handler chain. A request whose credentials no
 * authenticator accepts gets 401, except that a request with no credentials at all may read
 * the paths upstream's system:public-info-viewer role opens to everyone (version and
 * health), as `system:anonymous`. Bad credentials get 401 even there, as upstream fails on
 * an authenticator error before trying anonymous.
 */
import { errors, type StatusError } from "../../machinery/errors.js";
import { presentsCredentials } from "./request.js";
import type { Authenticator, AuthRequest, UserInfo } from "./types.js";
import { GROUP_UNAUTHENTICATED, USER_ANONYMOUS } from "./types.js";

const PUBLIC_EXACT = new Set(["/version", "/version/"]);
const PUBLIC_TREES = ["/healthz", "/livez", "/readyz"];

/** True for `/version` and `/healthz`, `/livez`, `/readyz` and their subpaths (`/readyz/ping`). */
export function isPublicPath(rawPath: string): boolean {
  const q = rawPath.search(/[?#]/);
  const p = q >= 0 ? rawPath.slice(0, q) : rawPath;
  // Never let a dot segment or an encoded character walk out of the public tree.
  if (p.includes("%") || p.includes("//") || p.split("/").some((s) => s === "." || s === "..")) return false;
  if (PUBLIC_EXACT.has(p)) return true;
  return PUBLIC_TREES.some((t) => p === t || p.startsWith(t + "/"));
}

export function anonymousUser(): UserInfo {
  return { username: USER_ANONYMOUS, groups: [GROUP_UNAUTHENTICATED] };
}

export type AuthOutcome =
  | { ok: true; user: UserInfo; anonymous: boolean }
  | { ok: false; error: StatusError };

export async function authenticateRequest(authn: Authenticator, req: AuthRequest, path: string): Promise<AuthOutcome> {
  let user: UserInfo | null = null;
  try {
    user = await authn.authenticate(req);
  } catch {
    user = null;
  }
  if (user) return { ok: true, user, anonymous: false };
  if (!presentsCredentials(req) && isPublicPath(path)) return { ok: true, user: anonymousUser(), anonymous: true };
  return { ok: false, error: errors.unauthorized() };
}
