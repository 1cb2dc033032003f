/**
 * Reading a kubeconfig into HTTPS transport options: the current (or a named) context, its
 * cluster (server, CA as data or file, insecure-skip-tls-verify, tls-server-name) and its
 * user (client certificate and key as data or files, token or tokenFile). Relative file
 * paths are relative to the kubeconfig's folder, as kubectl resolves them.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { isPlainObject } from "../machinery/object.js";
import type { HttpsTransportOptions } from "./https.js";

export interface KubeconfigTransportOptions extends HttpsTransportOptions {
  /** The context's default namespace, when it names one. */
  namespace?: string;
}

type Entry = Record<string, unknown>;

function named(list: unknown, name: string, what: string, file: string): Entry {
  const hit = Array.isArray(list) ? list.find((e) => isPlainObject(e) && e.name === name) : undefined;
  if (!isPlainObject(hit)) throw new Error(`${file}: no ${what} named "${name}"`);
  const inner = hit[what];
  if (!isPlainObject(inner)) throw new Error(`${file}: ${what} "${name}" has no ${what} section`);
  return inner;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

/** Loaded on first use: `timonel up` imports this module but never reads a kubeconfig, and `yaml` costs ~25 ms to load. */
let yamlParse: typeof import("yaml").parse | undefined;

export function kubeconfigTransportOptions(file: string, context?: string): KubeconfigTransportOptions {
  yamlParse ??= (createRequire(import.meta.url)("yaml") as typeof import("yaml")).parse;
  const doc: unknown = yamlParse(readFileSync(file, "utf8"));
  if (!isPlainObject(doc)) throw new Error(`${file}: not a kubeconfig`);
  const ctxName = context ?? str(doc["current-context"]);
  if (!ctxName) throw new Error(`${file}: no current-context`);
  const ctx = named(doc.contexts, ctxName, "context", file);
  const cluster = named(doc.clusters, String(ctx.cluster ?? ""), "cluster", file);
  const user = ctx.user === undefined ? {} : named(doc.users, String(ctx.user), "user", file);
  const dir = path.dirname(path.resolve(file));
  const fromFile = (p: string | undefined): string | undefined => (p ? readFileSync(path.resolve(dir, p), "utf8") : undefined);
  const fromData = (d: string | undefined): string | undefined => (d ? Buffer.from(d, "base64").toString("utf8") : undefined);

  const server = str(cluster.server);
  if (!server) throw new Error(`${file}: cluster "${String(ctx.cluster)}" has no server`);
  const out: KubeconfigTransportOptions = {
    server,
    ca: fromData(str(cluster["certificate-authority-data"])) ?? fromFile(str(cluster["certificate-authority"])),
    cert: fromData(str(user["client-certificate-data"])) ?? fromFile(str(user["client-certificate"])),
    key: fromData(str(user["client-key-data"])) ?? fromFile(str(user["client-key"])),
    token: str(user.token) ?? fromFile(str(user.tokenFile))?.trim(),
  };
  if (cluster["insecure-skip-tls-verify"] === true) out.insecureSkipTlsVerify = true;
  const sni = str(cluster["tls-server-name"]);
  if (sni) out.tlsServerName = sni;
  const ns = str(ctx.namespace);
  if (ns) out.namespace = ns;
  return out;
}
