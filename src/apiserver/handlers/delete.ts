/** DELETE of one object, with DeleteOptions from the body or the query. */
import { errors } from "../../machinery/errors.js";
import { isPlainObject } from "../../machinery/object.js";
import type { ApiResponse } from "../types.js";
import type { DeleteOptions } from "../store.js";
import { mediaType, parseStructured } from "./body.js";
import type { HandlerContext } from "./context.js";
import { dryRunAll, objectResponse } from "./respond.js";

export async function handleDelete(ctx: HandlerContext): Promise<ApiResponse> {
  const { def, info } = ctx;
  if (!info.name) throw errors.methodNotAllowed("delete needs a name");
  const opts = deleteOptions(ctx);
  const { object } = await ctx.store.delete(def, info.namespace, info.name, opts);
  return objectResponse(ctx, 200, object);
}

/** DeleteOptions: body (JSON) first, then query parameters, as upstream merges them. */
export function deleteOptions(ctx: HandlerContext): DeleteOptions {
  const q = ctx.req.query;
  const opts: DeleteOptions = { dryRun: dryRunAll(q) };
  const raw = ctx.req.body?.toString("utf8").trim();
  if (raw) {
    const type = mediaType(ctx.req.headers["content-type"]);
    const body = parseStructured(raw, type.includes("yaml"));
    if (!isPlainObject(body)) throw errors.badRequest("DeleteOptions must be a JSON object");
    if (body.propagationPolicy !== undefined) opts.propagationPolicy = propagation(body.propagationPolicy);
    if (body.gracePeriodSeconds !== undefined && body.gracePeriodSeconds !== null) opts.gracePeriodSeconds = seconds(body.gracePeriodSeconds);
    if (body.orphanDependents === true && !opts.propagationPolicy) opts.propagationPolicy = "Orphan";
    if (isPlainObject(body.preconditions)) {
      const p = body.preconditions;
      opts.preconditions = {
        uid: typeof p.uid === "string" ? p.uid : undefined,
        resourceVersion: typeof p.resourceVersion === "string" ? p.resourceVersion : undefined,
      };
    }
    if (Array.isArray(body.dryRun) && body.dryRun.includes("All")) opts.dryRun = true;
  }
  const pp = q.get("propagationPolicy");
  if (pp) opts.propagationPolicy = propagation(pp);
  const gp = q.get("gracePeriodSeconds");
  if (gp) opts.gracePeriodSeconds = seconds(Number(gp));
  if (q.get("orphanDependents") === "true" && !opts.propagationPolicy) opts.propagationPolicy = "Orphan";
  return opts;
}

function propagation(v: unknown): "Orphan" | "Background" | "Foreground" {
  if (v === "Orphan" || v === "Background" || v === "Foreground") return v;
  throw errors.badRequest(`propagationPolicy: Unsupported value: ${JSON.stringify(v)}: supported values: "Foreground", "Background", "Orphan"`);
}

function seconds(v: unknown): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0) throw errors.badRequest(`gracePeriodSeconds must be a non-negative integer, got ${JSON.stringify(v)}`);
  return v;
}
