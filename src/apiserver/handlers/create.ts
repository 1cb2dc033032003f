/** POST: create an object (201), or a dry run of it. */
import type { ApiResponse } from "../types.js";
import { decodeObjectBody } from "./body.js";
import type { HandlerContext } from "./context.js";
import { dryRunAll, fieldManagerOf, objectResponse } from "./respond.js";

export async function handleCreate(ctx: HandlerContext): Promise<ApiResponse> {
  const obj = await decodeObjectBody(ctx);
  // The decoded body is this request's own: the store may keep and change it.
  const created = await ctx.store.createWithJson(ctx.def, ctx.info.namespace, obj, {
    dryRun: dryRunAll(ctx.req.query),
    fieldManager: fieldManagerOf(ctx),
    adopt: true,
  });
  return objectResponse(ctx, 201, created.object, created.json);
}
