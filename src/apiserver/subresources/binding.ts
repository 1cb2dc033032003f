/**
 * `POST pods/{name}/binding` (upstream's BindingREST): assigns a pending pod to a node. The
 * scheduler's only write to a pod's spec. One guarded update sets spec.nodeName, merges the
 * Binding's annotations and sets the PodScheduled condition; a pod already bound, being
 * deleted or still gated is a 409 on `pods/binding`, as upstream answers.
 */
import { errors, field, type FieldError } from "../../machinery/errors.js";
import { isPlainObject, type KubeObject } from "../../machinery/object.js";
import type { ResourceDef } from "../../machinery/resource.js";
import type { ApiResponse } from "../types.js";
import type { HandlerContext } from "../handlers/context.js";
import { dryRunAll } from "../handlers/respond.js";
import { checkNameAndNamespace, decodeBodyAs, requirePost, successStatus, updatePodCondition, type PodLike } from "./common.js";

export interface BindingTarget {
  kind?: string;
  name?: string;
}

/** ValidatePodBinding: the target is a Node (or unset kind) with a name. */
export function validateBinding(binding: KubeObject): FieldError[] {
  const target = isPlainObject(binding.target) ? (binding.target as BindingTarget) : {};
  const errs: FieldError[] = [];
  if (target.kind && target.kind !== "Node") errs.push(field.notSupported("target.kind", target.kind, ["Node", "<empty>"]));
  if (!target.name) errs.push(field.required("target.name"));
  return errs;
}

/**
 * setPodHostAndAnnotations on one live pod: returns the pod bound to `node`, or throws the
 * conflict upstream reports.
 */
export function bindPod(pod: PodLike, node: string, annotations: Record<string, string> | undefined, now: Date): PodLike {
  const name = pod.metadata.name ?? "";
  const why = (msg: string) => errors.conflict("pods/binding", "", name, msg);
  if (pod.metadata.deletionTimestamp) throw why(`pod ${name} is being deleted, cannot be assigned to a host`);
  if (pod.spec?.nodeName) throw why(`pod ${name} is already assigned to node ${JSON.stringify(pod.spec.nodeName)}`);
  if ((pod.spec?.schedulingGates ?? []).length > 0) throw why(`pod ${name} has non-empty .spec.schedulingGates`);
  pod.spec = { ...pod.spec, nodeName: node };
  if (annotations && Object.keys(annotations).length) pod.metadata.annotations = { ...pod.metadata.annotations, ...annotations };
  updatePodCondition(pod, { type: "PodScheduled", status: "True" }, now);
  return pod;
}

/**
 * Upstream writes the binding straight to storage, beside the pod strategy (which would reset
 * status and forbid a nodeName change): the same def without its update hooks and status
 * subresource does that through the generic store, keeping validation and admission.
 */
function bindingWriteDef(pod: ResourceDef): ResourceDef {
  const { prepareForUpdate: _p, validateUpdate: _v, subresources: _s, ...rest } = pod;
  return rest;
}

export async function handleBinding(ctx: HandlerContext): Promise<ApiResponse> {
  requirePost(ctx);
  const { info } = ctx;
  const binding = await decodeBodyAs(ctx, "Binding", "", ["v1"]);
  checkNameAndNamespace(ctx, binding, "Binding");
  const errs = validateBinding(binding);
  // Upstream answers these with a bare aggregate error (a 500); a 422 says the same, usefully.
  if (errs.length) throw errors.invalid("Binding", "", info.name!, errs);
  const target = binding.target as BindingTarget;
  const uid = binding.metadata.uid;
  const rv = binding.metadata.resourceVersion;
  const annotations = binding.metadata.annotations;
  await ctx.store.update(bindingWriteDef(ctx.def), info.namespace, info.name!, (live) => {
    if (uid && uid !== live.metadata.uid) {
      throw errors.conflict("pods", "", info.name!, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${live.metadata.uid ?? ""}`);
    }
    if (rv && rv !== live.metadata.resourceVersion) {
      throw errors.conflict("pods", "", info.name!, `Precondition failed: ResourceVersion in precondition: ${rv}, ResourceVersion in object meta: ${live.metadata.resourceVersion ?? ""}`);
    }
    const next = bindPod(live as PodLike, target.name!, annotations, new Date());
    // A resourceVersion precondition pins the compare-and-swap; otherwise races retry.
    if (!rv) delete next.metadata.resourceVersion;
    return next;
  }, { dryRun: dryRunAll(ctx.req.query), subresource: "binding" });
  return successStatus();
}
