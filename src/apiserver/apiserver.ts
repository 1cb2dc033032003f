/**
 * The API server's transport-independent core: one `handle(request)` that routes a request
 * to discovery, OpenAPI, health, or a verb handler over the generic store, and turns every
 * failure into a Kubernetes Status. The HTTPS front end and the in-process transport both
 * call it, so every request runs the same chain.
 */
import { errors, StatusError } from "../machinery/errors.js";
import { verbsOf, type ResourceDef, type Verb } from "../machinery/resource.js";
import type { KubeObject } from "../machinery/object.js";
import { Discovery, aggregatedV2Beta1ContentType, aggregatedV2ContentType, wantsAggregated } from "./discovery/discovery.js";
import { parseRequestInfo, type ResourceRequestInfo } from "./request-info.js";
import { jsonResponse, type ApiRequest, type ApiResponse } from "./types.js";
import type { HandlerContext, ServerSeams } from "./handlers/context.js";
import { handleGet } from "./handlers/get.js";
import { handleList } from "./handlers/list.js";
import { handleWatch } from "./handlers/watch.js";
import { handleCreate } from "./handlers/create.js";
import { handleUpdate } from "./handlers/update.js";
import { handlePatch } from "./handlers/patch.js";
import { handleDelete } from "./handlers/delete.js";
import { handleDeleteCollection } from "./handlers/deletecollection.js";
import { handleScale } from "./handlers/scale.js";
import { decodeObjectBody } from "./handlers/body.js";
import { parseBool } from "./handlers/respond.js";

export interface OpenAPIServer {
  handle(path: string, query: URLSearchParams, ifNoneMatch?: string): { status: number; headers: Record<string, string>; body?: Buffer | string } | undefined;
}

/** Answers a create on a kind that is computed, not stored (access reviews, token requests...). */
export type VirtualCreate = (ctx: HandlerContext, obj: KubeObject) => Promise<KubeObject> | KubeObject;

/** Serves a subresource that a later component owns (pods/log, pods/binding, pods/eviction...). */
export type SubresourceHandler = (ctx: HandlerContext) => Promise<ApiResponse>;

export interface ApiServerOptions extends ServerSeams {
  openapi?: OpenAPIServer;
  /** `gitVersion` reported by /version. */
  gitVersion?: string;
  /** Readiness checks by name for /readyz (all must pass). */
  readyChecks?: Record<string, () => boolean>;
}

export const serverVersion = (gitVersion: string) => ({
  major: "1",
  minor: "32",
  gitVersion,
  gitCommit: "0000000000000000000000000000000000000000",
  gitTreeState: "clean",
  buildDate: "2026-01-01T00:00:00Z",
  goVersion: `node${process.versions.node}`,
  compiler: "timonel",
  platform: `${process.platform}/${process.arch === "x64" ? "amd64" : process.arch}`,
});

export class ApiServer {
  readonly discovery: Discovery;
  private readonly virtualCreates = new Map<string, VirtualCreate>();
  private readonly subresources = new Map<string, SubresourceHandler>();
  private readonly version: string;

  constructor(private readonly opts: ApiServerOptions) {
    this.discovery = new Discovery(opts.registry);
    this.version = JSON.stringify(serverVersion(opts.gitVersion ?? "v1.32.0-timonel"));
  }

  /** Registers a computed kind's create (key: `group/version/plural`). */
  addVirtualCreate(group: string, version: string, plural: string, fn: VirtualCreate): void {
    this.virtualCreates.set(`${group}/${version}/${plural}`, fn);
  }

  /** Registers a subresource handler (key: `group/version/plural/subresource`, any method). */
  addSubresource(group: string, version: string, plural: string, subresource: string, fn: SubresourceHandler): void {
    this.subresources.set(`${group}/${version}/${plural}/${subresource}`, fn);
  }

  async handle(req: ApiRequest): Promise<ApiResponse> {
    try {
      return await this.route(req);
    } catch (err) {
      return errorResponse(err);
    }
  }

  private async route(req: ApiRequest): Promise<ApiResponse> {
    const info = parseRequestInfo(req.path);
    if (!info.isResource) return this.nonResource(req);
    const def = this.opts.registry.lookup(info.group, info.version, info.resource);
    if (!def) throw errors.notFoundPath(req.path);
    if (def.namespaced && info.resource !== "namespaces" && info.namespace === undefined && req.method !== "GET") {
      if (req.method !== "POST" || info.name) throw errors.notFoundPath(req.path);
      throw errors.methodNotAllowed(`the server does not allow this method on the requested resource`);
    }
    if (!def.namespaced && info.namespace !== undefined && info.resource !== "namespaces") throw errors.notFoundPath(req.path);
    // The seams are inherited rather than copied: spreading them into every request's
    // context costs more than the rest of routing.
    const ctx = Object.create(this.opts) as HandlerContext;
    ctx.req = req;
    ctx.info = info;
    ctx.def = def;
    ctx.warnings = [];
    if (info.subresource) return this.subresource(ctx, def, info);
    const verb = verbFor(req, info);
    if (!verbsOf(def).includes(verb) && !(verb === "create" && this.virtualCreates.has(keyOf(def)))) {
      throw errors.methodNotAllowed(`the server does not allow this method on the requested resource`);
    }
    switch (verb) {
      case "get": return handleGet(ctx);
      case "list": return handleList(ctx);
      case "watch": return handleWatch(ctx);
      case "create": {
        const virtual = this.virtualCreates.get(keyOf(def));
        if (virtual) {
          const obj = await decodeObjectBody(ctx);
          return jsonResponse(201, await virtual(ctx, obj));
        }
        return handleCreate(ctx);
      }
      case "update": return handleUpdate(ctx);
      case "patch": return handlePatch(ctx);
      case "delete": return handleDelete(ctx);
      case "deletecollection": return handleDeleteCollection(ctx);
    }
  }

  private async subresource(ctx: HandlerContext, def: ResourceDef, info: ResourceRequestInfo): Promise<ApiResponse> {
    const custom = this.subresources.get(`${keyOf(def)}/${info.subresource}`);
    if (custom) return custom(ctx);
    const m = ctx.req.method;
    if (info.subresource === "status" && def.subresources?.status) {
      if (m === "GET") return handleGet(ctx);
      if (m === "PUT") return handleUpdate(ctx);
      if (m === "PATCH") return handlePatch(ctx);
      throw errors.methodNotAllowed("the server does not allow this method on the requested resource");
    }
    if (info.subresource === "scale" && def.subresources?.scale) {
      if (m === "GET") return handleScale(ctx, "get");
      if (m === "PUT") return handleScale(ctx, "update");
      if (m === "PATCH") return handleScale(ctx, "patch");
      throw errors.methodNotAllowed("the server does not allow this method on the requested resource");
    }
    if (info.subresource === "finalize" && def.kind === "Namespace" && def.group === "" && m === "PUT") {
      // namespaces/finalize writes spec.finalizers only (the namespace controller's last step).
      const body = await decodeObjectBody(ctx);
      const { object } = await ctx.store.update(def, undefined, info.name!, (live) => {
        live.spec = { ...(live.spec as object | undefined), finalizers: (body.spec as { finalizers?: string[] } | undefined)?.finalizers ?? [] };
        delete live.metadata.resourceVersion;
        return live;
      }, { subresource: "finalize" });
      return jsonResponse(200, object);
    }
    throw errors.notFoundPath(ctx.req.path);
  }

  private nonResource(req: ApiRequest): ApiResponse {
    const p = req.path.replace(/\/+$/, "") || "/";
    if (req.method !== "GET" && req.method !== "HEAD") {
      // Unknown paths are 404 whatever the method; known read-only ones refuse other methods.
      const readable = this.nonResourceGet({ ...req, method: "GET" });
      if (readable.status === 404) return readable;
      throw errors.methodNotAllowed(`the server does not allow this method on ${p}`);
    }
    return this.nonResourceGet(req);
  }

  private nonResourceGet(req: ApiRequest): ApiResponse {
    try {
      return this.nonResourceRead(req);
    } catch (err) {
      return errorResponse(err);
    }
  }

  private nonResourceRead(req: ApiRequest): ApiResponse {
    const p = req.path.replace(/\/+$/, "") || "/";
    if (p === "/version") return { status: 200, headers: { "content-type": "application/json" }, body: this.version };
    if (p.startsWith("/healthz/") || p.startsWith("/livez/")) return text(200, "ok");
    if (p === "/readyz" || p.startsWith("/readyz/") || p === "/livez" || p === "/healthz") {
      const kind = p.split("/")[1]!;
      const checks = Object.entries({ ping: () => true, ...(kind === "readyz" ? this.opts.readyChecks : {}) });
      const results = checks.map(([n, ok]) => [n, ok()] as const);
      const failing = results.filter(([, ok]) => !ok).map(([n]) => n);
      if (!req.query.has("verbose")) return failing.length ? text(500, `${kind} check failed`) : text(200, "ok");
      const lines = results.map(([n, ok]) => (ok ? `[+]${n} ok` : `[-]${n} failed: reason withheld`));
      lines.push(failing.length ? `${kind} check failed` : `${kind} check passed`);
      return text(failing.length ? 500 : 200, `${lines.join("\n")}\n`);
    }
    if (p === "/openapi/v2") return openapiV2(req.headers.accept);
    const d = this.discovery;
    const agg = wantsAggregated(req.headers.accept);
    if (p === "/api") {
      if (agg) return { status: 200, headers: { "content-type": agg === "v2" ? aggregatedV2ContentType : aggregatedV2Beta1ContentType }, body: d.aggregated(true, agg) };
      return { status: 200, headers: { "content-type": "application/json" }, body: d.coreVersions() };
    }
    if (p === "/apis") {
      if (agg) return { status: 200, headers: { "content-type": agg === "v2" ? aggregatedV2ContentType : aggregatedV2Beta1ContentType }, body: d.aggregated(false, agg) };
      return { status: 200, headers: { "content-type": "application/json" }, body: d.groupList() };
    }
    const parts = p.split("/").filter(Boolean);
    if (parts[0] === "api" && parts.length === 2) {
      const body = d.resourceList("", parts[1]!);
      if (body) return { status: 200, headers: { "content-type": "application/json" }, body };
    }
    if (parts[0] === "apis" && parts.length === 2) {
      const body = d.group(parts[1]!);
      if (body) return { status: 200, headers: { "content-type": "application/json" }, body };
    }
    if (parts[0] === "apis" && parts.length === 3) {
      const body = d.resourceList(parts[1]!, parts[2]!);
      if (body) return { status: 200, headers: { "content-type": "application/json" }, body };
    }
    if (parts[0] === "openapi" && this.opts.openapi) {
      const r = this.opts.openapi.handle(p, req.query, req.headers["if-none-match"]);
      if (r) return r;
    }
    throw errors.notFoundPath(p);
  }
}

function keyOf(def: ResourceDef): string {
  return `${def.group}/${def.version}/${def.plural}`;
}

function verbFor(req: ApiRequest, info: ResourceRequestInfo): Verb {
  switch (req.method) {
    case "GET":
    case "HEAD":
      if (info.name) return "get";
      return parseBool(req.query.get("watch")) ? "watch" : "list";
    case "POST":
      if (info.name) throw errors.methodNotAllowed("POST is not allowed on a named object; use PUT or PATCH");
      return "create";
    case "PUT":
      if (!info.name) throw errors.methodNotAllowed("PUT needs an object name in the path");
      return "update";
    case "PATCH":
      if (!info.name) throw errors.methodNotAllowed("PATCH needs an object name in the path");
      return "patch";
    case "DELETE":
      return info.name ? "delete" : "deletecollection";
    default:
      throw errors.methodNotAllowed(`method ${req.method} is not allowed`);
  }
}

/**
 * `/openapi/v2`: kubectl falls back to it to validate a manifest whose group/version the v3
 * index lacks (a removed API version). An empty document makes kubectl report upstream's
 * "no matches for kind" instead of a download error; everything else uses /openapi/v3.
 */
function openapiV2(accept: string | undefined): ApiResponse {
  if (accept?.includes("protobuf")) {
    return { status: 200, headers: { "content-type": "application/com.github.proto-openapi.spec.v2.v1.0+protobuf" }, body: Buffer.alloc(0) };
  }
  return jsonResponse(200, { swagger: "2.0", info: { title: "Kubernetes", version: "v1.32.0" }, paths: {}, definitions: {} });
}

function text(status: number, body: string): ApiResponse {
  return { status, headers: { "content-type": "text/plain; charset=utf-8" }, body };
}

export function errorResponse(err: unknown): ApiResponse {
  const se = err instanceof StatusError ? err : errors.internal(err instanceof Error ? err.message : String(err));
  if (!(err instanceof StatusError)) {
    process.emitWarning(`internal error: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  }
  const headers: Record<string, string> = {};
  if (se.details?.retryAfterSeconds) headers["retry-after"] = String(se.details.retryAfterSeconds);
  return jsonResponse(se.code, se.toStatus(), headers);
}
