/** PUT: replace an object (or its status), with resourceVersion as an optimistic lock. */
import { errors } from "../../machinery/errors.js";
import type { ApiResponse } from "../types.js";
import { decodeObjectBody } from "./body.js";
import type { HandlerContext } from "./context.js";
import { dryRunAll, fieldManagerOf, objectResponse } from "./respond.js";

export async function handleUpdate(ctx: HandlerContext): Promise<ApiResponse> {
  const { def, info } = ctx;
  if (!info.name) throw errors.methodNotAllowed("update needs a name");
  const obj = await decodeObjectBody(ctx);
  if (obj.metadata.name && obj.metadata.name !== info.name) {
    throw errors.badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${info.name})`);
  }
  if (def.namespaced && obj.metadata.namespace && obj.metadata.namespace !== info.namespace) {
    throw errors.badRequest("the namespace of the provided object does not match the namespace sent on the request");
  }
  obj.metadata.name = info.name;
  const { object } = await ctx.store.update(def, info.namespace, info.name, () => obj, {
    dryRun: dryRunAll(ctx.req.query),
    fieldManager: fieldManagerOf(ctx),
    subresource: info.subresource,
  });
  return objectResponse(ctx, 200, object);
}
