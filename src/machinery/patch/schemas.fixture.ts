/**
 * A small hand-built schema set for the patch tests: a Deployment with a pod template,
 * carrying upstream's patch strategies, merge keys and list types for the fields it has.
 */
import { SchemaSet, refTo, type SchemaNode } from "../schema.js";

const ref = (name: string): SchemaNode => ({ $ref: refTo(name) });
const str: SchemaNode = { type: "string" };
const int: SchemaNode = { type: "integer" };
const strMap: SchemaNode = { type: "object", additionalProperties: str };
const strList: SchemaNode = { type: "array", items: str };

export const fixtureSchemas = new SchemaSet({
  "io.k8s.api.apps.v1.Deployment": {
    type: "object",
    properties: {
      apiVersion: str, kind: str,
      metadata: ref("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"),
      spec: ref("io.k8s.api.apps.v1.DeploymentSpec"),
      status: { type: "object", properties: { replicas: int, conditions: { type: "array", items: { type: "object", properties: { type: str, status: str } }, "x-kubernetes-patch-merge-key": "type", "x-kubernetes-patch-strategy": "merge", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"] } } },
    },
    "x-kubernetes-group-version-kind": [{ group: "apps", version: "v1", kind: "Deployment" }],
  },
  "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta": {
    type: "object",
    properties: {
      name: str, namespace: str, uid: str, resourceVersion: str, generation: int, creationTimestamp: str,
      labels: strMap, annotations: strMap,
      finalizers: { ...strList, "x-kubernetes-patch-strategy": "merge", "x-kubernetes-list-type": "set" },
      ownerReferences: {
        type: "array", items: { type: "object", properties: { uid: str, name: str, kind: str, apiVersion: str } },
        "x-kubernetes-patch-merge-key": "uid", "x-kubernetes-patch-strategy": "merge",
        "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["uid"],
      },
      managedFields: { type: "array", items: { type: "object" } },
    },
  },
  "io.k8s.api.apps.v1.DeploymentSpec": {
    type: "object",
    required: ["selector", "template"],
    properties: {
      replicas: int,
      selector: ref("io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector"),
      template: ref("io.k8s.api.core.v1.PodTemplateSpec"),
      strategy: { ...ref("io.k8s.api.apps.v1.DeploymentStrategy"), "x-kubernetes-patch-strategy": "retainKeys" },
      minReadySeconds: int,
    },
  },
  "io.k8s.api.apps.v1.DeploymentStrategy": {
    type: "object",
    properties: { type: str, rollingUpdate: { type: "object", properties: { maxSurge: { "x-kubernetes-int-or-string": true }, maxUnavailable: { "x-kubernetes-int-or-string": true } } } },
  },
  "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector": {
    type: "object",
    properties: {
      matchLabels: strMap,
      matchExpressions: { type: "array", items: { type: "object", properties: { key: str, operator: str, values: strList } } },
    },
    "x-kubernetes-map-type": "atomic",
  },
  "io.k8s.api.core.v1.PodTemplateSpec": {
    type: "object",
    properties: { metadata: ref("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"), spec: ref("io.k8s.api.core.v1.PodSpec") },
  },
  "io.k8s.api.core.v1.PodSpec": {
    type: "object",
    required: ["containers"],
    properties: {
      containers: { type: "array", items: ref("io.k8s.api.core.v1.Container"), "x-kubernetes-patch-merge-key": "name", "x-kubernetes-patch-strategy": "merge", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"] },
      initContainers: { type: "array", items: ref("io.k8s.api.core.v1.Container"), "x-kubernetes-patch-merge-key": "name", "x-kubernetes-patch-strategy": "merge" },
      volumes: { type: "array", items: ref("io.k8s.api.core.v1.Volume"), "x-kubernetes-patch-merge-key": "name", "x-kubernetes-patch-strategy": "merge,retainKeys" },
      tolerations: { type: "array", items: { type: "object", properties: { key: str, operator: str, value: str, effect: str } } },
      nodeSelector: { ...strMap, "x-kubernetes-map-type": "atomic" },
      restartPolicy: str,
      securityContext: { type: "object", properties: { runAsUser: int } },
      imagePullSecrets: { type: "array", items: { type: "object", properties: { name: str } }, "x-kubernetes-patch-merge-key": "name", "x-kubernetes-patch-strategy": "merge" },
    },
  },
  "io.k8s.api.core.v1.Container": {
    type: "object",
    required: ["name"],
    properties: {
      name: str, image: str, imagePullPolicy: str,
      command: strList, args: strList,
      env: { type: "array", items: { type: "object", properties: { name: str, value: str, valueFrom: { type: "object", properties: { fieldRef: { type: "object", properties: { fieldPath: str } } } } } }, "x-kubernetes-patch-merge-key": "name", "x-kubernetes-patch-strategy": "merge", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"] },
      ports: {
        type: "array",
        items: { type: "object", properties: { containerPort: int, name: str, protocol: { ...str, default: "TCP" } } },
        "x-kubernetes-patch-merge-key": "containerPort", "x-kubernetes-patch-strategy": "merge",
        "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["containerPort", "protocol"],
      },
      volumeMounts: { type: "array", items: { type: "object", properties: { name: str, mountPath: str, readOnly: { type: "boolean" } } }, "x-kubernetes-patch-merge-key": "mountPath", "x-kubernetes-patch-strategy": "merge" },
      resources: { type: "object", properties: { limits: strMap, requests: strMap } },
    },
  },
  "io.k8s.api.core.v1.Volume": {
    type: "object",
    properties: {
      name: str,
      emptyDir: { type: "object", properties: { medium: str } },
      configMap: { type: "object", properties: { name: str } },
      secret: { type: "object", properties: { secretName: str } },
    },
  },
});

export const deploymentType = "io.k8s.api.apps.v1.Deployment";
