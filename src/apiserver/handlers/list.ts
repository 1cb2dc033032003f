/**
 * LIST. Without selectors and without a Table, stored bytes are spliced straight into the
 * response, so listing 10,000 objects parses none of them.
 */
import { errors } from "../../machinery/errors.js";
import { apiVersionOf, type KubeObject } from "../../machinery/object.js";
import { withResourceVersion } from "../codec.js";
import { buildTable, parseIncludeObject, tableContentType, wantsTable } from "../tables.js";
import type { ApiResponse } from "../types.js";
import type { HandlerContext } from "./context.js";
import { filtersFromQuery } from "./filters.js";
import { warningHeader } from "./respond.js";

export async function handleList(ctx: HandlerContext): Promise<ApiResponse> {
  const { def, info, req } = ctx;
  const q = req.query;
  const limitParam = q.get("limit");
  const limit = limitParam ? Number(limitParam) : 0;
  if (!Number.isInteger(limit) || limit < 0) throw errors.badRequest(`invalid limit: ${JSON.stringify(limitParam)}`);
  const { filter, exactName } = filtersFromQuery(def, q);
  const tv = wantsTable(req.headers.accept);
  const needObjects = !!tv || !!filter || !!def.storedAs;
  const res = await ctx.store.list(def, info.namespace, {
    limit,
    continueToken: q.get("continue") ?? undefined,
    resourceVersion: q.get("resourceVersion") ?? undefined,
    resourceVersionMatch: q.get("resourceVersionMatch") ?? undefined,
    filter: filter ?? (needObjects ? () => true : undefined),
    exactName,
  });
  const listMeta: Record<string, unknown> = { resourceVersion: String(res.revision) };
  if (res.continueToken) listMeta.continue = res.continueToken;
  if (res.remaining !== undefined) listMeta.remainingItemCount = res.remaining;
  const headers: Record<string, string | string[]> = { "content-type": "application/json" };
  if (ctx.warnings.length) headers.warning = ctx.warnings.map(warningHeader);
  if (tv) {
    const table = buildTable(def, res.objects ?? [], parseIncludeObject(q.get("includeObject")), listMeta, tv);
    return { status: 200, headers: { ...headers, "content-type": tableContentType }, body: JSON.stringify(table) };
  }
  const head = `{"kind":"${def.kind}List","apiVersion":"${apiVersionOf(def.group, def.version)}","metadata":${JSON.stringify(listMeta)},"items":[`;
  const items = res.objects
    ? res.objects.map((o: KubeObject) => JSON.stringify(o))
    : res.kvs.map((kv) => withResourceVersion(kv.value, kv.modRevision));
  return { status: 200, headers, body: `${head}${items.join(",")}]}` };
}
