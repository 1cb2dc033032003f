/**
 * The protobuf schema Timonel accepts request bodies in: one protobufjs Root built from the
 * hand-written definitions beside this file, and the table of (apiVersion, kind) pairs
 * whose bodies may arrive as protobuf, each with its message type.
 */
import protobuf from "protobufjs";
import type { Root, Type } from "protobufjs";
import { intstrProto, metaProto, resourceProto, runtimeProto, RUNTIME } from "./apimachinery.js";
import { coreProto } from "./core.js";
import { appsProto, autoscalingProto, batchProto } from "./workloads.js";
import { authenticationProto, authorizationProto, rbacProto } from "./access.js";
import { networkingProto, policyProto, schedulingProto } from "./cluster.js";

export interface ProtobufKind {
  apiVersion: string;
  kind: string;
  /** Fully qualified message name, without the leading dot. */
  message: string;
}

const kind = (apiVersion: string, kindName: string, pkg: string): ProtobufKind =>
  ({ apiVersion, kind: kindName, message: `${pkg}.${kindName}` });

/** Every kind kubectl's typed clients (generators, auth can-i, drain, create token, autoscale) send. */
export const protobufKinds: readonly ProtobufKind[] = [
  ...["Namespace", "ConfigMap", "Secret", "ServiceAccount", "Service", "ResourceQuota", "Pod"]
    .map((k) => kind("v1", k, "k8s.io.api.core.v1")),
  kind("apps/v1", "Deployment", "k8s.io.api.apps.v1"),
  kind("batch/v1", "Job", "k8s.io.api.batch.v1"),
  kind("batch/v1", "CronJob", "k8s.io.api.batch.v1"),
  kind("autoscaling/v1", "HorizontalPodAutoscaler", "k8s.io.api.autoscaling.v1"),
  ...["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"]
    .map((k) => kind("rbac.authorization.k8s.io/v1", k, "k8s.io.api.rbac.v1")),
  kind("networking.k8s.io/v1", "Ingress", "k8s.io.api.networking.v1"),
  kind("scheduling.k8s.io/v1", "PriorityClass", "k8s.io.api.scheduling.v1"),
  kind("policy/v1", "PodDisruptionBudget", "k8s.io.api.policy.v1"),
  kind("policy/v1", "Eviction", "k8s.io.api.policy.v1"),
  kind("authorization.k8s.io/v1", "SelfSubjectAccessReview", "k8s.io.api.authorization.v1"),
  kind("authentication.k8s.io/v1", "TokenRequest", "k8s.io.api.authentication.v1"),
];

const sources = [
  runtimeProto, intstrProto, resourceProto, metaProto, coreProto, appsProto, batchProto,
  autoscalingProto, rbacProto, authorizationProto, authenticationProto, networkingProto,
  schedulingProto, policyProto,
];

let cached: Root | undefined;

/** The schema root, parsed once on first use (parsing costs a few milliseconds). */
export function schemaRoot(): Root {
  if (!cached) {
    const root = new protobuf.Root();
    // keepCase: field names are the JSON names (e.g. FieldsV1's `Raw`) and must stay as written.
    for (const source of sources) protobuf.parse(source, root, { keepCase: true });
    root.resolveAll();
    cached = root;
  }
  return cached;
}

/** The runtime.Unknown envelope type. */
export function unknownType(): Type {
  return schemaRoot().lookupType(`${RUNTIME}.Unknown`);
}

const byGvk = new Map(protobufKinds.map((k) => [`${k.apiVersion}/${k.kind}`, k]));

/** The message type for an (apiVersion, kind) pair, or undefined if protobuf is not accepted for it. */
export function messageTypeFor(apiVersion: string, kindName: string): Type | undefined {
  const k = byGvk.get(`${apiVersion}/${kindName}`);
  return k ? schemaRoot().lookupType(k.message) : undefined;
}
