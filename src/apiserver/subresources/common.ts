/**
 * What the pod subresources (binding, eviction) share: decoding a body whose kind is not the
 * URL's (a Binding or Eviction posted under `pods/{name}`), upstream's checks of its name and
 * namespace, the `Status` Success reply of a named create, and pod condition helpers.
 */
import type { PodCondition } from "kubernetes-types/core/v1.js";
import { errors } from "../../machinery/errors.js";
import { isPlainObject, nowRFC3339, type KubeObject } from "../../machinery/object.js";
import type { ResourceDef } from "../../machinery/resource.js";
import { jsonResponse, type ApiResponse } from "../types.js";
import { checkKind, mediaType, parseStructured } from "../handlers/body.js";
import type { HandlerContext } from "../handlers/context.js";

/** The subresources here answer POST only (their only verb is create). */
export function requirePost(ctx: HandlerContext): void {
  if (ctx.req.method !== "POST") throw errors.methodNotAllowed("the server does not allow this method on the requested resource");
}

/**
 * Decodes the body as `kind` in one of the accepted group/versions (JSON, YAML or protobuf).
 * The handler context's def is the Pod's, so the kind check uses a stand-in def.
 */
export async function decodeBodyAs(ctx: HandlerContext, kind: string, group: string, versions: string[]): Promise<KubeObject> {
  const body = ctx.req.body ?? Buffer.alloc(0);
  if (body.length === 0) throw errors.badRequest(`the body of the request was empty; send the ${kind} as JSON`);
  const type = mediaType(ctx.req.headers["content-type"]);
  let value: unknown;
  if (type === "application/vnd.kubernetes.protobuf") {
    if (!ctx.protobuf) throw errors.unsupportedMediaType(type);
    const decoded = await ctx.protobuf(body);
    value = { ...decoded.object, apiVersion: decoded.apiVersion, kind: decoded.kind };
  } else if (type === "application/json" || type === "application/yaml" || type === "text/yaml" || type === "application/x-yaml") {
    value = parseStructured(body.toString("utf8"), type !== "application/json");
  } else {
    throw errors.unsupportedMediaType(type);
  }
  const apiVersion = isPlainObject(value) ? value.apiVersion : undefined;
  const version = versions.find((v) => apiVersion === (group ? `${group}/${v}` : v)) ?? versions[0]!;
  const stand: ResourceDef = { ...ctx.def, kind, group, version };
  return checkKind(stand, value);
}

/** Upstream's create handler and the named creaters: the body must name the URL's object. */
export function checkNameAndNamespace(ctx: HandlerContext, obj: KubeObject, kind: string): void {
  const ns = obj.metadata.namespace;
  if (ns && ns !== ctx.info.namespace) {
    throw errors.badRequest("the namespace of the provided object does not match the namespace sent on the request");
  }
  if ((obj.metadata.name ?? "") !== ctx.info.name) {
    throw errors.badRequest(`name in URL does not match name in ${kind} object`);
  }
}

/** A named create that returns `Status{Success}`: upstream's create handler fills in 201. */
export function successStatus(): ApiResponse {
  return jsonResponse(201, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 });
}

/** The PodDisruptionBudget ResourceDef from the registry. */
export function pdbDefOf(ctx: HandlerContext): ResourceDef {
  const def = ctx.registry.lookup("policy", "v1", "poddisruptionbudgets");
  if (!def) throw errors.internal("policy/v1 poddisruptionbudgets is not registered");
  return def;
}

export interface PodLike extends KubeObject {
  spec?: { nodeName?: string; schedulingGates?: { name: string }[] } & Record<string, unknown>;
  status?: { phase?: string; conditions?: PodCondition[] } & Record<string, unknown>;
}

/** podutil.IsPodReady: the Ready condition is True. */
export function isPodReady(pod: PodLike): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
}

/**
 * podutil.UpdatePodCondition: replaces the condition of that type (or appends it), keeping
 * the old lastTransitionTime when the status did not change. Returns whether anything changed.
 */
export function updatePodCondition(pod: PodLike, cond: { type: string; status: string; reason?: string; message?: string }, now: Date): boolean {
  pod.status ??= {};
  const list = (pod.status.conditions ??= []);
  const next: PodCondition = {
    type: cond.type,
    status: cond.status,
    // Upstream's zero metav1.Time serialises as null.
    lastProbeTime: null as unknown as string,
    lastTransitionTime: nowRFC3339(now),
  };
  if (cond.reason) next.reason = cond.reason;
  if (cond.message) next.message = cond.message;
  const i = list.findIndex((c) => c.type === cond.type);
  if (i < 0) {
    list.push(next);
    return true;
  }
  const old = list[i]!;
  if (old.status === next.status) next.lastTransitionTime = old.lastTransitionTime;
  const same = old.status === next.status && (old.reason ?? "") === (next.reason ?? "") && (old.message ?? "") === (next.message ?? "")
    && (old.lastProbeTime ?? null) === null && old.lastTransitionTime === next.lastTransitionTime;
  list[i] = next;
  return !same;
}
