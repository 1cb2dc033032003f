/**
 * OpenAPI v3, as upstream's kube-openapi serves it: `GET /openapi/v3` lists one document per
 * group/version with a content hash in its URL, and each document is served at that hashed
 * URL as immutable, so a warm kubectl only re-fetches the index. Documents are derived from
 * the resource definitions and the schema set, built on first request and cached.
 */
import { createHash } from "node:crypto";
import type { ResourceDef } from "../../machinery/resource.js";
import type { SchemaNode, SchemaSet } from "../../machinery/schema.js";
import { reachable, schemasJson } from "./components.js";
import { basePath, buildPaths, metaDefinitions, scaleDefinition, type GVK } from "./paths.js";

export { served } from "./components.js";
export { groupWord, tagOf } from "./paths.js";

export interface OpenAPIResponse {
  status: number;
  headers: Record<string, string>;
  body?: Buffer;
}

interface Document {
  body: Buffer;
  /** Upstream's form: upper-case hex SHA-512 of the document bytes. */
  hash: string;
}

const v3Prefix = "/openapi/v3";

function sha512Hex(data: Buffer): string {
  return createHash("sha512").update(data).digest("hex").toUpperCase();
}

/** "api/v1" or "apis/apps/v1": the key of a group/version in the index. */
export function groupVersionKey(group: string, version: string): string {
  return basePath(group, version).slice(1);
}

function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(",").some((t) => {
    const v = t.trim().replace(/^W\//, "");
    return v === "*" || v === etag;
  });
}

const securitySchemes = JSON.stringify({ BearerToken: { description: "Bearer Token authentication", in: "header", name: "authorization", type: "apiKey" } });

export class OpenAPIV3 {
  private readonly byGroupVersion = new Map<string, { group: string; version: string; resources: ResourceDef[] }>();
  private readonly documents = new Map<string, Document>();
  private indexCache: Document | undefined;
  private gvkIndex: Map<string, string> | undefined;

  constructor(
    resources: ResourceDef[],
    private readonly schemas: SchemaSet,
  ) {
    for (const r of resources) {
      const key = groupVersionKey(r.group, r.version);
      let gv = this.byGroupVersion.get(key);
      if (!gv) {
        gv = { group: r.group, version: r.version, resources: [] };
        this.byGroupVersion.set(key, gv);
      }
      gv.resources.push(r);
    }
  }

  /** Index keys ("api/v1", "apis/apps/v1", ...), sorted. */
  groupVersions(): string[] {
    return [...this.byGroupVersion.keys()].sort();
  }

  /** The body of `GET /openapi/v3`. Building it hashes (so builds) every document. */
  index(): Document {
    if (!this.indexCache) {
      const paths: Record<string, { serverRelativeURL: string }> = {};
      for (const key of this.groupVersions()) paths[key] = { serverRelativeURL: `${v3Prefix}/${key}?hash=${this.document(key)!.hash}` };
      const body = Buffer.from(JSON.stringify({ paths }));
      this.indexCache = { body, hash: sha512Hex(body) };
    }
    return this.indexCache;
  }

  /** The document of one group/version ("apis/apps/v1"), or undefined if none is served. */
  document(key: string): Document | undefined {
    const cached = this.documents.get(key);
    if (cached) return cached;
    const gv = this.byGroupVersion.get(key);
    if (!gv) return undefined;
    const doc = this.build(gv.group, gv.version, gv.resources);
    this.documents.set(key, doc);
    return doc;
  }

  /** The decoded document, for tests and tools. */
  documentObject(key: string): Record<string, unknown> | undefined {
    const d = this.document(key);
    return d ? (JSON.parse(d.body.toString("utf8")) as Record<string, unknown>) : undefined;
  }

  /**
   * Serves `/openapi/v3` and `/openapi/v3/<group-version>`; undefined for any other path,
   * including group/versions not served (the caller answers those with its 404).
   * A stale `hash` is redirected (301) to the current one, as upstream does.
   */
  handle(path: string, query: URLSearchParams, ifNoneMatch?: string): OpenAPIResponse | undefined {
    const p = "/" + path.replace(/^\/+/, "").replace(/\/+$/, "");
    if (p === v3Prefix) {
      const idx = this.index();
      const etag = `"${idx.hash}"`;
      const headers = { "content-type": "application/json", etag, "cache-control": "no-cache, private" };
      return etagMatches(ifNoneMatch, etag) ? { status: 304, headers } : { status: 200, headers, body: idx.body };
    }
    if (!p.startsWith(v3Prefix + "/")) return undefined;
    const key = p.slice(v3Prefix.length + 1);
    const doc = this.document(key);
    // An unknown group/version falls through to the server's own 404.
    if (!doc) return undefined;
    const asked = query.get("hash");
    if (asked && asked !== doc.hash) {
      const location = `${v3Prefix}/${key}?hash=${doc.hash}`;
      return {
        status: 301,
        headers: { location, "content-type": "text/html; charset=utf-8", "cache-control": "no-cache, private" },
        body: Buffer.from(`<a href="${location}">Moved Permanently</a>.\n\n`),
      };
    }
    const etag = `"${doc.hash}"`;
    const headers: Record<string, string> = { "content-type": "application/json", etag, vary: "Accept" };
    if (asked) {
      headers["cache-control"] = "public, immutable";
      headers.expires = new Date(Date.now() + 365 * 24 * 3600 * 1000).toUTCString();
    } else headers["cache-control"] = "no-cache, private";
    return etagMatches(ifNoneMatch, etag) ? { status: 304, headers } : { status: 200, headers, body: doc.body };
  }

  /** The definition whose x-kubernetes-group-version-kind names this kind. */
  definitionOf(gvk: GVK): string | undefined {
    if (!this.gvkIndex) {
      const idx = new Map<string, string>();
      for (const [name, def] of Object.entries(this.schemas.definitions)) {
        for (const k of def["x-kubernetes-group-version-kind"] ?? []) {
          const key = `${k.group}/${k.version}/${k.kind}`;
          if (!idx.has(key)) idx.set(key, name);
        }
      }
      this.gvkIndex = idx;
    }
    return this.gvkIndex.get(`${gvk.group}/${gvk.version}/${gvk.kind}`);
  }

  private build(group: string, version: string, resources: ResourceDef[]): Document {
    const paths = buildPaths(group, version, resources, { schemas: this.schemas, definitionOf: (gvk) => this.definitionOf(gvk) });
    const roots = new Set<string>(Object.values(metaDefinitions));
    const placeholders: Record<string, SchemaNode> = {};
    for (const r of resources) {
      roots.add(r.schema);
      roots.add(`${r.schema}List`);
      if (r.subresources?.scale) roots.add(scaleDefinition);
      for (const o of r.subresources?.others ?? []) {
        const name = this.definitionOf({ group: o.group ?? r.group, version: o.version ?? r.version, kind: o.kind });
        if (name) roots.add(name);
      }
      // A kind without a schema still gets a definition, so that its $refs resolve and kubectl
      // finds its GVK.
      if (!this.schemas.get(r.schema)) {
        placeholders[r.schema] = {
          description: `${r.kind} (no schema is published for this kind).`,
          type: "object",
          "x-kubernetes-preserve-unknown-fields": true,
          "x-kubernetes-group-version-kind": [{ group: r.group, kind: r.kind, version: r.version }],
        };
      }
    }
    const names = reachable(roots, this.schemas);
    let components = schemasJson(names, this.schemas);
    for (const [name, def] of Object.entries(placeholders)) components += `${components ? "," : ""}${JSON.stringify(name)}:${JSON.stringify(def)}`;
    const text =
      `{"components":{"schemas":{${components}},"securitySchemes":${securitySchemes}},` +
      `"info":{"title":"Kubernetes","version":"unversioned"},"openapi":"3.0.0",` +
      `"paths":${JSON.stringify(paths)},"security":[{"BearerToken":[]}]}`;
    const body = Buffer.from(text);
    return { body, hash: sha512Hex(body) };
  }
}

/** The OpenAPI v3 service for these resources; nothing is built until it is asked for. */
export function buildOpenAPI(resources: ResourceDef[], schemas: SchemaSet): OpenAPIV3 {
  return new OpenAPIV3(resources, schemas);
}
