/**
 * `POST pods/{name}/eviction` (upstream's EvictionREST): a delete that honours
 * PodDisruptionBudgets. `kubectl drain` and the node lifecycle use it. The budget's
 * decrement (and the pod recorded in status.disruptedPods) is one compare-and-swap on the
 * budget; the pod then gets the DisruptionTarget condition and is deleted with the Eviction's
 * deleteOptions. The decisions themselves live in eviction-decision.ts.
 */
import { errors, StatusError } from "../../machinery/errors.js";
import { isPlainObject, type KubeObject } from "../../machinery/object.js";
import type { DeleteOptions } from "../store.js";
import type { ApiResponse } from "../types.js";
import type { HandlerContext } from "../handlers/context.js";
import { checkNameAndNamespace, decodeBodyAs, pdbDefOf, requirePost, successStatus, updatePodCondition, type PodLike } from "./common.js";
import { budgetStillProcessingError, canIgnorePDB, checkAndDecrement, decideEviction, shouldEnforceResourceVersion, type PdbObject } from "./eviction-decision.js";

/** Upstream retries pod conflicts 20 times, 500 ms apart; a shorter wait suits one process. */
const conflictRetries = 20;
const conflictDelayMs = 50;

interface EvictionOptions extends DeleteOptions {
  /** The caller pinned a resourceVersion: conflicts are the caller's to handle. */
  callerPinnedVersion: boolean;
}

/** The Eviction's deleteOptions, with dryRun from the query merged as upstream's propagateDryRun does. */
export function evictionDeleteOptions(eviction: KubeObject, queryDryRun: string[]): EvictionOptions {
  const raw = eviction.deleteOptions;
  const body = isPlainObject(raw) ? raw : {};
  const bodyDryRun = Array.isArray(body.dryRun) ? body.dryRun.map(String) : [];
  if (bodyDryRun.length && queryDryRun.length && JSON.stringify(bodyDryRun) !== JSON.stringify(queryDryRun)) {
    throw errors.internal(`Non-matching dry-run options in request and content: [${queryDryRun.join(" ")}] and [${bodyDryRun.join(" ")}]`);
  }
  const dryRun = [...(bodyDryRun.length ? bodyDryRun : queryDryRun)];
  for (const d of dryRun) if (d !== "All") throw errors.badRequest(`Invalid dry run value: ${JSON.stringify(d)}; supported values: "All"`);
  const opts: EvictionOptions = { dryRun: dryRun.includes("All"), callerPinnedVersion: false };
  const grace = body.gracePeriodSeconds;
  if (grace !== undefined && grace !== null) {
    if (typeof grace !== "number" || !Number.isInteger(grace) || grace < 0) throw errors.badRequest(`gracePeriodSeconds must be a non-negative integer, got ${JSON.stringify(grace)}`);
    opts.gracePeriodSeconds = grace;
  }
  const pp = body.propagationPolicy;
  if (pp !== undefined && pp !== null) {
    if (pp !== "Orphan" && pp !== "Background" && pp !== "Foreground") {
      throw errors.badRequest(`propagationPolicy: Unsupported value: ${JSON.stringify(pp)}: supported values: "Foreground", "Background", "Orphan"`);
    }
    opts.propagationPolicy = pp;
  } else if (body.orphanDependents === true) {
    opts.propagationPolicy = "Orphan";
  }
  if (isPlainObject(body.preconditions)) {
    const p = body.preconditions;
    opts.preconditions = {};
    if (typeof p.uid === "string" && p.uid) opts.preconditions.uid = p.uid;
    if (typeof p.resourceVersion === "string" && p.resourceVersion) {
      opts.preconditions.resourceVersion = p.resourceVersion;
      opts.callerPinnedVersion = true;
    }
  }
  return opts;
}

function isConflict(err: unknown): boolean {
  return err instanceof StatusError && err.code === 409;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * addConditionAndDeletePod: marks the pod DisruptionTarget=True (checking the preconditions
 * against the latest pod), then deletes it with the preconditions moved to that write.
 */
async function addConditionAndDeletePod(ctx: HandlerContext, opts: EvictionOptions): Promise<void> {
  const { def, info } = ctx;
  const name = info.name!;
  let options: DeleteOptions = { ...opts };
  if (!opts.dryRun) {
    const pre = opts.preconditions;
    const { object } = await ctx.store.update(def, info.namespace, name, (live) => {
      if (pre?.uid && pre.uid !== live.metadata.uid) {
        throw errors.conflict("Pod", "", name, `the UID in the precondition (${pre.uid}) does not match the UID in record (${live.metadata.uid ?? ""}). The object might have been deleted and then recreated`);
      }
      if (pre?.resourceVersion && pre.resourceVersion !== live.metadata.resourceVersion) {
        throw errors.conflict("Pod", "", name, `the ResourceVersion in the precondition (${pre.resourceVersion}) does not match the ResourceVersion in record (${live.metadata.resourceVersion ?? ""}). The object might have been modified`);
      }
      updatePodCondition(live as PodLike, { type: "DisruptionTarget", status: "True", reason: "EvictionByEvictionAPI", message: "Eviction API: evicting" }, new Date());
      return live;
    }, { subresource: "status" });
    if (pre?.resourceVersion) options = { ...options, preconditions: { ...pre, resourceVersion: object.metadata.resourceVersion } };
  }
  await ctx.store.delete(def, info.namespace, name, options);
}

export async function handleEviction(ctx: HandlerContext): Promise<ApiResponse> {
  requirePost(ctx);
  const { def, info } = ctx;
  const eviction = await decodeBodyAs(ctx, "Eviction", "policy", ["v1", "v1beta1"]);
  checkNameAndNamespace(ctx, eviction, "Eviction");
  const original = evictionDeleteOptions(eviction, ctx.req.query.getAll("dryRun"));
  const name = info.name!;
  const ns = info.namespace;

  // Pods that need no budget (terminal, pending, terminating) are deleted straight away.
  let pod: PodLike | undefined;
  for (let attempt = 0; ; attempt++) {
    pod = (await ctx.store.get(def, ns, name)) as PodLike;
    if (!canIgnorePDB(pod)) break;
    const opts = { ...original };
    if (shouldEnforceResourceVersion(pod) && !original.callerPinnedVersion) {
      opts.preconditions = { ...opts.preconditions, resourceVersion: pod.metadata.resourceVersion };
    }
    try {
      await addConditionAndDeletePod(ctx, opts);
      return successStatus();
    } catch (err) {
      if (!isConflict(err) || original.callerPinnedVersion || attempt >= conflictRetries) throw err;
      await sleep(conflictDelayMs);
    }
  }

  const pdbDef = pdbDefOf(ctx);
  const listed = await ctx.store.list(pdbDef, ns, { filter: () => true });
  const decision = decideEviction(pod, (listed.objects ?? []) as PdbObject[]);
  if (decision.action === "reject") throw decision.error;
  const opts = { ...original };
  if (decision.action === "decrement") {
    try {
      await ctx.store.update(pdbDef, ns, decision.pdbName, (live) => {
        live.status = checkAndDecrement(live as PdbObject, name, new Date(), !!original.dryRun);
        delete live.metadata.resourceVersion;
        return live;
      }, { subresource: "status", dryRun: original.dryRun });
    } catch (err) {
      if (isConflict(err)) throw errors.timeout(`couldn't update PodDisruptionBudget ${JSON.stringify(decision.pdbName)} due to conflicts`);
      throw err;
    }
  } else if (decision.pinResourceVersion && !original.callerPinnedVersion) {
    opts.preconditions = { ...opts.preconditions, resourceVersion: pod.metadata.resourceVersion };
  }
  try {
    await addConditionAndDeletePod(ctx, opts);
  } catch (err) {
    // The unready pod we let through turned ready (or changed): ask the client to retry.
    if (isConflict(err) && decision.action === "delete" && decision.pinResourceVersion && !original.callerPinnedVersion) {
      throw budgetStillProcessingError(decision.pdbName ?? "");
    }
    throw err;
  }
  return successStatus();
}
