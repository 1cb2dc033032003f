/**
 * Several authenticators as one: the first that accepts the request wins. An authenticator
 * that throws counts as a rejection, as upstream's union treats errors, so one broken
 * source (say, a remote token reviewer) cannot lock out certificate users.
 */
import type { Authenticator, AuthRequest, UserInfo } from "./types.js";

function isPromise<T>(v: T | Promise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown } | null)?.then === "function";
}

export function unionAuthenticator(...authenticators: Authenticator[]): Authenticator {
  async function rest(req: AuthRequest, from: number, pending: Promise<UserInfo | null>): Promise<UserInfo | null> {
    const first = await pending.catch(() => null);
    if (first) return first;
    for (let i = from; i < authenticators.length; i++) {
      try {
        const u = await authenticators[i]?.authenticate(req);
        if (u) return u;
      } catch {
        // Next one.
      }
    }
    return null;
  }

  return {
    // Stays synchronous while every authenticator asked so far is, which keeps the
    // certificate path free of promise hops.
    authenticate(req: AuthRequest): UserInfo | null | Promise<UserInfo | null> {
      for (let i = 0; i < authenticators.length; i++) {
        let r: UserInfo | null | Promise<UserInfo | null>;
        try {
          r = authenticators[i]?.authenticate(req) ?? null;
        } catch {
          continue;
        }
        if (isPromise(r)) return rest(req, i + 1, r);
        if (r) return r;
      }
      return null;
    },
  };
}
