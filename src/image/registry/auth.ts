/**
 * Registry authentication: `WWW-Authenticate` challenge parsing, the Docker token protocol
 * (bearer tokens from a realm, with basic credentials or an identity token), and the
 * credential keyring built from imagePullSecrets (`.dockerconfigjson` / `.dockercfg`) with
 * the kubelet's matching rules (host globs, port, path prefix; most specific first).
 */
import { DEFAULT_DOMAIN, type ImageReference } from "../reference.js";

export interface Challenge {
  scheme: string; // lower-cased: "bearer", "basic"
  params: Record<string, string>; // keys lower-cased
}

/**
 * Parses a `WWW-Authenticate` header into its challenges. Handles quoted strings with
 * escapes and several challenges in one header (`Bearer realm="a",scope="b", Basic realm="c"`).
 */
export function parseWWWAuthenticate(header: string): Challenge[] {
  const out: Challenge[] = [];
  let i = 0;
  const n = header.length;
  const skipWs = (): void => {
    while (i < n && (header[i] === " " || header[i] === "\t")) i++;
  };
  const readToken = (): string => {
    const start = i;
    while (i < n && !/[\s,=]/.test(header[i]!)) i++;
    return header.slice(start, i);
  };
  while (i < n) {
    skipWs();
    while (i < n && header[i] === ",") { i++; skipWs(); }
    if (i >= n) break;
    const scheme = readToken();
    if (!scheme) { i++; continue; }
    const ch: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    out.push(ch);
    // Parameters until a token that is not followed by '=' (the next scheme).
    for (;;) {
      skipWs();
      while (i < n && header[i] === ",") { i++; skipWs(); }
      if (i >= n) break;
      const save = i;
      const key = readToken();
      skipWs();
      if (header[i] !== "=") { i = save; break; }
      i++;
      skipWs();
      let value = "";
      if (header[i] === '"') {
        i++;
        while (i < n && header[i] !== '"') {
          if (header[i] === "\\" && i + 1 < n) i++;
          value += header[i];
          i++;
        }
        i++;
      } else {
        const start = i;
        while (i < n && header[i] !== ",") i++;
        value = header.slice(start, i).trim();
      }
      ch.params[key.toLowerCase()] = value;
    }
  }
  return out;
}

/** One set of registry credentials. */
export interface Credential {
  username?: string;
  password?: string;
  /** An OAuth2 refresh token (`identitytoken` in a docker config). */
  identityToken?: string;
  /** A bearer token to send as is (`registrytoken`). */
  registryToken?: string;
}

interface KeyringEntry {
  host: string; // may contain '*' labels
  port: string;
  path: string;
  cred: Credential;
}

const HUB_ALIASES = new Set(["index.docker.io", "registry-1.docker.io", "registry.hub.docker.com", "docker.io"]);

function parseKey(key: string): { host: string; port: string; path: string } {
  let k = key.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, "");
  k = k.replace(/\/+$/, "");
  const slash = k.indexOf("/");
  let hostport = slash >= 0 ? k.slice(0, slash) : k;
  let path = slash >= 0 ? k.slice(slash + 1) : "";
  // `https://index.docker.io/v1/` is the historical Docker Hub key; API version segments are no repository.
  if (/^v[12]$/.test(path)) path = "";
  hostport = hostport.toLowerCase();
  let host = hostport;
  let port = "";
  const m = /^(.*?)(?::(\d+))?$/.exec(hostport);
  if (m) { host = m[1]!; port = m[2] ?? ""; }
  if (HUB_ALIASES.has(host) && port === "") host = DEFAULT_DOMAIN;
  return { host, port, path };
}

function hostMatches(pattern: string, host: string): boolean {
  const p = pattern.split(".");
  const h = host.split(".");
  if (p.length !== h.length) return false;
  return p.every((label, idx) => {
    if (!label.includes("*")) return label === h[idx];
    const re = new RegExp("^" + label.split("*").map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("[^.]*") + "$");
    return re.test(h[idx]!);
  });
}

/**
 * Credentials by registry key, looked up for an image the way the kubelet does: every entry
 * whose host glob, port and path prefix match, the most specific first.
 */
export class DockerKeyring {
  private readonly entries: KeyringEntry[] = [];

  add(key: string, cred: Credential): void {
    const { host, port, path } = parseKey(key);
    if (!host) return;
    this.entries.push({ host, port, path, cred });
  }

  get size(): number {
    return this.entries.length;
  }

  /** Candidate credentials for an image, most specific key first (duplicates dropped). */
  lookup(ref: Pick<ImageReference, "domain" | "path">): Credential[] {
    const target = parseKey(`${ref.domain}/${ref.path}`);
    const matches = this.entries.filter((e) => {
      if (!hostMatches(e.host, target.host)) return false;
      if (e.port !== target.port) return false;
      if (e.path === "") return true;
      return target.path === e.path || target.path.startsWith(e.path + "/");
    });
    matches.sort((a, b) => specificity(b) - specificity(a));
    const seen = new Set<string>();
    const out: Credential[] = [];
    for (const m of matches) {
      const k = JSON.stringify(m.cred);
      if (seen.has(k)) continue;
      seen.add(k);
      out.push(m.cred);
    }
    return out;
  }
}

function specificity(e: KeyringEntry): number {
  // Longer keys are more specific; an exact host beats a glob of the same length.
  return (e.host.length + (e.port ? e.port.length + 1 : 0) + (e.path ? e.path.length + 1 : 0)) * 2 + (e.host.includes("*") ? 0 : 1);
}

interface DockerConfigEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
  registrytoken?: string;
  email?: string;
}

/**
 * Adds the registries of a docker config to a keyring. Accepts `.dockerconfigjson`
 * (`{"auths": {...}}`) and legacy `.dockercfg` (the map itself), as a string, a Buffer
 * (Secret data, already base64-decoded) or a parsed object.
 */
export function addDockerConfig(keyring: DockerKeyring, config: string | Buffer | object): void {
  let doc: unknown = config;
  if (typeof config === "string" || Buffer.isBuffer(config)) doc = JSON.parse(config.toString());
  if (typeof doc !== "object" || doc === null) throw new Error("invalid docker config: not an object");
  const obj = doc as Record<string, unknown>;
  const auths = (typeof obj.auths === "object" && obj.auths !== null ? obj.auths : obj) as Record<string, unknown>;
  for (const [key, raw] of Object.entries(auths)) {
    if (typeof raw !== "object" || raw === null) continue;
    const e = raw as DockerConfigEntry;
    const cred: Credential = {};
    if (e.username !== undefined) cred.username = e.username;
    if (e.password !== undefined) cred.password = e.password;
    if (e.auth && cred.username === undefined) {
      const decoded = Buffer.from(e.auth, "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon < 0) throw new Error(`invalid docker config: auth for ${key} is not base64 of user:password`);
      cred.username = decoded.slice(0, colon);
      cred.password = decoded.slice(colon + 1);
    }
    if (e.identitytoken) cred.identityToken = e.identitytoken;
    if (e.registrytoken) cred.registryToken = e.registrytoken;
    keyring.add(key, cred);
  }
}

/** A keyring from several docker configs (the pod's imagePullSecrets, in order). */
export function keyringFromDockerConfigs(configs: ReadonlyArray<string | Buffer | object>): DockerKeyring {
  const k = new DockerKeyring();
  for (const c of configs) addDockerConfig(k, c);
  return k;
}

/** The Secret types that carry docker configs, and the data key each uses. */
export const DOCKER_SECRET_KEYS: Record<string, string> = {
  "kubernetes.io/dockerconfigjson": ".dockerconfigjson",
  "kubernetes.io/dockercfg": ".dockercfg",
};

/** Extracts the docker config from a Secret object (data is base64, as the API returns it). */
export function dockerConfigFromSecret(secret: { type?: string; data?: Record<string, string> }): Buffer | undefined {
  const key = secret.type ? DOCKER_SECRET_KEYS[secret.type] : undefined;
  const b64 = key ? secret.data?.[key] : undefined;
  return b64 === undefined ? undefined : Buffer.from(b64, "base64");
}

export function basicAuthorization(cred: Credential): string | undefined {
  if (cred.username === undefined && cred.password === undefined) return undefined;
  return "Basic " + Buffer.from(`${cred.username ?? ""}:${cred.password ?? ""}`).toString("base64");
}

/** A token from a realm, with the time it stops being usable. */
export interface BearerToken {
  token: string;
  expiresAt: number;
}

export class AuthError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
    this.name = "AuthError";
  }
}

/**
 * Asks a token realm for a bearer token (Docker's token protocol). With an identity token
 * it uses the OAuth2 refresh-token grant; otherwise GET with basic credentials, if any.
 */
export async function fetchBearerToken(
  fetchFn: typeof fetch,
  challenge: Challenge,
  scopes: readonly string[],
  cred: Credential | undefined,
  opts: { userAgent?: string; signal?: AbortSignal } = {},
): Promise<BearerToken> {
  const realm = challenge.params.realm;
  if (!realm) throw new AuthError("bearer challenge without realm");
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    throw new AuthError(`invalid token realm ${JSON.stringify(realm)}`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new AuthError(`unsupported token realm ${realm}`);
  const headers: Record<string, string> = {};
  if (opts.userAgent) headers["user-agent"] = opts.userAgent;
  const service = challenge.params.service;
  let res: Response;
  if (cred?.registryToken) {
    return { token: cred.registryToken, expiresAt: Number.MAX_SAFE_INTEGER };
  }
  if (cred?.identityToken) {
    const form = new URLSearchParams();
    form.set("grant_type", "refresh_token");
    form.set("refresh_token", cred.identityToken);
    form.set("client_id", "timonel");
    if (service) form.set("service", service);
    if (scopes.length) form.set("scope", scopes.join(" "));
    headers["content-type"] = "application/x-www-form-urlencoded";
    res = await fetchFn(url, { method: "POST", headers, body: form.toString(), signal: opts.signal ?? null });
  } else {
    if (service) url.searchParams.set("service", service);
    for (const s of scopes) url.searchParams.append("scope", s);
    const basic = cred ? basicAuthorization(cred) : undefined;
    if (basic) {
      url.searchParams.set("account", cred!.username ?? "");
      headers.authorization = basic;
    }
    res = await fetchFn(url, { headers, signal: opts.signal ?? null });
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new AuthError(`token request to ${url.origin}${url.pathname} failed: ${res.status} ${res.statusText}`, res.status);
  }
  const body = (await res.json()) as { token?: string; access_token?: string; expires_in?: number; issued_at?: string };
  const token = body.token || body.access_token;
  if (!token) throw new AuthError("token response has no token");
  const ttl = typeof body.expires_in === "number" && body.expires_in > 0 ? body.expires_in : 60;
  const issued = body.issued_at ? Date.parse(body.issued_at) : NaN;
  const start = Number.isFinite(issued) && issued <= Date.now() ? issued : Date.now();
  // Renew a little early so a token does not expire between check and use.
  return { token, expiresAt: start + ttl * 1000 - Math.min(10_000, ttl * 100) };
}
