/**
 * Upstream's v1 defaulting for PodSpec and what it contains (containers, probes, volumes),
 * plus the Pod-only defaults (SetDefaults_Pod) that pod templates must not get.
 */
import type {
  Container, EphemeralContainer, HTTPGetAction, ObjectFieldSelector, PodSpec, PodTemplateSpec, Probe, Volume,
} from "kubernetes-types/core/v1.js";
import { canonicalQuantity, canonicalizeResourceList } from "./quantity.js";

/** The tag of an image reference as parsers.ParseImageName sees it: "latest" when neither tag nor digest. */
export function imageTag(image: string): string {
  const at = image.indexOf("@");
  const name = at >= 0 ? image.slice(0, at) : image;
  const slash = name.lastIndexOf("/");
  const colon = name.lastIndexOf(":");
  if (colon > slash) return name.slice(colon + 1);
  return at >= 0 ? "" : "latest";
}

function defaultHTTPGet(h: HTTPGetAction | undefined): void {
  if (!h) return;
  if (!h.path) h.path = "/";
  if (!h.scheme) h.scheme = "HTTP";
}

function defaultProbe(p: Probe | undefined): void {
  if (!p) return;
  if (!p.timeoutSeconds) p.timeoutSeconds = 1;
  if (!p.periodSeconds) p.periodSeconds = 10;
  if (!p.successThreshold) p.successThreshold = 1;
  if (!p.failureThreshold) p.failureThreshold = 3;
  defaultHTTPGet(p.httpGet);
}

function defaultFieldRef(f: ObjectFieldSelector | undefined): void {
  if (f && !f.apiVersion) f.apiVersion = "v1";
}

export function defaultContainer(c: Container | EphemeralContainer): void {
  if (!c.imagePullPolicy) c.imagePullPolicy = imageTag(c.image ?? "") === "latest" ? "Always" : "IfNotPresent";
  if (!c.terminationMessagePath) c.terminationMessagePath = "/dev/termination-log";
  if (!c.terminationMessagePolicy) c.terminationMessagePolicy = "File";
  for (const p of c.ports ?? []) if (!p.protocol) p.protocol = "TCP";
  for (const e of c.env ?? []) defaultFieldRef(e.valueFrom?.fieldRef);
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  defaultHTTPGet(c.lifecycle?.postStart?.httpGet);
  defaultHTTPGet(c.lifecycle?.preStop?.httpGet);
  // ResourceRequirements is a struct upstream, so it always serialises, at least as {}.
  if (!c.resources) c.resources = {};
  canonicalizeResourceList(c.resources.limits as Record<string, unknown> | undefined);
  canonicalizeResourceList(c.resources.requests as Record<string, unknown> | undefined);
}

const volumeSourceKeys = [
  "awsElasticBlockStore", "azureDisk", "azureFile", "cephfs", "cinder", "configMap", "csi", "downwardAPI",
  "emptyDir", "ephemeral", "fc", "flexVolume", "flocker", "gcePersistentDisk", "gitRepo", "glusterfs", "hostPath",
  "image", "iscsi", "nfs", "persistentVolumeClaim", "photonPersistentDisk", "portworxVolume", "projected",
  "quobyte", "rbd", "scaleIO", "secret", "storageos", "vsphereVolume",
] as const;

export function defaultVolume(v: Volume): void {
  const src = v as unknown as Record<string, unknown>;
  if (!volumeSourceKeys.some((k) => src[k] !== undefined && src[k] !== null)) v.emptyDir = {};
  if (v.secret && v.secret.defaultMode === undefined) v.secret.defaultMode = 420;
  if (v.configMap && v.configMap.defaultMode === undefined) v.configMap.defaultMode = 420;
  if (v.downwardAPI) {
    if (v.downwardAPI.defaultMode === undefined) v.downwardAPI.defaultMode = 420;
    for (const it of v.downwardAPI.items ?? []) defaultFieldRef(it.fieldRef);
  }
  if (v.projected) {
    if (v.projected.defaultMode === undefined) v.projected.defaultMode = 420;
    for (const s of v.projected.sources ?? []) {
      if (s.serviceAccountToken && s.serviceAccountToken.expirationSeconds === undefined) s.serviceAccountToken.expirationSeconds = 3600;
      for (const it of s.downwardAPI?.items ?? []) defaultFieldRef(it.fieldRef);
    }
  }
  if (v.hostPath && v.hostPath.type === undefined) v.hostPath.type = "";
  if (v.emptyDir?.sizeLimit !== undefined) v.emptyDir.sizeLimit = String(canonicalQuantity(v.emptyDir.sizeLimit));
  if (v.iscsi) {
    if (!v.iscsi.iscsiInterface) v.iscsi.iscsiInterface = "default";
  }
  if (v.rbd) {
    if (!v.rbd.pool) v.rbd.pool = "rbd";
    if (!v.rbd.user) v.rbd.user = "admin";
    if (!v.rbd.keyring) v.rbd.keyring = "/etc/ceph/keyring";
  }
  const pvc = v.ephemeral?.volumeClaimTemplate?.spec;
  if (pvc && !pvc.volumeMode) pvc.volumeMode = "Filesystem";
}

/** SetDefaults_PodSpec and everything nested: for Pods and for every pod template. */
export function defaultPodSpec(spec: PodSpec): void {
  if (!spec.dnsPolicy) spec.dnsPolicy = "ClusterFirst";
  if (!spec.restartPolicy) spec.restartPolicy = "Always";
  if (!spec.securityContext) spec.securityContext = {};
  if (spec.terminationGracePeriodSeconds === undefined || spec.terminationGracePeriodSeconds === null) spec.terminationGracePeriodSeconds = 30;
  if (!spec.schedulerName) spec.schedulerName = "default-scheduler";
  for (const c of spec.containers ?? []) defaultContainer(c);
  for (const c of spec.initContainers ?? []) defaultContainer(c);
  for (const c of spec.ephemeralContainers ?? []) defaultContainer(c);
  for (const v of spec.volumes ?? []) defaultVolume(v);
  canonicalizeResourceList(spec.overhead as Record<string, unknown> | undefined);
}

function defaultHostNetworkPorts(containers: Container[] | undefined): void {
  for (const c of containers ?? []) for (const p of c.ports ?? []) if (!p.hostPort) p.hostPort = p.containerPort;
}

/** SetDefaults_Pod: what only a Pod gets (not a template): requests from limits, service links. */
export function defaultPodOnly(spec: PodSpec): void {
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    const limits = c.resources?.limits;
    if (!limits) continue;
    c.resources ??= {};
    const requests = (c.resources.requests ??= {});
    for (const [k, v] of Object.entries(limits)) if (requests[k] === undefined) requests[k] = v;
  }
  if (spec.enableServiceLinks === undefined || spec.enableServiceLinks === null) spec.enableServiceLinks = true;
  // Templates keep hostPort 0 (DefaultHostNetworkHostPortsInPodTemplates is off); Pods get containerPort.
  if (spec.hostNetwork) {
    defaultHostNetworkPorts(spec.containers);
    defaultHostNetworkPorts(spec.initContainers);
  }
}

/**
 * Defaults a pod template in place. ObjectMeta is a struct upstream, so a template's metadata
 * serialises with `creationTimestamp: null`; kubectl users see that in every workload.
 */
export function defaultPodTemplateSpec(t: PodTemplateSpec | undefined): void {
  if (!t) return;
  const meta = (t.metadata ??= {}) as { creationTimestamp?: string | null };
  if (meta.creationTimestamp === undefined) meta.creationTimestamp = null;
  t.spec ??= { containers: [] };
  defaultPodSpec(t.spec);
}
