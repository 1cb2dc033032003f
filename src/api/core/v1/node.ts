/** Node: status kept on create (the node agent registers with it), taints, the node printer. */
import type { Node } from "kubernetes-types/core/v1.js";
import { field, type FieldError } from "../../../machinery/errors.js";
import { age } from "../../printers.js";
import { ageColumn, col, defineResource, nameColumn, type Obj, validateQualifiedName } from "./common.js";
import { canonicalizeResourceList } from "./quantity.js";
import { validateResourceList } from "./resources-validation.js";
import { isValidLabelValue } from "../../../machinery/validation.js";

export type NodeObj = Obj<Node>;

const labelNodeRolePrefix = "node-role.kubernetes.io/";
const nodeLabelRole = "kubernetes.io/role";
const taintEffects = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

export function nodeRoles(node: NodeObj): string[] {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata.labels ?? {})) {
    if (k.startsWith(labelNodeRolePrefix)) {
      const role = k.slice(labelNodeRolePrefix.length);
      if (role) roles.add(role);
    } else if (k === nodeLabelRole && v) {
      roles.add(v);
    }
  }
  return [...roles].sort();
}

/** The STATUS cell: Ready/NotReady/Unknown, plus SchedulingDisabled when cordoned. */
export function nodeStatus(node: NodeObj): string {
  const status: string[] = [];
  const ready = (node.status?.conditions ?? []).filter((c) => c.type === "Ready").pop();
  if (ready) status.push(ready.status === "True" ? "Ready" : "NotReady");
  else status.push("Unknown");
  if (node.spec?.unschedulable) status.push("SchedulingDisabled");
  return status.join(",");
}

function address(node: NodeObj, type: string): string {
  return (node.status?.addresses ?? []).find((a) => a.type === type)?.address ?? "<none>";
}

function validateNode(node: NodeObj): FieldError[] {
  const out: FieldError[] = [];
  const seen = new Set<string>();
  (node.spec?.taints ?? []).forEach((t, i) => {
    const p = `spec.taints[${i}]`;
    out.push(...validateQualifiedName(t.key ?? "", `${p}.key`));
    if (t.value) out.push(...isValidLabelValue(t.value).map((m) => field.invalid(`${p}.value`, t.value, m)));
    if (!t.effect) out.push(field.required(`${p}.effect`));
    else if (!taintEffects.includes(t.effect)) out.push(field.notSupported(`${p}.effect`, t.effect, taintEffects));
    const key = `${t.key}:${t.effect}`;
    if (seen.has(key)) out.push(field.duplicate(p, t));
    seen.add(key);
  });
  out.push(...validateResourceList(node.status?.capacity, "status.capacity"));
  out.push(...validateResourceList(node.status?.allocatable, "status.allocatable"));
  return out;
}

function validateNodeUpdate(node: NodeObj, old: NodeObj): FieldError[] {
  const out = validateNode(node);
  const oldCIDR = old.spec?.podCIDR;
  if (oldCIDR && node.spec?.podCIDR !== oldCIDR) out.push(field.forbidden("spec.podCIDR", "node updates may not change podCIDR except from \"\" to valid"));
  const oldCIDRs = old.spec?.podCIDRs ?? [];
  if (oldCIDRs.length && JSON.stringify(node.spec?.podCIDRs ?? []) !== JSON.stringify(oldCIDRs)) {
    out.push(field.forbidden("spec.podCIDRs", "node updates may not change podCIDR except from \"\" to valid"));
  }
  if (old.spec?.providerID && node.spec?.providerID !== old.spec.providerID) {
    out.push(field.forbidden("spec.providerID", "node updates may not change providerID except from \"\" to valid"));
  }
  return out;
}

export const nodeResource = defineResource<NodeObj>({
  group: "", version: "v1", kind: "Node",
  plural: "nodes", singular: "node", shortNames: ["no"],
  namespaced: false,
  schema: "io.k8s.api.core.v1.Node",
  subresources: {
    status: true,
    others: [{ name: "proxy", kind: "NodeProxyOptions", verbs: ["create", "delete", "get", "patch", "update"] }],
  },
  columns: [
    nameColumn,
    col("Status", "string", "The status of the node"),
    col("Roles", "string", "The roles of the node"),
    ageColumn,
    col("Version", "string", "Kubelet Version reported by the node."),
    col("Internal-IP", "string", "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node's address in its own status or consumers of the downward API (status.hostIP).", 1),
    col("External-IP", "string", "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node's address in its own status or consumers of the downward API (status.hostIP).", 1),
    col("OS-Image", "string", "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).", 1),
    col("Kernel-Version", "string", "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1),
    col("Container-Runtime", "string", "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).", 1),
  ],
  row(node) {
    const info = node.status?.nodeInfo;
    const roles = nodeRoles(node).join(",") || "<none>";
    return [
      node.metadata.name ?? "", nodeStatus(node), roles, age(node.metadata.creationTimestamp), info?.kubeletVersion ?? "",
      address(node, "InternalIP"), address(node, "ExternalIP"),
      info?.osImage || "<unknown>", info?.kernelVersion || "<unknown>", info?.containerRuntimeVersion || "<unknown>",
    ];
  },
  defaults(node) {
    const st = node.status;
    if (!st) return;
    canonicalizeResourceList(st.capacity as Record<string, unknown> | undefined);
    // SetDefaults_NodeStatus: allocatable starts as the full capacity.
    if (!st.allocatable && st.capacity) st.allocatable = { ...st.capacity };
    canonicalizeResourceList(st.allocatable as Record<string, unknown> | undefined);
  },
  validate: validateNode,
  validateUpdate: validateNodeUpdate,
  prepareForUpdate(node, old) {
    node.status = old.status;
  },
  fieldSelectors: {
    "spec.unschedulable": (node) => String(node.spec?.unschedulable === true),
  },
});
