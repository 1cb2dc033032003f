/**
 * Client-certificate authentication: CN is the user name, each O a group, as upstream's
 * x509 authenticator maps them. The TLS layer (requestCert: true, rejectUnauthorized:
 * false) has already checked the chain against the server's `ca`; this authenticator also
 * requires the leaf to be issued by its own CA bundle, in date, and meant for client auth.
 */
import { X509Certificate } from "node:crypto";
import type { Authenticator, AuthRequest, UserInfo } from "./types.js";
import { withAuthenticatedGroup } from "./types.js";

const EKU_CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
const EKU_ANY = "2.5.29.37.0";
const CACHE_LIMIT = 1024;

export interface X509AuthenticatorOptions {
  /** The clock, for tests. */
  now?: () => number;
}

interface Verified {
  user: UserInfo | null;
  notBefore: number;
  notAfter: number;
}

function splitPemBundle(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const certs = blocks.map((b) => new X509Certificate(b));
  if (certs.length === 0) throw new Error("x509 authenticator: the CA bundle holds no PEM certificate");
  return certs;
}

function values(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

export function x509Authenticator(caPem: string, opts: X509AuthenticatorOptions = {}): Authenticator {
  const cas = splitPemBundle(caPem);
  const now = opts.now ?? Date.now;
  // Keyed by the leaf's SHA-256 fingerprint: clients reconnect with the same certificate.
  const cache = new Map<string, Verified>();

  function verify(req: AuthRequest): Verified | null {
    const cert = req.tls?.certificate;
    if (!cert?.raw) return null;
    const key = cert.fingerprint256 || cert.raw.toString("base64");
    const hit = cache.get(key);
    if (hit) return hit;

    let leaf: X509Certificate;
    try {
      leaf = new X509Certificate(cert.raw);
    } catch {
      return null;
    }
    const issuedByUs = cas.some((ca) => leaf.checkIssued(ca) && leaf.verify(ca.publicKey));
    const eku = leaf.keyUsage; // Node names the extended key usage list `keyUsage`.
    const forClients = eku === undefined || eku.includes(EKU_CLIENT_AUTH) || eku.includes(EKU_ANY);
    // Node's own subject parsing: repeated attributes come back as arrays.
    const subject = cert.subject as unknown as Record<string, string | string[] | undefined>;
    const cns = values(subject.CN);
    // With several CNs Go keeps the last one.
    const username = cns[cns.length - 1] ?? "";
    const user = issuedByUs && forClients && !leaf.ca && username !== ""
      ? { username, groups: withAuthenticatedGroup(values(subject.O)) }
      : null;
    const verified = { user, notBefore: Date.parse(leaf.validFrom), notAfter: Date.parse(leaf.validTo) };
    if (cache.size >= CACHE_LIMIT) {
      const oldest = cache.keys().next().value;
      if (oldest !== undefined) cache.delete(oldest);
    }
    cache.set(key, verified);
    return verified;
  }

  return {
    authenticate(req: AuthRequest): UserInfo | null {
      const tls = req.tls;
      // A chain the TLS layer could not verify against the server's CAs is never accepted.
      if (!tls || !tls.authorized) return null;
      const v = verify(req);
      if (!v?.user) return null;
      const t = now();
      if (t < v.notBefore || t > v.notAfter) return null;
      return { username: v.user.username, groups: [...v.user.groups] };
    },
  };
}
