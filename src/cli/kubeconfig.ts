/**
 * Kubeconfig files: building one for the cluster's admin, writing it safely (0600, atomic),
 * and merging it into a file the user already has without disturbing their other clusters.
 * Merging edits the parsed YAML document, so comments and foreign entries survive.
 */
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import type { Document, YAMLMap, YAMLSeq } from "yaml";

/** `yaml` is needed only to merge into a user's file; plain writes stay off the start-up path. */
let yamlModule: typeof import("yaml") | undefined;
function yamlLib(): typeof import("yaml") {
  return (yamlModule ??= createRequire(import.meta.url)("yaml") as typeof import("yaml"));
}

export interface KubeconfigCluster {
  name: string;
  cluster: {
    server: string;
    "certificate-authority-data"?: string;
    "certificate-authority"?: string;
    "insecure-skip-tls-verify"?: boolean;
    "tls-server-name"?: string;
  };
}

export interface KubeconfigUser {
  name: string;
  user: {
    "client-certificate-data"?: string;
    "client-key-data"?: string;
    token?: string;
  };
}

export interface KubeconfigContext {
  name: string;
  context: { cluster: string; user: string; namespace?: string };
}

export interface Kubeconfig {
  apiVersion: "v1";
  kind: "Config";
  preferences: Record<string, never>;
  clusters: KubeconfigCluster[];
  users: KubeconfigUser[];
  contexts: KubeconfigContext[];
  "current-context": string;
}

export interface BuildKubeconfigOptions {
  server: string;
  caPem: string;
  /** A client certificate and key, or `token`, or both. */
  clientCertPem?: string;
  clientKeyPem?: string;
  token?: string;
  clusterName?: string;
  userName?: string;
  contextName?: string;
  namespace?: string;
}

/** kubectl's own layout: list items flush with their key. */
const YAML_STYLE = { indentSeq: false } as const;

const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");

export function buildKubeconfig(opts: BuildKubeconfigOptions): Kubeconfig {
  const clusterName = opts.clusterName ?? "timonel";
  const userName = opts.userName ?? "timonel-admin";
  const contextName = opts.contextName ?? "timonel";
  if ((opts.clientCertPem === undefined) !== (opts.clientKeyPem === undefined)) {
    throw new Error("a kubeconfig user needs both a client certificate and its key");
  }
  if (opts.clientCertPem === undefined && opts.token === undefined) {
    throw new Error("a kubeconfig user needs a client certificate or a token");
  }
  const user: KubeconfigUser["user"] = {};
  if (opts.clientCertPem !== undefined && opts.clientKeyPem !== undefined) {
    user["client-certificate-data"] = b64(opts.clientCertPem);
    user["client-key-data"] = b64(opts.clientKeyPem);
  }
  if (opts.token !== undefined) user.token = opts.token;
  const context: KubeconfigContext["context"] = { cluster: clusterName, user: userName };
  if (opts.namespace) context.namespace = opts.namespace;
  return {
    apiVersion: "v1",
    kind: "Config",
    preferences: {},
    clusters: [{ name: clusterName, cluster: { server: opts.server, "certificate-authority-data": b64(opts.caPem) } }],
    users: [{ name: userName, user }],
    contexts: [{ name: contextName, context }],
    "current-context": contextName,
  };
}

/** Writes `config` to `file` (replacing it), mode 0600, creating parent folders. */
export async function writeKubeconfig(file: string, config: Kubeconfig): Promise<void> {
  await writeSecretFile(file, renderYaml(config));
}

/**
 * YAML for the kubeconfig's plain shape (maps, lists of maps, scalars), in kubectl's layout.
 * Scalars are written as JSON strings, which YAML reads verbatim, so no quoting rule is
 * needed. It keeps the `yaml` library off `timonel up`'s start-up path.
 */
export function renderYaml(value: unknown, indent = ""): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]\n";
    return value.map((item) => {
      const body = renderYaml(item, `${indent}  `);
      return `${indent}- ${body.slice(indent.length + 2)}`;
    }).join("");
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return "{}\n";
    return entries.map(([k, v]) => {
      const key = `${indent}${/^[A-Za-z][A-Za-z0-9_.-]*$/.test(k) ? k : JSON.stringify(k)}:`;
      if (Array.isArray(v) && v.length > 0) return `${key}\n${renderYaml(v, indent)}`;
      if (v !== null && typeof v === "object" && Object.keys(v).length > 0) return `${key}\n${renderYaml(v, `${indent}  `)}`;
      return `${key} ${renderYaml(v, indent)}`;
    }).join("");
  }
  return `${JSON.stringify(value)}\n`;
}

/**
 * Merges `config` into the kubeconfig at `file`: entries with the same names are replaced,
 * everything else is kept, and current-context becomes ours. A missing or empty file is
 * simply written. A file that is not a kubeconfig is refused and left untouched.
 */
export async function mergeKubeconfig(file: string, config: Kubeconfig): Promise<void> {
  const target = await resolveLink(file);
  let text: string;
  try {
    text = await fs.readFile(target, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return writeKubeconfig(file, config);
    throw e;
  }
  if (text.trim() === "") return writeKubeconfig(file, config);

  const doc = yamlLib().parseDocument(text);
  const refuse = (why: string): Error =>
    new Error(`cannot merge into ${file}: ${why}. It was left unchanged; fix it, move it aside, or write the kubeconfig to another path`);
  if (doc.errors.length > 0) throw refuse(`it is not valid YAML (${firstLine(doc.errors[0]?.message ?? "parse error")})`);
  if (doc.contents === null) return writeKubeconfig(file, config);
  if (!yamlLib().isMap(doc.contents)) throw refuse("it is not a kubeconfig (the top level is not a mapping)");
  const root = doc.contents as unknown as YAMLMap<unknown, unknown>;
  const kind = root.get("kind");
  if (kind !== undefined && kind !== null && kind !== "Config") throw refuse(`it is not a kubeconfig (kind is ${JSON.stringify(kind)})`);

  for (const key of ["clusters", "users", "contexts"] as const) {
    const existing = root.get(key, true);
    if (existing !== undefined && existing !== null && !yamlLib().isSeq(existing) && !isNullScalar(existing)) {
      throw refuse(`its "${key}" is not a list`);
    }
  }
  if (!root.has("apiVersion")) root.set("apiVersion", "v1");
  if (!root.has("kind")) root.set("kind", "Config");
  upsertNamed(doc, root, "clusters", config.clusters);
  upsertNamed(doc, root, "users", config.users);
  upsertNamed(doc, root, "contexts", config.contexts);
  root.set("current-context", config["current-context"]);
  await writeSecretFile(file, doc.toString(YAML_STYLE));
}

function isNullScalar(node: unknown): boolean {
  return typeof node === "object" && node !== null && "value" in node && (node as { value: unknown }).value === null;
}

function upsertNamed(doc: Document.Parsed, root: YAMLMap<unknown, unknown>, key: string, entries: { name: string }[]): void {
  const existing = root.get(key, true);
  let list: YAMLSeq;
  if (yamlLib().isSeq(existing)) {
    list = existing;
  } else {
    list = doc.createNode([]) as YAMLSeq;
    root.set(key, list);
  }
  for (const entry of entries) {
    const node = doc.createNode(entry);
    const at = list.items.findIndex((item) => yamlLib().isMap(item) && item.get("name") === entry.name);
    if (at >= 0) list.items[at] = node;
    else list.items.push(node);
  }
}

function firstLine(s: string): string {
  return (s.split("\n")[0] ?? s).replace(/:\s*$/, "");
}

/** Follows a symlinked kubeconfig (dotfile managers do that) so the link itself survives. */
async function resolveLink(file: string): Promise<string> {
  try {
    return await fs.realpath(file);
  } catch {
    return file;
  }
}

async function writeSecretFile(file: string, data: string): Promise<void> {
  const target = await resolveLink(file);
  await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`);
  try {
    await fs.writeFile(tmp, data, { mode: 0o600, flag: "wx" });
    await fs.chmod(tmp, 0o600);
    await fs.rename(tmp, target);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}
