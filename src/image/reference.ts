/**
 * Image references: parsing and normalisation as Docker and the kubelet do them
 * (`nginx` → `docker.io/library/nginx:latest`). This module owns the grammar of
 * `[domain[:port]/]path[:tag][@digest]` and the familiar (short) spelling; it does no I/O.
 */

export const DEFAULT_DOMAIN = "docker.io";
export const LEGACY_DEFAULT_DOMAIN = "index.docker.io";
export const OFFICIAL_REPO_PREFIX = "library/";
export const DEFAULT_TAG = "latest";
const NAME_TOTAL_LENGTH_MAX = 255;

/** Thrown for a string that is not a valid image reference; `message` follows Docker's wording. */
export class InvalidReferenceError extends Error {
  constructor(readonly reference: string, detail?: string) {
    super(detail ? `invalid reference format: ${detail}` : "invalid reference format");
    this.name = "InvalidReferenceError";
  }
}

/** A fully qualified reference: always a domain and a repository path; a tag, a digest or both. */
export interface ImageReference {
  /** Registry host as written, with port (`docker.io`, `localhost:5000`, `[::1]:5000`). */
  readonly domain: string;
  /** Repository path inside the registry (`library/nginx`). */
  readonly path: string;
  readonly tag?: string;
  readonly digest?: string;
}

// The grammar of distribution/reference, written out as regular expressions.
const alnum = "[a-z0-9]+";
const separator = "(?:[._]|__|[-]+)";
const pathComponent = `${alnum}(?:${separator}${alnum})*`;
const domainLabel = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const ipv6 = "\\[(?:[a-fA-F0-9:]+)\\]";
const domainName = `(?:${domainLabel}(?:\\.${domainLabel})*|${ipv6})`;
const domainAndPort = `${domainName}(?::[0-9]+)?`;
const tagPattern = "[\\w][\\w.-]{0,127}";
const digestPattern = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9A-Fa-f]{32,}";

const DOMAIN_RE = new RegExp(`^${domainAndPort}$`);
const PATH_RE = new RegExp(`^${pathComponent}(?:/${pathComponent})*$`);
const TAG_RE = new RegExp(`^${tagPattern}$`);
const DIGEST_RE = new RegExp(`^${digestPattern}$`);
const ANCHORED_ID_RE = /^[a-f0-9]{64}$/;

/**
 * Parses a reference the way `docker pull` and the kubelet do (ParseNormalizedNamed +
 * TagNameOnly): a missing domain becomes docker.io, a single-component Docker Hub path gets
 * `library/`, and a reference with neither tag nor digest gets `:latest` (unless
 * `defaultTag` is false).
 */
export function parseReference(input: string, opts: { defaultTag?: boolean } = {}): ImageReference {
  if (ANCHORED_ID_RE.test(input)) {
    throw new InvalidReferenceError(input, `invalid repository name (${input}), cannot specify 64-byte hexadecimal strings`);
  }
  if (input === "" ) throw new InvalidReferenceError(input);

  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST_RE.test(digest)) throw new InvalidReferenceError(input);
    validateDigest(digest, input);
  }

  // A tag is whatever follows the last ':' after the last '/', so a registry port is not a tag.
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf("/");
  const colon = rest.indexOf(":", lastSlash + 1);
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG_RE.test(tag)) throw new InvalidReferenceError(input);
  }

  const { domain, path } = splitDomain(rest);
  if (path.toLowerCase() !== path) {
    throw new InvalidReferenceError(input, `repository name (${path}) must be lowercase`);
  }
  if (!DOMAIN_RE.test(domain) || !PATH_RE.test(path)) throw new InvalidReferenceError(input);
  if (domain.length + 1 + path.length > NAME_TOTAL_LENGTH_MAX) {
    throw new InvalidReferenceError(input, `repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`);
  }
  if (tag === undefined && digest === undefined && opts.defaultTag !== false) tag = DEFAULT_TAG;
  return { domain, path, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** Like parseReference but returns undefined instead of throwing. */
export function tryParseReference(input: string): ImageReference | undefined {
  try {
    return parseReference(input);
  } catch {
    return undefined;
  }
}

function splitDomain(name: string): { domain: string; path: string } {
  const slash = name.indexOf("/");
  let domain: string;
  let path: string;
  const first = slash >= 0 ? name.slice(0, slash) : "";
  if (
    slash < 0 ||
    (!/[.:]/.test(first) && first !== "localhost" && first.toLowerCase() === first)
  ) {
    domain = DEFAULT_DOMAIN;
    path = name;
  } else {
    domain = first;
    path = name.slice(slash + 1);
  }
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !path.includes("/")) path = OFFICIAL_REPO_PREFIX + path;
  return { domain, path };
}

function validateDigest(digest: string, input: string): void {
  const [alg, hex] = digest.split(":", 2) as [string, string];
  if (alg === "sha256" && !/^[a-f0-9]{64}$/.test(hex)) throw new InvalidReferenceError(input);
  if (alg === "sha512" && !/^[a-f0-9]{128}$/.test(hex)) throw new InvalidReferenceError(input);
}

/** `domain/path` without tag or digest. */
export function repositoryName(ref: ImageReference): string {
  return `${ref.domain}/${ref.path}`;
}

/** The canonical string: `docker.io/library/nginx:latest`, `host/x@sha256:...`. */
export function formatReference(ref: ImageReference): string {
  let s = repositoryName(ref);
  if (ref.tag !== undefined) s += `:${ref.tag}`;
  if (ref.digest !== undefined) s += `@${ref.digest}`;
  return s;
}

/** The short spelling Docker prints: `nginx:latest`, `someuser/app:1`, `localhost:5000/x:y`. */
export function familiarString(ref: ImageReference): string {
  let name = repositoryName(ref);
  if (ref.domain === DEFAULT_DOMAIN) {
    name = ref.path.startsWith(OFFICIAL_REPO_PREFIX) ? ref.path.slice(OFFICIAL_REPO_PREFIX.length) : ref.path;
  }
  if (ref.tag !== undefined) name += `:${ref.tag}`;
  if (ref.digest !== undefined) name += `@${ref.digest}`;
  return name;
}

/** Normalises any accepted spelling to the canonical string (the form the store indexes). */
export function normalizeReference(input: string): string {
  return formatReference(parseReference(input));
}

/** The name-and-tag form (`docker.io/library/nginx:1.27`), or undefined for a digest-only reference. */
export function taggedName(ref: ImageReference): string | undefined {
  return ref.tag === undefined ? undefined : `${repositoryName(ref)}:${ref.tag}`;
}

/** The name-and-digest form (`docker.io/library/nginx@sha256:...`), for repoDigests. */
export function digestedName(ref: ImageReference, digest: string): string {
  return `${repositoryName(ref)}@${digest}`;
}

/** True when the registry host is loopback, where plain HTTP is allowed (as Docker allows for localhost). */
export function isLoopbackRegistry(domain: string): boolean {
  const host = hostOf(domain);
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** The host of `host[:port]` or `[v6]:port`, without the port or brackets. */
export function hostOf(domain: string): string {
  if (domain.startsWith("[")) return domain.slice(1, domain.indexOf("]"));
  const colon = domain.lastIndexOf(":");
  return colon >= 0 ? domain.slice(0, colon) : domain;
}

/** The HTTP(S) base URL of a registry's API: Docker Hub's lives at registry-1.docker.io. */
export function registryBaseURL(domain: string): string {
  if (domain === DEFAULT_DOMAIN) return "https://registry-1.docker.io";
  return `${isLoopbackRegistry(domain) ? "http" : "https"}://${domain}`;
}
