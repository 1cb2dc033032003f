/** Writing objects back: JSON, or a Table when the client asked for one. */
import type { KubeObject } from "../../machinery/object.js";
import { buildTable, parseIncludeObject, tableContentType, wantsTable } from "../tables.js";
import type { ApiResponse } from "../types.js";
import type { HandlerContext } from "./context.js";

/** `json`: the object already encoded (as stored), sent as is when the client wants JSON. */
export function objectResponse(ctx: HandlerContext, status: number, obj: KubeObject, json?: string): ApiResponse {
  const headers: Record<string, string | string[]> = { "content-type": "application/json" };
  if (ctx.warnings.length) headers.warning = ctx.warnings.map(warningHeader);
  const tv = wantsTable(ctx.req.headers.accept);
  if (tv) {
    const t = buildTable(ctx.def, [obj], parseIncludeObject(ctx.req.query.get("includeObject")), { resourceVersion: obj.metadata.resourceVersion }, tv);
    return { status, headers: { ...headers, "content-type": tableContentType }, body: JSON.stringify(t) };
  }
  return { status, headers, body: json ?? JSON.stringify(obj) };
}

/** RFC 7234 warning header, as upstream writes it: `299 - "text"`. */
export function warningHeader(text: string): string {
  return `299 - ${JSON.stringify(text)}`;
}

export function parseBool(v: string | null): boolean {
  return v === "true" || v === "1";
}

export function dryRunAll(q: URLSearchParams): boolean {
  const v = q.getAll("dryRun");
  return v.includes("All");
}

/** Upstream defaults the manager to the User-Agent's first segment (`kubectl/v1.32...` → `kubectl`). */
export function fieldManagerOf(ctx: HandlerContext): string {
  const m = ctx.req.query.get("fieldManager");
  if (m) return m;
  const ua = ctx.req.headers["user-agent"] ?? "unknown";
  return ua.split("/")[0]!.slice(0, 128) || "unknown";
}
