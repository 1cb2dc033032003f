/**
 * `GET pods/{name}/log` (upstream's LogREST): validates the PodLogOptions, picks the
 * container as upstream's LogLocation does, finds the pod's node and its kubelet endpoint,
 * and proxies the node agent's `/containerLogs` answer through as text/plain. A pod not yet
 * on a node has an empty log, as upstream answers. Nodes that serve no logs (simulated ones,
 * or a kubelet port of 0) get a 400 that says so.
 */
import type { Container, NodeAddress } from "kubernetes-types/core/v1.js";
import { errors, field, type FieldError } from "../../machinery/errors.js";
import type { KubeObject } from "../../machinery/object.js";
import type { ApiResponse } from "../types.js";
import type { HandlerContext } from "../handlers/context.js";
import { proxyNodeLog, type NodeTarget } from "./pod-log-proxy.js";

/** The annotation simulated (kwok-like) nodes carry: no agent answers on their kubelet port. */
const SIMULATED_ANNOTATION = "timonel.dev/simulated";
/** kube-apiserver's default --kubelet-preferred-address-types order, as kubeadm sets it. */
const ADDRESS_PREFERENCE = ["InternalIP", "ExternalIP", "Hostname"];

export interface PodLogOptions {
  container?: string;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  sinceSeconds?: number;
  /** RFC 3339, seconds precision (as upstream re-encodes it for the node). */
  sinceTime?: string;
  tailLines?: number;
  limitBytes?: number;
  insecureSkipTLSVerifyBackend: boolean;
}

function bool(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  return v !== null && v !== "" && v !== "0" && v.toLowerCase() !== "false";
}

function int(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === "") return undefined;
  if (!/^-?\d{1,18}$/.test(v)) throw errors.badRequest(`invalid value for ${name}: strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  return Number(v);
}

/** Decodes the query and applies ValidatePodLogOptions (422 on PodLogOptions). */
export function parsePodLogOptions(q: URLSearchParams, podName: string): PodLogOptions {
  const opts: PodLogOptions = {
    follow: bool(q, "follow"),
    previous: bool(q, "previous"),
    timestamps: bool(q, "timestamps"),
    insecureSkipTLSVerifyBackend: bool(q, "insecureSkipTLSVerifyBackend"),
  };
  const container = q.get("container");
  if (container) opts.container = container;
  opts.tailLines = int(q, "tailLines");
  opts.limitBytes = int(q, "limitBytes");
  opts.sinceSeconds = int(q, "sinceSeconds");
  const sinceTime = q.get("sinceTime");
  if (sinceTime) {
    const ms = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i.test(sinceTime) ? Date.parse(sinceTime) : NaN;
    if (!Number.isFinite(ms)) throw errors.badRequest(`invalid value for sinceTime: parsing time ${JSON.stringify(sinceTime)} as RFC 3339`);
    opts.sinceTime = new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
  }
  const errs: FieldError[] = [];
  if (opts.tailLines !== undefined && opts.tailLines < 0) errs.push(field.invalid("tailLines", opts.tailLines, "must be greater than or equal to 0"));
  if (opts.limitBytes !== undefined && opts.limitBytes < 1) errs.push(field.invalid("limitBytes", opts.limitBytes, "must be greater than 0"));
  if (opts.sinceSeconds !== undefined && opts.sinceTime !== undefined) {
    errs.push(field.forbidden("", "at most one of `sinceTime` or `sinceSeconds` may be specified"));
  } else if (opts.sinceSeconds !== undefined && opts.sinceSeconds < 1) {
    errs.push(field.invalid("sinceSeconds", opts.sinceSeconds, "must be greater than 0"));
  }
  if (errs.length) throw errors.invalid("PodLogOptions", "", podName, errs);
  return opts;
}

interface PodShape extends KubeObject {
  spec?: { nodeName?: string; containers?: Container[]; initContainers?: Container[]; ephemeralContainers?: Container[] };
}

/** upstream's validateContainer: the named container must exist; unnamed means the only one. */
export function chooseContainer(pod: PodShape, container: string | undefined): string {
  const name = pod.metadata.name ?? "";
  const all = [...pod.spec?.initContainers ?? [], ...pod.spec?.containers ?? [], ...pod.spec?.ephemeralContainers ?? []].map((c) => c.name);
  if (container) {
    if (!all.includes(container)) throw errors.badRequest(`container ${container} is not valid for pod ${name}`);
    return container;
  }
  const containers = pod.spec?.containers ?? [];
  if (containers.length === 1) return containers[0]!.name;
  if (containers.length === 0) throw errors.badRequest(`a container name must be specified for pod ${name}`);
  throw errors.badRequest(`a container name must be specified for pod ${name}, choose one of: [${all.join(" ")}]`);
}

interface NodeShape extends KubeObject {
  status?: { addresses?: NodeAddress[]; daemonEndpoints?: { kubeletEndpoint?: { Port?: number } } };
}

/** Where the node's agent listens, or a 400 when it serves no logs. */
export function nodeTarget(node: NodeShape): NodeTarget {
  const name = node.metadata.name ?? "";
  if (node.metadata.annotations?.[SIMULATED_ANNOTATION] === "true") {
    throw errors.badRequest(`node "${name}" is a simulated node: it runs no containers and serves no logs`);
  }
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  if (!port) {
    throw errors.badRequest(`node "${name}" does not serve container logs (its status.daemonEndpoints.kubeletEndpoint.Port is ${port ?? "unset"})`);
  }
  const addresses = node.status?.addresses ?? [];
  for (const type of ADDRESS_PREFERENCE) {
    const a = addresses.find((x) => x.type === type && x.address);
    if (a) return { host: a.address, port };
  }
  const known = addresses.map((a) => `{${a.type} ${a.address}}`).join(" ");
  throw errors.internal(`no preferred addresses found; known addresses: [${known}]`);
}

function nodePath(namespace: string, pod: string, container: string, opts: PodLogOptions): string {
  const q = new URLSearchParams();
  if (opts.follow) q.set("follow", "true");
  if (opts.previous) q.set("previous", "true");
  if (opts.timestamps) q.set("timestamps", "true");
  if (opts.sinceSeconds !== undefined) q.set("sinceSeconds", String(opts.sinceSeconds));
  if (opts.sinceTime !== undefined) q.set("sinceTime", opts.sinceTime);
  if (opts.tailLines !== undefined) q.set("tailLines", String(opts.tailLines));
  if (opts.limitBytes !== undefined) q.set("limitBytes", String(opts.limitBytes));
  const qs = q.toString();
  const seg = (s: string): string => encodeURIComponent(s);
  return `/containerLogs/${seg(namespace)}/${seg(pod)}/${seg(container)}${qs ? `?${qs}` : ""}`;
}

export async function handlePodLog(ctx: HandlerContext): Promise<ApiResponse> {
  if (ctx.req.method !== "GET") throw errors.methodNotAllowed("the server does not allow this method on the requested resource");
  const name = ctx.info.name!;
  const namespace = ctx.info.namespace!;
  const opts = parsePodLogOptions(ctx.req.query, name);
  const pod = await ctx.store.get(ctx.def, namespace, name) as PodShape;
  const container = chooseContainer(pod, opts.container);
  const nodeName = pod.spec?.nodeName;
  if (!nodeName) return { status: 200, headers: { "content-type": "text/plain" }, body: "" };
  const nodeDef = ctx.registry.lookup("", "v1", "nodes");
  if (!nodeDef) throw errors.internal("v1 nodes is not registered");
  const target = nodeTarget(await ctx.store.get(nodeDef, undefined, nodeName) as NodeShape);
  if (!ctx.nodeClient) throw errors.internal("this API server has no client certificate for node agents");
  return proxyNodeLog({
    target,
    path: nodePath(namespace, name, container, opts),
    tls: ctx.nodeClient,
    insecureSkipVerify: opts.insecureSkipTLSVerifyBackend,
    signal: ctx.req.signal,
  });
}
