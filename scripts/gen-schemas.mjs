#!/usr/bin/env node
/**
 * Generates generated/schemas.json: the OpenAPI v3 component schemas of every built-in kind,
 * keyed by upstream's definition names (`io.k8s.api.core.v1.Pod`, ...).
 *
 * Source of truth:
 * - Shapes and descriptions come from the .d.ts files of the `kubernetes-types` package
 *   (v1.30), read syntactically with the TypeScript compiler API (no type checking: it is fast).
 * - What those files cannot carry is recorded here as facts of upstream's Go types:
 *   integer widths (int32/int64), byte/double formats, the patch strategies and merge keys of
 *   the Go struct tags (`patchStrategy`, `patchMergeKey`), the list/map/struct types of the
 *   `+listType`, `+listMapKey`, `+mapType`, `+structType` markers, the `x-kubernetes-*`
 *   fields of JSONSchemaProps, and a few fields added in v1.31/v1.32.
 *
 * Run as `node scripts/gen-schemas.mjs` (part of `npm run build`, and before tests);
 * `--out <file>` writes elsewhere, `--quiet` prints nothing.
 */
import { mkdirSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const typesDir = join(root, "node_modules", "kubernetes-types");
const outFlag = process.argv.indexOf("--out");
const outFile = outFlag > 0 && process.argv[outFlag + 1] ? resolve(process.argv[outFlag + 1]) : join(root, "generated", "schemas.json");
const outDir = dirname(outFile);

const ref = (name) => ({ $ref: `#/components/schemas/${name}` });

// ---------------------------------------------------------------------------------------------
// Package naming: kubernetes-types file → upstream OpenAPI name prefix.

/** "apps/v1" → "io.k8s.api.apps.v1" (and the apimachinery/apiextensions special cases). */
function packagePrefix(modulePath) {
  switch (modulePath) {
    case "meta/v1":
      return "io.k8s.apimachinery.pkg.apis.meta.v1";
    case "api/resource":
      return "io.k8s.apimachinery.pkg.api.resource";
    case "runtime":
      return "io.k8s.apimachinery.pkg.runtime";
    case "version":
      return "io.k8s.apimachinery.pkg.version";
    case "apiextensions/v1":
      return "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1";
    default:
      return "io.k8s.api." + modulePath.replace("/", ".");
  }
}

/** Short key used by the fact tables below: "core.v1.PodSpec" for io.k8s.api.core.v1.PodSpec. */
function shortName(fullName) {
  return fullName
    .replace("io.k8s.apimachinery.pkg.apis.", "")
    .replace("io.k8s.apimachinery.pkg.", "")
    .replace("io.k8s.apiextensions-apiserver.pkg.apis.", "")
    .replace("io.k8s.api.", "");
}

const intOrString = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";

// ---------------------------------------------------------------------------------------------
// Facts of upstream's Go types that kubernetes-types does not carry.

/**
 * Fields whose Go type is int64 (everything else numeric is int32, except `doubleFields`).
 * Upstream uses int64 for generations, durations in seconds that may be large, Unix ids, and
 * byte sizes; int32 for replica counts, ports, percentages and most `*Seconds` knobs.
 */
const int64Fields = new Set([
  "generation",
  "observedGeneration",
  "deletionGracePeriodSeconds",
  "gracePeriodSeconds",
  "terminationGracePeriodSeconds",
  "activeDeadlineSeconds",
  "startingDeadlineSeconds",
  "tolerationSeconds",
  "runAsUser",
  "runAsGroup",
  "fsGroup",
  "supplementalGroups",
  "uid@core.v1.LinuxContainerUser",
  "gid@core.v1.LinuxContainerUser",
  "remainingItemCount",
  "sizeBytes",
  "seconds",
  "revision@apps.v1.ControllerRevision",
  "expirationSeconds@authentication.v1.TokenRequestSpec",
  "expirationSeconds@core.v1.ServiceAccountTokenProjection",
  "maxItems",
  "maxLength",
  "maxProperties",
  "minItems",
  "minLength",
  "minProperties",
]);
const doubleFields = new Set(["maximum@apiextensions.v1.JSONSchemaProps", "minimum@apiextensions.v1.JSONSchemaProps", "multipleOf@apiextensions.v1.JSONSchemaProps"]);
/** base64 payloads ([]byte in Go). */
const byteFields = new Set([
  "data@core.v1.Secret",
  "binaryData@core.v1.ConfigMap",
  "request@certificates.v1.CertificateSigningRequestSpec",
  "certificate@certificates.v1.CertificateSigningRequestStatus",
  "caBundle",
]);

/**
 * Patch and list metadata, from upstream's struct tags and markers (v1.32).
 * Spec tokens:  merge[:key] | merge,retainKeys[:key] | retainKeys | replace  → patch strategy
 *               atomic | set | map(k1,k2)                                   → list type
 *               atomicmap                                                   → map type atomic
 * The key "@" describes the struct itself (`+structType=atomic` → map-type atomic).
 * Conditions lists follow upstream's convention: merge by `type`, list map keyed by `type`.
 */
const patchFacts = {
  // --- meta/v1
  "meta.v1.ObjectMeta": { finalizers: "merge set", ownerReferences: "merge:uid map(uid)", managedFields: "atomic" },
  "meta.v1.LabelSelector": { "@": "atomicmap", matchExpressions: "atomic" },
  "meta.v1.LabelSelectorRequirement": { values: "atomic" },
  "meta.v1.StatusDetails": { causes: "atomic" },
  "meta.v1.APIResourceList": { resources: "atomic" },
  "meta.v1.APIResource": { verbs: "atomic", shortNames: "atomic", categories: "atomic" },
  "meta.v1.APIGroup": { versions: "atomic", serverAddressByClientCIDRs: "atomic" },
  "meta.v1.APIGroupList": { groups: "atomic" },
  "meta.v1.APIVersions": { versions: "atomic", serverAddressByClientCIDRs: "atomic" },
  "meta.v1.DeleteOptions": { dryRun: "atomic" },

  // --- core/v1: pods and containers
  "core.v1.PodSpec": {
    volumes: "merge,retainKeys:name map(name)",
    initContainers: "merge:name map(name)",
    containers: "merge:name map(name)",
    ephemeralContainers: "merge:name map(name)",
    imagePullSecrets: "merge:name map(name)",
    hostAliases: "merge:ip map(ip)",
    tolerations: "atomic",
    readinessGates: "atomic",
    topologySpreadConstraints: "merge:topologyKey map(topologyKey,whenUnsatisfiable)",
    resourceClaims: "merge,retainKeys:name map(name)",
    schedulingGates: "merge:name map(name)",
    nodeSelector: "atomicmap",
  },
  "core.v1.Container": {
    ports: "merge:containerPort map(containerPort,protocol)",
    env: "merge:name map(name)",
    envFrom: "atomic",
    volumeMounts: "merge:mountPath map(mountPath)",
    volumeDevices: "merge:devicePath map(devicePath)",
    resizePolicy: "atomic",
    command: "atomic",
    args: "atomic",
  },
  "core.v1.EphemeralContainer": {
    ports: "merge:containerPort map(containerPort,protocol)",
    env: "merge:name map(name)",
    envFrom: "atomic",
    volumeMounts: "merge:mountPath map(mountPath)",
    volumeDevices: "merge:devicePath map(devicePath)",
    resizePolicy: "atomic",
    command: "atomic",
    args: "atomic",
  },
  "core.v1.PodStatus": {
    conditions: "merge:type map(type)",
    podIPs: "merge:ip map(ip)",
    hostIPs: "merge:ip atomic",
    initContainerStatuses: "atomic",
    containerStatuses: "atomic",
    ephemeralContainerStatuses: "atomic",
    resourceClaimStatuses: "merge,retainKeys:name map(name)",
  },
  "core.v1.ContainerStatus": { volumeMounts: "merge:mountPath map(mountPath)", allocatedResourcesStatus: "merge:name map(name)" },
  "core.v1.ResourceStatus": { resources: "map(resourceID)" },
  "core.v1.LinuxContainerUser": { supplementalGroups: "atomic" },
  "core.v1.ResourceRequirements": { claims: "map(name)" },
  "core.v1.PodSecurityContext": { supplementalGroups: "atomic", sysctls: "atomic" },
  "core.v1.Capabilities": { add: "atomic", drop: "atomic" },
  "core.v1.PodDNSConfig": { nameservers: "atomic", searches: "atomic", options: "atomic" },
  "core.v1.HostAlias": { hostnames: "atomic" },
  "core.v1.ExecAction": { command: "atomic" },
  "core.v1.HTTPGetAction": { httpHeaders: "atomic" },
  "core.v1.TopologySpreadConstraint": { matchLabelKeys: "atomic" },
  "core.v1.Affinity": {},
  "core.v1.NodeAffinity": { preferredDuringSchedulingIgnoredDuringExecution: "atomic" },
  "core.v1.PodAffinity": { requiredDuringSchedulingIgnoredDuringExecution: "atomic", preferredDuringSchedulingIgnoredDuringExecution: "atomic" },
  "core.v1.PodAntiAffinity": { requiredDuringSchedulingIgnoredDuringExecution: "atomic", preferredDuringSchedulingIgnoredDuringExecution: "atomic" },
  "core.v1.PodAffinityTerm": { namespaces: "atomic", matchLabelKeys: "atomic", mismatchLabelKeys: "atomic" },
  "core.v1.NodeSelector": { "@": "atomicmap", nodeSelectorTerms: "atomic" },
  "core.v1.NodeSelectorTerm": { "@": "atomicmap", matchExpressions: "atomic", matchFields: "atomic" },
  "core.v1.NodeSelectorRequirement": { values: "atomic" },
  "core.v1.TopologySelectorTerm": { "@": "atomicmap", matchLabelExpressions: "atomic" },
  "core.v1.TopologySelectorLabelRequirement": { values: "atomic" },
  "core.v1.PodTemplateSpec": {},

  // --- core/v1: references and selectors that are atomic structs
  "core.v1.ObjectReference": { "@": "atomicmap" },
  "core.v1.LocalObjectReference": { "@": "atomicmap" },
  "core.v1.TypedLocalObjectReference": { "@": "atomicmap" },
  "core.v1.ConfigMapKeySelector": { "@": "atomicmap" },
  "core.v1.SecretKeySelector": { "@": "atomicmap" },
  "core.v1.ObjectFieldSelector": { "@": "atomicmap" },
  "core.v1.ResourceFieldSelector": { "@": "atomicmap" },
  "core.v1.SecretReference": { "@": "atomicmap" },

  // --- core/v1: volumes
  "core.v1.ProjectedVolumeSource": { sources: "atomic" },
  "core.v1.ConfigMapVolumeSource": { items: "atomic" },
  "core.v1.SecretVolumeSource": { items: "atomic" },
  "core.v1.DownwardAPIVolumeSource": { items: "atomic" },
  "core.v1.ConfigMapProjection": { items: "atomic" },
  "core.v1.SecretProjection": { items: "atomic" },
  "core.v1.DownwardAPIProjection": { items: "atomic" },
  "core.v1.CephFSVolumeSource": { monitors: "atomic" },
  "core.v1.CephFSPersistentVolumeSource": { monitors: "atomic" },
  "core.v1.RBDVolumeSource": { monitors: "atomic" },
  "core.v1.RBDPersistentVolumeSource": { monitors: "atomic" },
  "core.v1.ISCSIVolumeSource": { portals: "atomic" },
  "core.v1.ISCSIPersistentVolumeSource": { portals: "atomic" },
  "core.v1.FCVolumeSource": { targetWWNs: "atomic", wwids: "atomic" },
  "core.v1.PersistentVolumeClaimSpec": { accessModes: "atomic" },
  "core.v1.PersistentVolumeClaimStatus": { accessModes: "atomic", conditions: "merge:type map(type)" },
  "core.v1.PersistentVolumeSpec": { accessModes: "atomic", mountOptions: "atomic" },

  // --- core/v1: services, endpoints, nodes, namespaces, others
  "core.v1.ServiceSpec": {
    ports: "merge:port map(port,protocol)",
    selector: "atomicmap",
    clusterIPs: "atomic",
    externalIPs: "atomic",
    ipFamilies: "atomic",
    loadBalancerSourceRanges: "atomic",
  },
  "core.v1.ServiceStatus": { conditions: "merge:type map(type)" },
  "core.v1.LoadBalancerStatus": { ingress: "atomic" },
  "core.v1.LoadBalancerIngress": { ports: "atomic" },
  "core.v1.Endpoints": { subsets: "atomic" },
  "core.v1.EndpointSubset": { addresses: "atomic", notReadyAddresses: "atomic", ports: "atomic" },
  "core.v1.EndpointAddress": { "@": "atomicmap" },
  "core.v1.EndpointPort": { "@": "atomicmap" },
  "core.v1.NodeSpec": { podCIDRs: "merge set", taints: "atomic" },
  "core.v1.NodeStatus": {
    conditions: "merge:type map(type)",
    addresses: "merge:type map(type)",
    images: "atomic",
    volumesInUse: "atomic",
    volumesAttached: "atomic",
    runtimeHandlers: "atomic",
  },
  "core.v1.ContainerImage": { names: "atomic" },
  "core.v1.NamespaceSpec": { finalizers: "atomic" },
  "core.v1.NamespaceStatus": { conditions: "merge:type map(type)" },
  "core.v1.ReplicationControllerSpec": { selector: "atomicmap" },
  "core.v1.ReplicationControllerStatus": { conditions: "merge:type map(type)" },
  "core.v1.ComponentStatus": { conditions: "merge:type map(type)" },
  "core.v1.ServiceAccount": { secrets: "merge:name map(name)", imagePullSecrets: "atomic" },
  "core.v1.LimitRangeSpec": { limits: "atomic" },
  "core.v1.ResourceQuotaSpec": { scopes: "atomic" },
  "core.v1.ScopeSelector": { matchExpressions: "atomic" },
  "core.v1.ScopedResourceSelectorRequirement": { values: "atomic" },

  // --- apps/v1
  "apps.v1.DeploymentSpec": { strategy: "retainKeys" },
  "apps.v1.DeploymentStatus": { conditions: "merge:type map(type)" },
  "apps.v1.ReplicaSetStatus": { conditions: "merge:type map(type)" },
  "apps.v1.DaemonSetStatus": { conditions: "merge:type map(type)" },
  "apps.v1.StatefulSetStatus": { conditions: "merge:type map(type)" },
  "apps.v1.StatefulSetSpec": { volumeClaimTemplates: "atomic" },

  // --- batch/v1
  "batch.v1.JobStatus": { conditions: "merge:type atomic" },
  "batch.v1.CronJobStatus": { active: "atomic" },
  "batch.v1.PodFailurePolicy": { rules: "atomic" },
  "batch.v1.PodFailurePolicyRule": { onPodConditions: "atomic" },
  "batch.v1.PodFailurePolicyOnExitCodesRequirement": { values: "set" },
  "batch.v1.SuccessPolicy": { rules: "atomic" },

  // --- autoscaling
  "autoscaling.v2.HorizontalPodAutoscalerSpec": { metrics: "atomic" },
  "autoscaling.v2.HorizontalPodAutoscalerStatus": { conditions: "merge:type map(type)", currentMetrics: "atomic" },
  "autoscaling.v2.HPAScalingRules": { policies: "atomic" },

  // --- networking, policy, discovery
  "networking.v1.IngressSpec": { rules: "atomic", tls: "atomic" },
  "networking.v1.IngressTLS": { hosts: "atomic" },
  "networking.v1.HTTPIngressRuleValue": { paths: "atomic" },
  "networking.v1.IngressLoadBalancerStatus": { ingress: "atomic" },
  "networking.v1.IngressLoadBalancerIngress": { ports: "atomic" },
  "networking.v1.NetworkPolicySpec": { ingress: "atomic", egress: "atomic", policyTypes: "atomic" },
  "networking.v1.NetworkPolicyIngressRule": { ports: "atomic", from: "atomic" },
  "networking.v1.NetworkPolicyEgressRule": { ports: "atomic", to: "atomic" },
  "networking.v1.IPBlock": { except: "atomic" },
  "policy.v1.PodDisruptionBudgetStatus": { conditions: "merge:type map(type)" },
  "discovery.v1.EndpointSlice": { endpoints: "atomic", ports: "atomic" },
  "discovery.v1.Endpoint": { addresses: "set" },
  "discovery.v1.EndpointHints": { forZones: "atomic" },

  // --- rbac/v1
  "rbac.v1.Role": { rules: "atomic" },
  "rbac.v1.ClusterRole": { rules: "atomic" },
  "rbac.v1.RoleBinding": { subjects: "atomic" },
  "rbac.v1.ClusterRoleBinding": { subjects: "atomic" },
  "rbac.v1.PolicyRule": { verbs: "atomic", apiGroups: "atomic", resources: "atomic", resourceNames: "atomic", nonResourceURLs: "atomic" },
  "rbac.v1.AggregationRule": { clusterRoleSelectors: "atomic" },
  "rbac.v1.Subject": { "@": "atomicmap" },
  "rbac.v1.RoleRef": { "@": "atomicmap" },

  // --- apiextensions/v1
  "apiextensions.v1.CustomResourceDefinitionSpec": { versions: "atomic" },
  "apiextensions.v1.CustomResourceDefinitionStatus": { conditions: "map(type)", storedVersions: "atomic" },
  "apiextensions.v1.CustomResourceDefinitionNames": { shortNames: "atomic", categories: "atomic" },
  "apiextensions.v1.CustomResourceDefinitionVersion": { additionalPrinterColumns: "atomic", selectableFields: "atomic" },
  "apiextensions.v1.CustomResourceConversion": {},
  "apiextensions.v1.WebhookConversion": { conversionReviewVersions: "atomic" },
  "apiextensions.v1.JSONSchemaProps": { required: "atomic", "x-kubernetes-validations": "merge:rule map(rule)" },

  // --- admissionregistration, storage, certificates, coordination
  "admissionregistration.v1.ValidatingWebhookConfiguration": { webhooks: "merge:name map(name)" },
  "admissionregistration.v1.MutatingWebhookConfiguration": { webhooks: "merge:name map(name)" },
  "admissionregistration.v1.ValidatingWebhook": { rules: "atomic", admissionReviewVersions: "atomic", matchConditions: "merge:name map(name)" },
  "admissionregistration.v1.MutatingWebhook": { rules: "atomic", admissionReviewVersions: "atomic", matchConditions: "merge:name map(name)" },
  "admissionregistration.v1.RuleWithOperations": { operations: "atomic", apiGroups: "atomic", apiVersions: "atomic", resources: "atomic" },
  "storage.v1.StorageClass": { mountOptions: "atomic", allowedTopologies: "atomic" },
  "storage.v1.CSINodeSpec": { drivers: "merge:name map(name)" },
  "storage.v1.CSINodeDriver": { topologyKeys: "atomic" },
  "storage.v1.CSIDriverSpec": { volumeLifecycleModes: "set", tokenRequests: "atomic" },
  "certificates.v1.CertificateSigningRequestSpec": { usages: "atomic", groups: "atomic" },
  "certificates.v1.CertificateSigningRequestStatus": { conditions: "map(type)" },
};

/** A description for the fields added here, written for Timonel. */
const boolProp = (description) => ({ type: "boolean", description });
const strProp = (description) => ({ type: "string", description });

/**
 * Fields and types that upstream v1.32 has but kubernetes-types v1.30 lacks. Without the
 * JSONSchemaProps extensions, strict field validation would reject every CRD that uses them.
 */
const extraDefinitions = {
  "io.k8s.api.core.v1.ImageVolumeSource": {
    description: "ImageVolumeSource represents an OCI image (or artifact) mounted read-only as a volume.",
    type: "object",
    properties: {
      reference: strProp("Image or artifact reference to mount, as for a container image."),
      pullPolicy: strProp("Policy for pulling the image: Always, Never or IfNotPresent."),
    },
  },
  "io.k8s.api.core.v1.ContainerUser": {
    description: "ContainerUser is the identity of the first process of a container.",
    type: "object",
    properties: { linux: { ...ref("io.k8s.api.core.v1.LinuxContainerUser"), description: "Identity on Linux." } },
  },
  "io.k8s.api.core.v1.LinuxContainerUser": {
    description: "LinuxContainerUser is the Linux identity of a container's first process.",
    type: "object",
    required: ["uid", "gid"],
    properties: {
      uid: { type: "integer", format: "int64", description: "Primary user id." },
      gid: { type: "integer", format: "int64", description: "Primary group id." },
      supplementalGroups: { type: "array", items: { type: "integer", format: "int64" }, description: "Supplemental group ids." },
    },
  },
  "io.k8s.api.core.v1.ResourceStatus": {
    description: "ResourceStatus is the health of the devices allocated for one resource.",
    type: "object",
    required: ["name"],
    properties: {
      name: strProp("Name of the resource, as in the container's resources."),
      resources: { type: "array", items: ref("io.k8s.api.core.v1.ResourceHealth"), description: "Health of each allocated device." },
    },
  },
  "io.k8s.api.core.v1.ResourceHealth": {
    description: "ResourceHealth is the health of one allocated device.",
    type: "object",
    required: ["resourceID"],
    properties: {
      resourceID: strProp("Unique id of the device."),
      health: strProp("Healthy, Unhealthy or Unknown."),
    },
  },
  "io.k8s.api.core.v1.NodeFeatures": {
    description: "NodeFeatures lists optional features the node supports.",
    type: "object",
    properties: { supplementalGroupsPolicy: boolProp("Whether the node honours the pod's supplementalGroupsPolicy.") },
  },
};
const extraProperties = {
  "apiextensions.v1.JSONSchemaProps": {
    "x-kubernetes-embedded-resource": boolProp("The value is a whole object with apiVersion, kind and metadata."),
    "x-kubernetes-int-or-string": boolProp("The value may be an integer or a string."),
    "x-kubernetes-list-map-keys": { type: "array", items: { type: "string" }, description: "Keys identifying the items of a list of type map." },
    "x-kubernetes-list-type": strProp("How server-side apply merges the list: atomic, set or map."),
    "x-kubernetes-map-type": strProp("How server-side apply merges the object: granular or atomic."),
    "x-kubernetes-preserve-unknown-fields": boolProp("Keep fields the schema does not declare instead of pruning them."),
    "x-kubernetes-validations": {
      type: "array",
      items: ref("io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.ValidationRule"),
      description: "CEL validation rules evaluated against the value.",
    },
  },
  "core.v1.Volume": { image: { ...ref("io.k8s.api.core.v1.ImageVolumeSource"), description: "An OCI image or artifact mounted read-only." } },
  "core.v1.PodSpec": { resources: { ...ref("io.k8s.api.core.v1.ResourceRequirements"), description: "Total resources requested by the pod as a whole." } },
  "core.v1.PodSecurityContext": {
    supplementalGroupsPolicy: strProp("How supplemental groups of the first process are computed: Merge or Strict."),
    seLinuxChangePolicy: strProp("How the SELinux label is applied to volumes: Recursive or MountOption."),
  },
  "core.v1.ContainerStatus": {
    user: { ...ref("io.k8s.api.core.v1.ContainerUser"), description: "Identity of the container's first process." },
    allocatedResourcesStatus: { type: "array", items: ref("io.k8s.api.core.v1.ResourceStatus"), description: "Health of the resources allocated to the container." },
  },
  "core.v1.NodeStatus": { features: { ...ref("io.k8s.api.core.v1.NodeFeatures"), description: "Optional features the node supports." } },
};
// Go's `Rule` is embedded inline in RuleWithOperations twice over, and kubernetes-types lost it.
const ruleFields = {
  resources: { type: "array", items: { type: "string" }, "x-kubernetes-list-type": "atomic", description: "Resources the rule applies to; '*' for all, 'pods/*' for all subresources of pods." },
  scope: strProp('Scope of the rule: "Cluster", "Namespaced" or "*" (the default).'),
};
for (const short of ["admissionregistration.v1.RuleWithOperations", "admissionregistration.v1.NamedRuleWithOperations", "admissionregistration.v1beta1.NamedRuleWithOperations", "admissionregistration.v1alpha1.NamedRuleWithOperations"]) {
  extraProperties[short] = ruleFields;
}

// ---------------------------------------------------------------------------------------------
// Reading the .d.ts files.

/** @typedef {{ module: string, prefix: string, sf: ts.SourceFile, imports: Map<string,string>, local: Set<string> }} Mod */

function listDts(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listDts(p));
    else if (name.endsWith(".d.ts")) out.push(p);
  }
  return out.sort();
}

function docOf(node) {
  const docs = node.jsDoc;
  if (!docs || docs.length === 0) return undefined;
  const text = ts.getTextOfJSDocComment(docs[docs.length - 1].comment);
  return text ? text.trim() : undefined;
}

function propName(name) {
  if (ts.isIdentifier(name) || ts.isStringLiteral(name)) return name.text;
  return name.getText();
}

const defs = {};
/** group/version pairs seen, for the GVK lists of DeleteOptions and WatchEvent. */
const groupVersions = new Set();

function loadModule(file) {
  const module = relative(typesDir, file).replace(/\.d\.ts$/, "").split("\\").join("/");
  const sf = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const imports = new Map();
  const local = new Set();
  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st) && st.importClause?.namedBindings && ts.isNamedImports(st.importClause.namedBindings)) {
      const spec = st.moduleSpecifier.text;
      const target = join(dirname(module), spec).split("\\").join("/");
      for (const el of st.importClause.namedBindings.elements) imports.set(el.name.text, packagePrefix(target) + "." + (el.propertyName ?? el.name).text);
    } else if ((ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st)) && st.name) {
      local.add(st.name.text);
    }
  }
  return { module, prefix: packagePrefix(module), sf, imports, local };
}

function resolveName(mod, name) {
  if (mod.local.has(name)) return mod.prefix + "." + name;
  const imported = mod.imports.get(name);
  if (imported) return imported;
  throw new Error(`${mod.module}: cannot resolve type ${name}`);
}

/** Integer format for a numeric field of the given definition. */
function numberSchema(defShort, field) {
  if (doubleFields.has(`${field}@${defShort}`)) return { type: "number", format: "double" };
  if (int64Fields.has(field) || int64Fields.has(`${field}@${defShort}`)) return { type: "integer", format: "int64" };
  return { type: "integer", format: "int32" };
}

function typeSchema(mod, node, defShort, field) {
  switch (node.kind) {
    case ts.SyntaxKind.StringKeyword:
      return byteFields.has(field) || byteFields.has(`${field}@${defShort}`) ? { type: "string", format: "byte" } : { type: "string" };
    case ts.SyntaxKind.NumberKeyword:
      return numberSchema(defShort, field);
    case ts.SyntaxKind.BooleanKeyword:
      return { type: "boolean" };
    case ts.SyntaxKind.LiteralType:
      return { type: "string" };
    case ts.SyntaxKind.UnionType: {
      const kinds = node.types.map((t) => t.kind).sort();
      if (kinds.length === 2 && kinds.includes(ts.SyntaxKind.NumberKeyword) && kinds.includes(ts.SyntaxKind.StringKeyword)) return ref(intOrString);
      throw new Error(`${mod.module}: unsupported union ${node.getText()}`);
    }
    case ts.SyntaxKind.ArrayType:
      return { type: "array", items: typeSchema(mod, node.elementType, defShort, field) };
    case ts.SyntaxKind.TypeReference: {
      const name = node.typeName.getText();
      if (name === "Array") return { type: "array", items: typeSchema(mod, node.typeArguments[0], defShort, field) };
      return ref(resolveName(mod, name));
    }
    case ts.SyntaxKind.TypeLiteral: {
      const index = node.members.find((m) => ts.isIndexSignatureDeclaration(m));
      if (!index || node.members.length !== 1) throw new Error(`${mod.module}: unsupported type literal ${node.getText()}`);
      return { type: "object", additionalProperties: typeSchema(mod, index.type, defShort, field) };
    }
    default:
      throw new Error(`${mod.module}: unsupported type ${node.getText()}`);
  }
}

/** apiVersion "apps/v1" → { group: "apps", version: "v1" }. */
function splitApiVersion(apiVersion) {
  const i = apiVersion.indexOf("/");
  return i < 0 ? { group: "", version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

function literalOf(member) {
  const t = member.type;
  return t && ts.isLiteralTypeNode(t) && ts.isStringLiteral(t.literal) ? t.literal.text : undefined;
}

function readInterface(mod, decl) {
  const full = mod.prefix + "." + decl.name.text;
  const short = shortName(full);
  // apiextensions JSON holds any JSON value: upstream gives it no type.
  const def = full.endsWith("apiextensions.v1.JSON") ? { description: docOf(decl) } : { description: docOf(decl), type: "object" };
  const properties = {};
  const required = [];
  let apiVersion;
  let kind;
  for (const m of decl.members) {
    if (!ts.isPropertySignature(m)) throw new Error(`${full}: unsupported member ${m.getText()}`);
    const name = propName(m.name);
    const schema = typeSchema(mod, m.type, short, name);
    const description = docOf(m);
    properties[name] = description ? { ...schema, description } : schema;
    if (!m.questionToken) required.push(name);
    if (name === "apiVersion") apiVersion = literalOf(m);
    if (name === "kind") kind = literalOf(m);
  }
  if (Object.keys(properties).length > 0) def.properties = properties;
  if (required.length > 0) def.required = required;
  if (apiVersion && kind) {
    const gv = splitApiVersion(apiVersion);
    def["x-kubernetes-group-version-kind"] = [{ group: gv.group, kind, version: gv.version }];
    groupVersions.add(apiVersion);
  }
  if (!def.description) delete def.description;
  defs[full] = def;
}

function readAlias(mod, decl) {
  const full = mod.prefix + "." + decl.name.text;
  const description = docOf(decl);
  const base = description ? { description } : {};
  const name = decl.name.text;
  if (name === "Time" || name === "MicroTime") defs[full] = { ...base, type: "string", format: "date-time" };
  else if (decl.type.kind === ts.SyntaxKind.StringKeyword) defs[full] = { ...base, type: "string" };
  // JSONSchemaPropsOrArray/OrBool/OrStringArray: upstream declares no type (any JSON value).
  else if (ts.isUnionTypeNode(decl.type)) defs[full] = { ...base };
  else throw new Error(`${full}: unsupported type alias`);
}

// ---------------------------------------------------------------------------------------------
// Applying the fact tables.

function applySpec(target, spec, where) {
  for (const token of spec.split(/\s+/).filter(Boolean)) {
    const list = /^map\(([^)]+)\)$/.exec(token);
    const patch = /^(merge|merge,retainKeys|retainKeys|replace)(?::(.+))?$/.exec(token);
    if (list) {
      target["x-kubernetes-list-type"] = "map";
      target["x-kubernetes-list-map-keys"] = list[1].split(",");
    } else if (token === "atomic" || token === "set") target["x-kubernetes-list-type"] = token;
    else if (token === "atomicmap") target["x-kubernetes-map-type"] = "atomic";
    else if (patch) {
      target["x-kubernetes-patch-strategy"] = patch[1];
      if (patch[2]) target["x-kubernetes-patch-merge-key"] = patch[2];
    } else throw new Error(`${where}: bad spec token ${token}`);
  }
}

function findDef(short) {
  for (const prefix of ["io.k8s.api.", "io.k8s.apimachinery.pkg.apis.", "io.k8s.apiextensions-apiserver.pkg.apis."]) {
    if (defs[prefix + short]) return defs[prefix + short];
  }
  throw new Error(`fact table names unknown definition ${short}`);
}

/**
 * Defaults that list-map keys depend on: `{containerPort: 80}` and its defaulted form must be
 * the same list item for apply and strategic merge, as upstream's `+default` markers make them.
 */
const keyDefaults = {
  "core.v1.ContainerPort": { protocol: "TCP" },
  "core.v1.ServicePort": { protocol: "TCP" },
  "core.v1.EndpointPort": { protocol: "TCP" },
};

function applyFacts() {
  Object.assign(defs, extraDefinitions);
  for (const [short, fields] of Object.entries(keyDefaults)) {
    const def = findDef(short);
    for (const [field, value] of Object.entries(fields)) {
      if (!def.properties?.[field]) throw new Error(`default table: ${short} has no field ${field}`);
      def.properties[field].default = value;
    }
  }
  for (const [short, props] of Object.entries(extraProperties)) {
    const def = findDef(short);
    def.properties = { ...def.properties, ...props };
  }
  for (const [short, fields] of Object.entries(patchFacts)) {
    const def = findDef(short);
    for (const [field, spec] of Object.entries(fields)) {
      if (field === "@") {
        applySpec(def, spec, short);
        continue;
      }
      const prop = def.properties?.[field];
      if (!prop) throw new Error(`fact table: ${short} has no field ${field}`);
      applySpec(prop, spec, `${short}.${field}`);
    }
  }

  defs[intOrString] = {
    description:
      "IntOrString is a type that can hold an int32 or a string. When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type. This allows you to have, for example, a JSON field that can accept a name or number.",
    type: "string",
    format: "int-or-string",
    "x-kubernetes-int-or-string": true,
  };
  // Upstream's v1 Status is served for every group; DeleteOptions and WatchEvent are accepted
  // in every group version.
  const meta = "io.k8s.apimachinery.pkg.apis.meta.v1.";
  defs[meta + "Status"]["x-kubernetes-group-version-kind"] = [{ group: "", kind: "Status", version: "v1" }];
  const all = [...groupVersions].sort().map(splitApiVersion);
  for (const kind of ["DeleteOptions", "WatchEvent"]) defs[meta + kind]["x-kubernetes-group-version-kind"] = all.map((gv) => ({ group: gv.group, kind, version: gv.version }));
}

/** Every $ref must name a definition. */
function checkRefs() {
  const walk = (node, where) => {
    if (!node || typeof node !== "object") return;
    if (typeof node.$ref === "string") {
      const name = node.$ref.slice("#/components/schemas/".length);
      if (!defs[name]) throw new Error(`${where}: dangling $ref ${name}`);
    }
    for (const v of Object.values(node)) if (v && typeof v === "object") walk(v, where);
  };
  for (const [name, def] of Object.entries(defs)) walk(def, name);
}

function main() {
  const started = Date.now();
  for (const file of listDts(typesDir)) {
    const mod = loadModule(file);
    for (const st of mod.sf.statements) {
      if (ts.isInterfaceDeclaration(st)) readInterface(mod, st);
      else if (ts.isTypeAliasDeclaration(st)) readAlias(mod, st);
    }
  }
  applyFacts();
  checkRefs();
  const sorted = {};
  for (const name of Object.keys(defs).sort()) sorted[name] = defs[name];
  mkdirSync(outDir, { recursive: true });
  // Write then rename, so that a test process reading the file never sees half of it.
  const tmp = `${outFile}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(sorted));
  renameSync(tmp, outFile);
  if (!process.argv.includes("--quiet")) {
    console.log(`gen-schemas: ${Object.keys(sorted).length} definitions → ${relative(root, outFile)} (${Date.now() - started} ms)`);
  }
}

main();
