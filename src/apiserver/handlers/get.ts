/** GET of one object. */
import { errors } from "../../machinery/errors.js";
import type { ApiResponse } from "../types.js";
import type { HandlerContext } from "./context.js";
import { objectResponse } from "./respond.js";

export async function handleGet(ctx: HandlerContext): Promise<ApiResponse> {
  const { def, info } = ctx;
  if (!info.name) throw errors.methodNotAllowed("get needs a name");
  const obj = await ctx.store.get(def, info.namespace, info.name);
  return objectResponse(ctx, 200, obj);
}
