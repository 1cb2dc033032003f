/**
 * PATCH in its four forms: JSON patch, merge patch, strategic merge patch, and server-side
 * apply (which creates the object when it is missing).
 */
import { errors, field, StatusError } from "../../machinery/errors.js";
import { isPlainObject, type KubeObject } from "../../machinery/object.js";
import type { ApiResponse } from "../types.js";
import { checkKind, mediaType, parseStructured, validateFields } from "./body.js";
import type { HandlerContext } from "./context.js";
import { dryRunAll, fieldManagerOf, objectResponse, parseBool } from "./respond.js";

const patchTypes = [
  "application/json-patch+json",
  "application/merge-patch+json",
  "application/strategic-merge-patch+json",
  "application/apply-patch+yaml",
];

export async function handlePatch(ctx: HandlerContext): Promise<ApiResponse> {
  const { def, info, req } = ctx;
  if (!info.name) throw errors.methodNotAllowed("patch needs a name");
  const type = mediaType(req.headers["content-type"]);
  if (!patchTypes.includes(type)) {
    throw new StatusError(415, "UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: ${patchTypes.join(", ")}`);
  }
  const patcher = ctx.patcher;
  if (!patcher) throw errors.internal("patching is not available");
  const raw = (req.body ?? Buffer.alloc(0)).toString("utf8");
  if (!raw.trim()) throw errors.badRequest("the body of the request was empty; send a patch");
  const isApply = type === "application/apply-patch+yaml";
  const patch = parseStructured(raw, isApply);
  const q = req.query;
  const dryRun = dryRunAll(q);
  const now = new Date();

  if (isApply) {
    const manager = q.get("fieldManager");
    if (!manager) throw errors.badRequest("PATCH, application/apply-patch+yaml requires a non-empty fieldManager query parameter");
    const applied = checkKind(def, patch);
    validateFields(ctx, applied, undefined);
    if (applied.metadata.name && applied.metadata.name !== info.name) {
      throw errors.badRequest(`the name of the object (${applied.metadata.name}) does not match the name on the URL (${info.name})`);
    }
    const force = parseBool(q.get("force"));
    const { object, created } = await ctx.store.update(def, info.namespace, info.name, (live) => {
      return patcher.apply({ live, applied, manager, force, def, subresource: info.subresource, now });
    }, {
      dryRun,
      subresource: info.subresource,
      now,
      createIfMissing: () => {
        const obj = patcher.apply({ applied, manager, force, def, subresource: info.subresource, now });
        obj.metadata.name = info.name;
        return obj;
      },
    });
    return objectResponse(ctx, created ? 201 : 200, object);
  }

  if (type !== "application/json-patch+json" && !isPlainObject(patch)) {
    throw errors.badRequest(`the patch body must be a JSON object for ${type}`);
  }
  const { object } = await ctx.store.update(def, info.namespace, info.name, (live) => {
    let next: KubeObject;
    if (type === "application/json-patch+json") next = patcher.json(live, patch);
    else if (type === "application/merge-patch+json") next = patcher.merge(live, patch);
    else next = patcher.strategic(live, patch, def);
    if (!isPlainObject(next)) throw errors.badRequest("the patch produced something that is not an object");
    next.metadata ??= {};
    // A patch that sets resourceVersion pins it; otherwise the store retries on races.
    const pinned = isPlainObject(patch) && isPlainObject(patch.metadata) && typeof patch.metadata.resourceVersion === "string";
    if (!pinned) delete next.metadata.resourceVersion;
    if (next.metadata.name !== undefined && next.metadata.name !== live.metadata.name) {
      throw errors.badRequest(`the name of the object (${next.metadata.name}) does not match the name on the URL (${info.name})`);
    }
    // The patched object must still decode as this kind, as upstream re-decodes it.
    const typeError = ctx.fieldValidator?.typeError(next, def);
    const kindChanged = next.kind !== live.kind || next.apiVersion !== live.apiVersion;
    if (typeError || kindChanged) {
      throw errors.invalid(def.kind, def.group, info.name!, [
        field.invalid("patch", raw.length > 500 ? `${raw.slice(0, 500)}...` : raw, typeError ?? "the patch may not change the object's kind or apiVersion"),
      ]);
    }
    validateFields(ctx, next, undefined);
    return next;
  }, { dryRun, fieldManager: fieldManagerOf(ctx), subresource: info.subresource, now });
  return objectResponse(ctx, 200, object);
}
