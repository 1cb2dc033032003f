/** PersistentVolume and PersistentVolumeClaim: defaults, validation, immutability, printers. */
import type { PersistentVolume, PersistentVolumeClaim } from "kubernetes-types/core/v1.js";
import { field, type FieldError } from "../../../machinery/errors.js";
import { nowRFC3339 } from "../../../machinery/object.js";
import { validateLabels } from "../../../machinery/validation.js";
import { accessModesString, age } from "../../printers.js";
import { ageColumn, col, deepEqual, defineResource, keyPath, nameColumn, type Obj, validateDNS1123Subdomain } from "./common.js";
import { canonicalizeResourceList, compareQuantities, formatQuantity, parseQuantity } from "./quantity.js";
import { validateQuantity } from "./resources-validation.js";

export type PersistentVolumeObj = Obj<PersistentVolume>;
export type PersistentVolumeClaimObj = Obj<PersistentVolumeClaim>;

const accessModes = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"];
const volumeModes = ["Block", "Filesystem"];
const reclaimPolicies = ["Delete", "Recycle", "Retain"];
const betaStorageClassAnnotation = "volume.beta.kubernetes.io/storage-class";

const pvSourceKeys = [
  "awsElasticBlockStore", "azureDisk", "azureFile", "cephfs", "cinder", "csi", "fc", "flexVolume", "flocker",
  "gcePersistentDisk", "glusterfs", "hostPath", "iscsi", "local", "nfs", "photonPersistentDisk", "portworxVolume",
  "quobyte", "rbd", "scaleIO", "storageos", "vsphereVolume",
] as const;

function validateAccessModes(modes: readonly string[] | undefined, path: string, requiredDetail = ""): FieldError[] {
  const out: FieldError[] = [];
  if (!modes?.length) return [field.required(path, requiredDetail)];
  for (const m of modes) if (!accessModes.includes(m)) out.push(field.notSupported(path, m, accessModes));
  if (modes.includes("ReadWriteOncePod") && modes.length > 1) out.push(field.forbidden(path, "may not use ReadWriteOncePod with other access modes"));
  return out;
}

function validatePositiveQuantity(v: unknown, path: string): FieldError[] {
  const { q, errs } = validateQuantity(v, path);
  if (errs.length) return errs;
  return q && q.nano <= 0n ? [field.invalid(path, formatQuantity(q), "must be greater than zero")] : [];
}

function pvSource(pv: PersistentVolumeObj): Record<string, unknown> {
  const spec = (pv.spec ?? {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of pvSourceKeys) if (spec[k] !== undefined) out[k] = spec[k];
  return out;
}

export function validatePersistentVolume(pv: PersistentVolumeObj): FieldError[] {
  const spec = pv.spec ?? {};
  const out = validateAccessModes(spec.accessModes, "spec.accessModes");
  const cap = (spec.capacity ?? {}) as Record<string, unknown>;
  const keys = Object.keys(cap);
  if (keys.length === 0) out.push(field.required("spec.capacity"));
  if (!("storage" in cap) || keys.length > 1) out.push(field.notSupported("spec.capacity", cap, ["storage"]));
  for (const k of keys) out.push(...validatePositiveQuantity(cap[k], keyPath("spec.capacity", k)));
  if (spec.storageClassName) out.push(...validateDNS1123Subdomain(spec.storageClassName, "spec.storageClassName"));
  if (spec.volumeMode && !volumeModes.includes(spec.volumeMode)) out.push(field.notSupported("spec.volumeMode", spec.volumeMode, volumeModes));
  if (spec.persistentVolumeReclaimPolicy && !reclaimPolicies.includes(spec.persistentVolumeReclaimPolicy)) {
    out.push(field.notSupported("spec.persistentVolumeReclaimPolicy", spec.persistentVolumeReclaimPolicy, reclaimPolicies));
  }
  const sources = Object.keys(pvSource(pv));
  if (sources.length === 0) out.push(field.required("spec", "must specify a volume type"));
  for (const k of sources.slice(1)) out.push(field.forbidden(`spec.${k}`, "may not specify more than 1 volume type"));
  if (spec.hostPath && !spec.hostPath.path) out.push(field.required("spec.hostPath.path"));
  if (spec.local && !spec.local.path) out.push(field.required("spec.local.path"));
  if (spec.local && !spec.nodeAffinity) out.push(field.required("spec.nodeAffinity", "Local volume requires node affinity"));
  if (spec.nfs) {
    if (!spec.nfs.server) out.push(field.required("spec.nfs.server"));
    if (!spec.nfs.path) out.push(field.required("spec.nfs.path"));
    else if (!spec.nfs.path.startsWith("/")) out.push(field.invalid("spec.nfs.path", spec.nfs.path, "must be an absolute path"));
  }
  if (spec.csi) {
    if (!spec.csi.driver) out.push(field.required("spec.csi.driver"));
    if (!spec.csi.volumeHandle) out.push(field.required("spec.csi.volumeHandle"));
  }
  return out;
}

function validatePersistentVolumeUpdate(pv: PersistentVolumeObj, old: PersistentVolumeObj): FieldError[] {
  const out = validatePersistentVolume(pv);
  if (!deepEqual(pvSource(pv), pvSource(old))) {
    out.push(field.forbidden("spec.persistentvolumesource", "spec.persistentvolumesource is immutable after creation"));
  }
  if ((pv.spec?.volumeMode ?? "") !== (old.spec?.volumeMode ?? "")) out.push(field.invalid("volumeMode", pv.spec?.volumeMode, "field is immutable"));
  if (old.spec?.nodeAffinity && !deepEqual(pv.spec?.nodeAffinity, old.spec.nodeAffinity)) {
    out.push(field.invalid("nodeAffinity", pv.spec?.nodeAffinity, "field is immutable"));
  }
  return out;
}

function storageOf(list: Record<string, string> | undefined): string {
  const q = parseQuantity(list?.storage);
  return q ? formatQuantity(q) : "0";
}

export const persistentVolumeResource = defineResource<PersistentVolumeObj>({
  group: "", version: "v1", kind: "PersistentVolume",
  plural: "persistentvolumes", singular: "persistentvolume", shortNames: ["pv"],
  namespaced: false,
  schema: "io.k8s.api.core.v1.PersistentVolume",
  subresources: { status: true },
  columns: [
    nameColumn,
    col("Capacity", "string", "capacity is the description of the persistent volume's resources and capacity. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#capacity"),
    col("Access Modes", "string", "accessModes contains all ways the volume can be mounted. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes"),
    col("Reclaim Policy", "string", "persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim. Valid options are Retain (default for manually created PersistentVolumes), Delete (default for dynamically provisioned PersistentVolumes), and Recycle (deprecated). Recycle must be supported by the volume plugin underlying this PersistentVolume. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#reclaiming"),
    col("Status", "string", "phase indicates if a volume is available, bound to a claim, or released by a claim. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#phase"),
    col("Claim", "string", "claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim. Expected to be non-nil when bound. claim.VolumeName is the authoritative bind between PV and PVC. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#binding"),
    col("StorageClass", "string", "StorageClass of the pv"),
    col("VolumeAttributesClass", "string", "VolumeAttributesClass of the pv"),
    col("Reason", "string", "reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI."),
    ageColumn,
    col("VolumeMode", "string", "volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state. Value of Filesystem is implied when not included in spec.", 1),
  ],
  row(pv) {
    const spec = pv.spec ?? {};
    const claim = spec.claimRef ? `${spec.claimRef.namespace ?? ""}/${spec.claimRef.name ?? ""}` : "";
    const phase = pv.metadata.deletionTimestamp ? "Terminating" : pv.status?.phase ?? "";
    const sc = pv.metadata.annotations?.[betaStorageClassAnnotation] ?? spec.storageClassName ?? "";
    return [
      pv.metadata.name ?? "", storageOf(spec.capacity), accessModesString(spec.accessModes), spec.persistentVolumeReclaimPolicy ?? "",
      phase, claim, sc, spec.volumeAttributesClassName ?? "<unset>", pv.status?.reason ?? "", age(pv.metadata.creationTimestamp),
      spec.volumeMode ?? "<unset>",
    ];
  },
  defaults(pv) {
    const spec = (pv.spec ??= {});
    if (!spec.persistentVolumeReclaimPolicy) spec.persistentVolumeReclaimPolicy = "Retain";
    if (!spec.volumeMode) spec.volumeMode = "Filesystem";
    if (spec.hostPath && spec.hostPath.type === undefined) spec.hostPath.type = "";
    canonicalizeResourceList(spec.capacity as Record<string, unknown> | undefined);
    pv.status ??= {};
    if (!pv.status.phase) pv.status.phase = "Pending";
  },
  validate: validatePersistentVolume,
  validateUpdate: validatePersistentVolumeUpdate,
  prepareForCreate(pv, ctx) {
    pv.status = { phase: "Pending", lastPhaseTransitionTime: nowRFC3339(ctx.now) };
  },
  prepareForUpdate(pv, old) {
    pv.status = old.status;
  },
  fieldSelectors: {
    // Upstream keeps this legacy alias of metadata.name.
    name: (pv) => pv.metadata.name ?? "",
  },
});

export function validatePersistentVolumeClaimSpec(spec: PersistentVolumeClaimObj["spec"], path: string): FieldError[] {
  const s = spec ?? {};
  const out = validateAccessModes(s.accessModes, `${path}.accessModes`, "at least 1 access mode is required");
  if (s.selector) {
    out.push(...validateLabels(s.selector.matchLabels, `${path}.selector.matchLabels`));
  }
  const requests = (s.resources?.requests ?? {}) as Record<string, unknown>;
  const storagePath = keyPath(`${path}.resources`, "storage");
  if (!("storage" in requests)) out.push(field.required(storagePath));
  else out.push(...validatePositiveQuantity(requests.storage, storagePath));
  if (s.storageClassName) out.push(...validateDNS1123Subdomain(s.storageClassName, `${path}.storageClassName`));
  if (s.volumeMode && !volumeModes.includes(s.volumeMode)) out.push(field.notSupported(`${path}.volumeMode`, s.volumeMode, volumeModes));
  return out;
}

/**
 * SetDefaults_PersistentVolumeClaim: also applied to claims embedded in other kinds
 * (StatefulSet volumeClaimTemplates), which therefore show `status: {phase: Pending}`.
 */
export function defaultPersistentVolumeClaim(pvc: { spec?: PersistentVolumeClaimObj["spec"]; status?: PersistentVolumeClaimObj["status"] }): void {
  const spec = (pvc.spec ??= {});
  if (!spec.volumeMode) spec.volumeMode = "Filesystem";
  canonicalizeResourceList(spec.resources?.requests as Record<string, unknown> | undefined);
  canonicalizeResourceList(spec.resources?.limits as Record<string, unknown> | undefined);
  pvc.status ??= {};
  if (!pvc.status.phase) pvc.status.phase = "Pending";
}

function validateClaim(pvc: PersistentVolumeClaimObj): FieldError[] {
  return validatePersistentVolumeClaimSpec(pvc.spec, "spec");
}

function validateClaimUpdate(pvc: PersistentVolumeClaimObj, old: PersistentVolumeClaimObj): FieldError[] {
  const out = validateClaim(pvc);
  const newSpec = structuredClone(pvc.spec ?? {});
  const oldSpec = structuredClone(old.spec ?? {});
  // The binder sets volumeName once; bound claims may grow their storage request.
  if (!oldSpec.volumeName) oldSpec.volumeName = newSpec.volumeName;
  if (pvc.status?.phase === "Bound" && newSpec.resources?.requests) {
    newSpec.resources.requests = { ...newSpec.resources.requests, storage: oldSpec.resources?.requests?.storage ?? "" };
  }
  oldSpec.volumeAttributesClassName = newSpec.volumeAttributesClassName;
  if (!deepEqual(newSpec, oldSpec)) {
    out.push(field.forbidden("spec", "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"));
  }
  const ns = parseQuantity(pvc.spec?.resources?.requests?.storage);
  const os = parseQuantity(old.spec?.resources?.requests?.storage);
  if (ns && os && compareQuantities(ns, os) < 0) out.push(field.forbidden("spec.resources.requests.storage", "field can not be less than previous value"));
  if ((pvc.spec?.volumeMode ?? "") !== (old.spec?.volumeMode ?? "")) out.push(field.invalid("volumeMode", pvc.spec?.volumeMode, "field is immutable"));
  return out;
}

export const persistentVolumeClaimResource = defineResource<PersistentVolumeClaimObj>({
  group: "", version: "v1", kind: "PersistentVolumeClaim",
  plural: "persistentvolumeclaims", singular: "persistentvolumeclaim", shortNames: ["pvc"],
  namespaced: true,
  schema: "io.k8s.api.core.v1.PersistentVolumeClaim",
  subresources: { status: true },
  columns: [
    nameColumn,
    col("Status", "string", "phase represents the current phase of PersistentVolumeClaim."),
    col("Volume", "string", "volumeName is the binding reference to the PersistentVolume backing this claim."),
    col("Capacity", "string", "capacity represents the actual resources of the underlying volume."),
    col("Access Modes", "string", "accessModes contains the actual access modes the volume backing the PVC has. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes-1"),
    col("StorageClass", "string", "StorageClass of the pvc"),
    col("VolumeAttributesClass", "string", "VolumeAttributesClass of the pvc"),
    ageColumn,
    col("VolumeMode", "string", "volumeMode defines what type of volume is required by the claim. Value of Filesystem is implied when not included in claim spec.", 1),
  ],
  row(pvc) {
    const spec = pvc.spec ?? {};
    const phase = pvc.metadata.deletionTimestamp ? "Terminating" : pvc.status?.phase ?? "";
    let capacity = "";
    let modes = "";
    if (spec.volumeName) {
      modes = accessModesString(pvc.status?.accessModes);
      capacity = storageOf(pvc.status?.capacity);
    }
    const sc = pvc.metadata.annotations?.[betaStorageClassAnnotation] ?? spec.storageClassName ?? "";
    return [
      pvc.metadata.name ?? "", phase, spec.volumeName ?? "", capacity, modes, sc, spec.volumeAttributesClassName ?? "<unset>",
      age(pvc.metadata.creationTimestamp), spec.volumeMode ?? "<unset>",
    ];
  },
  defaults: defaultPersistentVolumeClaim,
  validate: validateClaim,
  validateUpdate: validateClaimUpdate,
  prepareForCreate(pvc) {
    pvc.status = { phase: "Pending" };
  },
  prepareForUpdate(pvc, old) {
    pvc.status = old.status;
  },
  fieldSelectors: {
    name: (pvc) => pvc.metadata.name ?? "",
  },
});
