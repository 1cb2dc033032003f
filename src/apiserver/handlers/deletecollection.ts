/** DELETE of a collection: every object the selectors match, each deleted as by name. */
import { apiVersionOf } from "../../machinery/object.js";
import { errors } from "../../machinery/errors.js";
import type { KubeObject } from "../../machinery/object.js";
import type { ApiResponse } from "../types.js";
import type { HandlerContext } from "./context.js";
import { deleteOptions } from "./delete.js";
import { filtersFromQuery } from "./filters.js";

export async function handleDeleteCollection(ctx: HandlerContext): Promise<ApiResponse> {
  const { def, info, req } = ctx;
  const opts = deleteOptions(ctx);
  const { filter } = filtersFromQuery(def, req.query);
  const listed = await ctx.store.list(def, info.namespace, { filter: filter ?? (() => true) });
  const items: KubeObject[] = [];
  for (const obj of listed.objects ?? []) {
    try {
      const { object } = await ctx.store.delete(def, obj.metadata.namespace, obj.metadata.name!, opts);
      items.push(object);
    } catch (err) {
      // Deleted by someone else meanwhile: that is the outcome we wanted.
      if (!(err instanceof Error && "code" in err && (err as { code: number }).code === 404)) throw err;
    }
  }
  if (!def.namespaced && info.namespace) throw errors.notFoundPath();
  const body = { kind: `${def.kind}List`, apiVersion: apiVersionOf(def.group, def.version), metadata: { resourceVersion: String(listed.revision) }, items };
  return { status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
}
