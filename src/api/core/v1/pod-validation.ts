/**
 * Upstream's PodSpec validation (pkg/apis/core/validation) for the fields Timonel serves:
 * containers, ports, env, mounts, probes, resources, volumes, policies, tolerations. Inputs
 * are `unknown` because pod templates arrive inside other kinds before any typing.
 */
import { field, type FieldError } from "../../../machinery/errors.js";
import { validateAnnotations, validateLabels } from "../../../machinery/validation.js";
import {
  child, isConfigMapKey, isObject, isValidPortNum, isValidPortName, notFound, validateDNS1123Label,
  validateDNS1123Subdomain, validateNonnegative, validatePortNumOrName, validateQualifiedName,
} from "./common.js";
import { validateResourceRequirements, validateQuantity } from "./resources-validation.js";

type Rec = Record<string, unknown>;

export interface PodSpecOptions {
  /** The spec belongs to a Pod, not a template: host ports must equal container ports with hostNetwork. */
  isPod?: boolean;
}

const fileModeErrorMsg = "must be a number between 0 and 0777 (octal), both inclusive";

function arr(v: unknown): Rec[] {
  return Array.isArray(v) ? v.map((x) => (isObject(x) ? x : {})) : [];
}

function s(v: unknown): string {
  return typeof v === "string" ? v : "";
}

function num(v: unknown): number | undefined {
  return typeof v === "number" ? v : undefined;
}

function enumCheck(v: unknown, path: string, allowed: string[]): FieldError[] {
  if (v === undefined || v === "") return [field.required(path)];
  return allowed.includes(v as string) ? [] : [field.notSupported(path, v, allowed)];
}

/** IsRelaxedEnvVarName (RelaxedEnvironmentVariableValidation is on by default in v1.32). */
export function isEnvVarName(v: string): string[] {
  const errs: string[] = [];
  if (v.length === 0) errs.push("environment variable name must be non-empty");
  for (const ch of v) {
    const c = ch.codePointAt(0)!;
    if (c > 126 || c < 32 || ch === "=") {
      errs.push("a valid environment variable name must consist only of printable ASCII characters other than '='");
      break;
    }
  }
  return errs;
}

function validateContainerPorts(ports: unknown, path: string): FieldError[] {
  const out: FieldError[] = [];
  const names = new Set<string>();
  arr(ports).forEach((p, i) => {
    const ip = `${path}[${i}]`;
    const name = s(p.name);
    if (name) {
      const msgs = isValidPortName(name);
      if (msgs.length) out.push(...msgs.map((m) => field.invalid(`${ip}.name`, name, m)));
      else if (names.has(name)) out.push(field.duplicate(`${ip}.name`, name));
      else names.add(name);
    }
    const cp = num(p.containerPort);
    if (!cp) out.push(field.required(`${ip}.containerPort`));
    else out.push(...isValidPortNum(cp).map((m) => field.invalid(`${ip}.containerPort`, cp, m)));
    const hp = num(p.hostPort);
    if (hp) out.push(...isValidPortNum(hp).map((m) => field.invalid(`${ip}.hostPort`, hp, m)));
    out.push(...enumCheck(p.protocol, `${ip}.protocol`, ["SCTP", "TCP", "UDP"]));
  });
  return out;
}

function validateKeySelector(sel: Rec, path: string): FieldError[] {
  const out = s(sel.name) ? validateDNS1123Subdomain(s(sel.name), `${path}.name`) : [];
  const key = s(sel.key);
  if (!key) out.push(field.required(`${path}.key`));
  else out.push(...isConfigMapKey(key).map((m) => field.invalid(`${path}.key`, key, m)));
  return out;
}

function validateEnv(env: unknown, path: string): FieldError[] {
  const out: FieldError[] = [];
  arr(env).forEach((e, i) => {
    const ip = `${path}[${i}]`;
    const name = s(e.name);
    if (!name) out.push(field.required(`${ip}.name`));
    else out.push(...isEnvVarName(name).map((m) => field.invalid(`${ip}.name`, name, m)));
    if (!isObject(e.valueFrom)) return;
    const vf = e.valueFrom;
    const vp = `${ip}.valueFrom`;
    let n = 0;
    if (isObject(vf.fieldRef)) {
      n++;
      if (!s(vf.fieldRef.apiVersion)) out.push(field.required(`${vp}.fieldRef.apiVersion`));
      else if (!s(vf.fieldRef.fieldPath)) out.push(field.required(`${vp}.fieldRef.fieldPath`));
    }
    if (isObject(vf.resourceFieldRef)) {
      n++;
      if (!s(vf.resourceFieldRef.resource)) out.push(field.required(`${vp}.resourceFieldRef.resource`));
    }
    if (isObject(vf.configMapKeyRef)) { n++; out.push(...validateKeySelector(vf.configMapKeyRef, `${vp}.configMapKeyRef`)); }
    if (isObject(vf.secretKeyRef)) { n++; out.push(...validateKeySelector(vf.secretKeyRef, `${vp}.secretKeyRef`)); }
    if (n === 0) out.push(field.invalid(vp, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"));
    else if (s(e.value)) out.push(field.invalid(vp, "", "may not be specified when `value` is not empty"));
    else if (n > 1) out.push(field.invalid(vp, "", "may not have more than one field specified at a time"));
  });
  return out;
}

function validateEnvFrom(envFrom: unknown, path: string): FieldError[] {
  const out: FieldError[] = [];
  arr(envFrom).forEach((e, i) => {
    const ip = `${path}[${i}]`;
    const prefix = s(e.prefix);
    if (prefix) out.push(...isEnvVarName(prefix).map((m) => field.invalid(`${ip}.prefix`, prefix, m)));
    let n = 0;
    for (const k of ["configMapRef", "secretRef"] as const) {
      const ref = e[k];
      if (!isObject(ref)) continue;
      n++;
      const name = s(ref.name);
      if (!name) out.push(field.required(`${ip}.${k}.name`));
      else out.push(...validateDNS1123Subdomain(name, `${ip}.${k}.name`));
    }
    if (n === 0) out.push(field.invalid(path, "", "must specify one of: `configMapRef` or `secretRef`"));
    else if (n > 1) out.push(field.invalid(path, "", "may not have more than one field specified at a time"));
  });
  return out;
}

function validateVolumeMounts(mounts: unknown, volumes: Set<string>, path: string): FieldError[] {
  const out: FieldError[] = [];
  const seen = new Set<string>();
  arr(mounts).forEach((m, i) => {
    const ip = `${path}[${i}]`;
    const name = s(m.name);
    const mp = s(m.mountPath);
    if (!name) out.push(field.required(`${ip}.name`));
    if (!volumes.has(name)) out.push(notFound(`${ip}.name`, name));
    if (!mp) out.push(field.required(`${ip}.mountPath`));
    if (seen.has(mp)) out.push(field.invalid(`${ip}.mountPath`, mp, "must be unique"));
    seen.add(mp);
    if (s(m.subPath) && s(m.subPathExpr)) out.push(field.invalid(`${ip}.subPathExpr`, m.subPathExpr, "subPathExpr and subPath are mutually exclusive"));
    for (const k of ["subPath", "subPathExpr"] as const) {
      const sp = s(m[k]);
      if (sp) out.push(...validateLocalDescendingPath(sp, `${path}.${k}`));
    }
  });
  return out;
}

function validateLocalDescendingPath(p: string, path: string): FieldError[] {
  const out: FieldError[] = [];
  if (p.startsWith("/")) out.push(field.invalid(path, p, "must be a relative path"));
  if (p.split(/[\\/]/).includes("..")) out.push(field.invalid(path, p, "must not contain '..'"));
  return out;
}

function validateHandler(h: Rec, path: string, kinds: readonly string[]): FieldError[] {
  const out: FieldError[] = [];
  let n = 0;
  for (const k of kinds) {
    const v = h[k];
    if (!isObject(v)) continue;
    const p = `${path}.${k}`;
    if (n > 0) { out.push(field.forbidden(p, "may not specify more than 1 handler type")); continue; }
    n++;
    if (k === "exec" && !(Array.isArray(v.command) && v.command.length)) out.push(field.required(`${p}.command`));
    if (k === "httpGet") {
      if (!s(v.path)) out.push(field.required(`${p}.path`));
      out.push(...validatePortNumOrName(v.port, `${p}.port`));
      if (!["HTTP", "HTTPS"].includes(s(v.scheme))) out.push(field.notSupported(`${p}.scheme`, v.scheme, ["HTTP", "HTTPS"]));
    }
    if (k === "tcpSocket") out.push(...validatePortNumOrName(v.port, `${p}.port`));
    if (k === "grpc") out.push(...validatePortNumOrName(v.port, `${p}.port`));
    if (k === "sleep") {
      const secs = num(v.seconds) ?? 0;
      if (secs <= 0) out.push(field.invalid(`${p}.seconds`, secs, "must be greater than 0"));
    }
  }
  if (n === 0) out.push(field.required(path, "must specify a handler type"));
  return out;
}

const probeHandlers = ["exec", "httpGet", "tcpSocket", "grpc"] as const;
const lifecycleHandlers = ["exec", "httpGet", "tcpSocket", "sleep"] as const;

function validateProbe(probe: unknown, path: string, kind: "liveness" | "readiness" | "startup"): FieldError[] {
  if (!isObject(probe)) return [];
  const out = validateHandler(probe, path, probeHandlers);
  for (const k of ["initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"]) {
    out.push(...validateNonnegative(num(probe[k]), `${path}.${k}`));
  }
  const tgp = num(probe.terminationGracePeriodSeconds);
  if (tgp !== undefined && tgp <= 0) out.push(field.invalid(`${path}.terminationGracePeriodSeconds`, tgp, "must be greater than 0"));
  if (kind !== "readiness" && probe.successThreshold !== undefined && probe.successThreshold !== 1) {
    out.push(field.invalid(`${path}.successThreshold`, probe.successThreshold, "must be 1"));
  }
  if (kind === "readiness" && tgp !== undefined) out.push(field.invalid(`${path}.terminationGracePeriodSeconds`, tgp, "must not be set for readinessProbes"));
  return out;
}

function validateLifecycle(lc: unknown, path: string): FieldError[] {
  if (!isObject(lc)) return [];
  const out: FieldError[] = [];
  for (const k of ["postStart", "preStop"] as const) if (isObject(lc[k])) out.push(...validateHandler(lc[k], `${path}.${k}`, lifecycleHandlers));
  return out;
}

function validateContainerCommon(c: Rec, volumes: Set<string>, path: string, restartPolicy: string): FieldError[] {
  const out: FieldError[] = [];
  const name = s(c.name);
  if (!name) out.push(field.required(`${path}.name`));
  else out.push(...validateDNS1123Label(name, `${path}.name`));
  if (!s(c.image)) out.push(field.required(`${path}.image`));
  out.push(...enumCheck(c.terminationMessagePolicy, `${path}.terminationMessagePolicy`, ["File", "FallbackToLogsOnError"]));
  out.push(...validateContainerPorts(c.ports, `${path}.ports`));
  out.push(...validateEnv(c.env, `${path}.env`));
  out.push(...validateEnvFrom(c.envFrom, `${path}.envFrom`));
  out.push(...validateVolumeMounts(c.volumeMounts, volumes, `${path}.volumeMounts`));
  out.push(...enumCheck(c.imagePullPolicy, `${path}.imagePullPolicy`, ["Always", "IfNotPresent", "Never"]));
  out.push(...validateResourceRequirements(c.resources, `${path}.resources`));
  if (restartPolicy === "Never") {
    arr(c.resizePolicy).forEach((p) => {
      if (p.restartPolicy !== undefined && p.restartPolicy !== "NotRequired") {
        out.push(field.invalid(`${path}.resizePolicy`, p.restartPolicy, "must be 'NotRequired' when `restartPolicy` is 'Never'"));
      }
    });
  }
  return out;
}

function validateContainers(containers: unknown, volumes: Set<string>, path: string, restartPolicy: string): FieldError[] {
  const list = arr(containers);
  if (list.length === 0) return [field.required(path)];
  const out: FieldError[] = [];
  const names = new Set<string>();
  list.forEach((c, i) => {
    const p = `${path}[${i}]`;
    out.push(...validateContainerCommon(c, volumes, p, restartPolicy));
    const name = s(c.name);
    if (names.has(name)) out.push(field.duplicate(`${p}.name`, name));
    else names.add(name);
    out.push(...validateLifecycle(c.lifecycle, `${p}.lifecycle`));
    out.push(...validateProbe(c.livenessProbe, `${p}.livenessProbe`, "liveness"));
    out.push(...validateProbe(c.readinessProbe, `${p}.readinessProbe`, "readiness"));
    out.push(...validateProbe(c.startupProbe, `${p}.startupProbe`, "startup"));
    if (c.restartPolicy !== undefined) out.push(field.forbidden(`${p}.restartPolicy`, "may not be set for non-init containers"));
  });
  out.push(...checkHostPortConflicts(list, path));
  return out;
}

function validateInitContainers(init: unknown, regular: unknown, volumes: Set<string>, path: string, restartPolicy: string): FieldError[] {
  const out: FieldError[] = [];
  const names = new Set(arr(regular).map((c) => s(c.name)));
  arr(init).forEach((c, i) => {
    const p = `${path}[${i}]`;
    out.push(...validateContainerCommon(c, volumes, p, restartPolicy));
    let always = false;
    if (c.restartPolicy !== undefined) {
      if (c.restartPolicy !== "Always") out.push(field.notSupported(`${p}.restartPolicy`, c.restartPolicy, ["Always"]));
      always = c.restartPolicy === "Always";
    }
    const name = s(c.name);
    if (names.has(name)) out.push(field.duplicate(`${p}.name`, name));
    else if (name) names.add(name);
    out.push(...checkHostPortConflicts([c], path));
    if (always) {
      out.push(...validateLifecycle(c.lifecycle, `${p}.lifecycle`));
      out.push(...validateProbe(c.livenessProbe, `${p}.livenessProbe`, "liveness"));
      out.push(...validateProbe(c.readinessProbe, `${p}.readinessProbe`, "readiness"));
      out.push(...validateProbe(c.startupProbe, `${p}.startupProbe`, "startup"));
    } else {
      for (const k of ["lifecycle", "livenessProbe", "readinessProbe", "startupProbe"]) {
        if (c[k] !== undefined && c[k] !== null) out.push(field.forbidden(`${p}.${k}`, "may not be set for init containers without restartPolicy=Always"));
      }
    }
  });
  return out;
}

function checkHostPortConflicts(containers: Rec[], path: string): FieldError[] {
  const out: FieldError[] = [];
  const seen = new Set<string>();
  containers.forEach((c, ci) => {
    arr(c.ports).forEach((p, pi) => {
      const hp = num(p.hostPort);
      if (!hp) return;
      const key = `${s(p.hostIP)}/${hp}/${s(p.protocol)}`;
      if (seen.has(key)) out.push(field.duplicate(`${path}[${ci}].ports[${pi}].hostPort`, key));
      seen.add(key);
    });
  });
  return out;
}

const volumeTypes = [
  "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret", "nfs", "iscsi",
  "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs", "flocker", "downwardAPI", "fc",
  "azureFile", "configMap", "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "projected",
  "portworxVolume", "scaleIO", "storageos", "csi", "ephemeral", "image",
];

function validateKeyToPaths(items: unknown, path: string): FieldError[] {
  const out: FieldError[] = [];
  arr(items).forEach((it, i) => {
    const ip = `${path}[${i}]`;
    if (!s(it.key)) out.push(field.required(`${ip}.key`));
    const p = s(it.path);
    if (!p) out.push(field.required(`${ip}.path`));
    else out.push(...validateLocalNonReservedPath(p, `${ip}.path`));
    out.push(...validateMode(it.mode, `${ip}.mode`));
  });
  return out;
}

function validateLocalNonReservedPath(p: string, path: string): FieldError[] {
  const out = validateLocalDescendingPath(p, path);
  if (p.startsWith("..")) out.push(field.invalid(path, p, "must not start with '..'"));
  return out;
}

function validateMode(mode: unknown, path: string): FieldError[] {
  const m = num(mode);
  return m !== undefined && (m > 0o777 || m < 0) ? [field.invalid(path, m, fileModeErrorMsg)] : [];
}

function validateVolumeSource(v: Rec, path: string): FieldError[] {
  const out: FieldError[] = [];
  let n = 0;
  for (const t of volumeTypes) {
    const src = v[t];
    if (src === undefined || src === null) continue;
    const p = `${path}.${t}`;
    if (n > 0) { out.push(field.forbidden(p, "may not specify more than 1 volume type")); continue; }
    n++;
    const o = isObject(src) ? src : {};
    switch (t) {
      case "hostPath": {
        if (!s(o.path)) out.push(field.required(`${p}.path`));
        const types = ["", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket", "CharDevice", "BlockDevice"];
        if (o.type !== undefined && !types.includes(s(o.type))) out.push(field.notSupported(`${p}.type`, o.type, types.slice(1)));
        break;
      }
      case "emptyDir":
        if (o.sizeLimit !== undefined) out.push(...validateQuantity(o.sizeLimit, `${p}.sizeLimit`).errs);
        break;
      case "secret":
        if (!s(o.secretName)) out.push(field.required(`${p}.secretName`));
        out.push(...validateMode(o.defaultMode, `${p}.defaultMode`), ...validateKeyToPaths(o.items, `${p}.items`));
        break;
      case "configMap":
        if (!s(o.name)) out.push(field.required(`${p}.name`));
        else out.push(...validateDNS1123Subdomain(s(o.name), `${p}.name`));
        out.push(...validateMode(o.defaultMode, `${p}.defaultMode`), ...validateKeyToPaths(o.items, `${p}.items`));
        break;
      case "persistentVolumeClaim":
        if (!s(o.claimName)) out.push(field.required(`${p}.claimName`));
        break;
      case "nfs":
        if (!s(o.server)) out.push(field.required(`${p}.server`));
        if (!s(o.path)) out.push(field.required(`${p}.path`));
        else if (!s(o.path).startsWith("/")) out.push(field.invalid(`${p}.path`, o.path, "must be an absolute path"));
        break;
      case "downwardAPI":
        out.push(...validateMode(o.defaultMode, `${p}.defaultMode`));
        arr(o.items).forEach((it, i) => {
          const ip = `${p}.items[${i}]`;
          const ph = s(it.path);
          if (!ph) out.push(field.required(`${ip}.path`));
          else out.push(...validateLocalNonReservedPath(ph, `${ip}.path`));
          out.push(...validateMode(it.mode, `${ip}.mode`));
        });
        break;
      case "projected":
        out.push(...validateMode(o.defaultMode, `${p}.defaultMode`));
        arr(o.sources).forEach((src2, i) => {
          const sp = `${p}.sources[${i}]`;
          if (isObject(src2.serviceAccountToken)) {
            const exp = num(src2.serviceAccountToken.expirationSeconds);
            if (exp !== undefined && exp < 600) out.push(field.invalid(`${sp}.serviceAccountToken.expirationSeconds`, exp, "may not specify a duration less than 10 minutes"));
            if (!s(src2.serviceAccountToken.path)) out.push(field.required(`${sp}.serviceAccountToken.path`));
          }
        });
        break;
      case "csi":
        if (!s(o.driver)) out.push(field.required(`${p}.driver`));
        break;
      case "image":
        if (!s(o.reference)) out.push(field.required(`${p}.reference`));
        break;
      default:
        break;
    }
  }
  if (n === 0) out.push(field.required(path, "must specify a volume type"));
  return out;
}

function validateVolumes(volumes: unknown, path: string): { names: Set<string>; errs: FieldError[] } {
  const names = new Set<string>();
  const errs: FieldError[] = [];
  arr(volumes).forEach((v, i) => {
    const ip = `${path}[${i}]`;
    const el = validateVolumeSource(v, ip);
    const name = s(v.name);
    if (!name) el.push(field.required(`${ip}.name`));
    else el.push(...validateDNS1123Label(name, `${ip}.name`));
    if (names.has(name)) el.push(field.duplicate(`${ip}.name`, name));
    if (el.length === 0) names.add(name);
    else errs.push(...el);
  });
  return { names, errs };
}

export function validateTolerations(tolerations: unknown, path: string): FieldError[] {
  const out: FieldError[] = [];
  arr(tolerations).forEach((t, i) => {
    const ip = `${path}[${i}]`;
    const key = s(t.key);
    if (key) out.push(...validateQualifiedName(key, `${ip}.key`));
    if (!key && t.operator !== "Exists") {
      out.push(field.invalid(`${ip}.operator`, t.operator ?? "", "operator must be Exists when `key` is empty, which means \"match all values and all keys\""));
    }
    if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null && t.effect !== "NoExecute") {
      out.push(field.invalid(`${ip}.effect`, t.effect ?? "", "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    const op = t.operator ?? "Equal";
    if (op === "Exists" && s(t.value)) out.push(field.invalid(`${ip}.operator`, t.value, "value must be empty when `operator` is 'Exists'"));
    else if (op !== "Equal" && op !== "Exists") out.push(field.notSupported(`${ip}.operator`, op, ["Equal", "Exists"]));
    if (t.effect !== undefined && t.effect !== "") {
      out.push(...(["NoSchedule", "PreferNoSchedule", "NoExecute"].includes(s(t.effect)) ? [] : [field.notSupported(`${ip}.effect`, t.effect, ["NoSchedule", "PreferNoSchedule", "NoExecute"])]));
    }
  });
  return out;
}

/** ValidatePodSpec. `path` is where the spec sits: `spec`, `spec.template.spec`... */
export function validatePodSpec(spec: unknown, path: string, opts: PodSpecOptions = {}): FieldError[] {
  if (!isObject(spec)) return [field.required(child(path, "containers"))];
  const out: FieldError[] = [];
  const { names: volumes, errs } = validateVolumes(spec.volumes, child(path, "volumes"));
  out.push(...errs);
  const restartPolicy = s(spec.restartPolicy);
  out.push(...validateContainers(spec.containers, volumes, child(path, "containers"), restartPolicy));
  out.push(...validateInitContainers(spec.initContainers, spec.containers, volumes, child(path, "initContainers"), restartPolicy));
  out.push(...enumCheck(spec.restartPolicy, child(path, "restartPolicy"), ["Always", "OnFailure", "Never"]));
  out.push(...enumCheck(spec.dnsPolicy, child(path, "dnsPolicy"), ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"]));
  if (spec.dnsPolicy === "None") {
    const cfg = spec.dnsConfig;
    if (!isObject(cfg)) out.push(field.required(child(path, "dnsConfig"), "must provide `dnsConfig` when `dnsPolicy` is None"));
    else if (!Array.isArray(cfg.nameservers) || cfg.nameservers.length === 0) {
      out.push(field.required(child(path, "dnsConfig.nameservers"), "must provide at least one DNS nameserver when `dnsPolicy` is None"));
    }
  }
  out.push(...validateLabels(spec.nodeSelector, child(path, "nodeSelector")));
  for (const k of ["serviceAccountName", "nodeName", "priorityClassName"]) {
    const v = s(spec[k]);
    if (v) out.push(...validateDNS1123Subdomain(v, child(path, k)));
  }
  for (const k of ["hostname", "subdomain"]) {
    const v = s(spec[k]);
    if (v) out.push(...validateDNS1123Label(v, child(path, k)));
  }
  const ads = num(spec.activeDeadlineSeconds);
  if (ads !== undefined && (ads < 1 || ads > 2147483647)) {
    out.push(field.invalid(child(path, "activeDeadlineSeconds"), ads, "must be between 1 and 2147483647, inclusive"));
  }
  out.push(...validateTolerations(spec.tolerations, child(path, "tolerations")));
  arr(spec.readinessGates).forEach((g, i) => out.push(...validateQualifiedName(s(g.conditionType), `${child(path, "readinessGates")}[${i}].conditionType`)));
  const gates = new Set<string>();
  arr(spec.schedulingGates).forEach((g, i) => {
    const p = `${child(path, "schedulingGates")}[${i}]`;
    const name = s(g.name);
    out.push(...validateQualifiedName(name, p));
    if (gates.has(name)) out.push(field.duplicate(p, name));
    gates.add(name);
  });
  if (isObject(spec.securityContext)) out.push(...validatePodSecurityContext(spec.securityContext, child(path, "securityContext")));
  if (spec.hostNetwork === true) {
    arr(spec.containers).forEach((c, ci) => arr(c.ports).forEach((p, pi) => {
      const hp = num(p.hostPort) ?? 0;
      if ((opts.isPod || hp !== 0) && hp !== num(p.containerPort)) {
        out.push(field.invalid(`${child(path, "containers")}[${ci}].ports[${pi}].hostPort`, hp, "must match `containerPort` when `hostNetwork` is true"));
      }
    }));
  }
  return out;
}

function validatePodSecurityContext(sc: Rec, path: string): FieldError[] {
  const out: FieldError[] = [];
  for (const k of ["runAsUser", "runAsGroup", "fsGroup"]) {
    const v = num(sc[k]);
    if (v !== undefined && (v < 0 || v > 2147483647)) out.push(field.invalid(`${path}.${k}`, v, "must be between 0 and 2147483647, inclusive"));
  }
  return out;
}

/** ValidatePodTemplateSpec: the template's labels and annotations, then its spec. */
export function validatePodTemplateSpec(t: unknown, path: string): FieldError[] {
  if (!isObject(t)) return [field.required(child(path, "spec.containers"))];
  const meta = isObject(t.metadata) ? t.metadata : {};
  const out = [
    ...validateLabels(meta.labels, child(path, "labels")),
    ...validateAnnotations(meta.annotations, child(path, "annotations")),
    ...validatePodSpec(t.spec, child(path, "spec")),
  ];
  if (isObject(t.spec) && Array.isArray(t.spec.ephemeralContainers) && t.spec.ephemeralContainers.length > 0) {
    out.push(field.forbidden(child(path, "spec.ephemeralContainers"), "ephemeral containers not allowed in pod template"));
  }
  return out;
}

/** Checks a Pod's containers get that templates don't (validateContainersOnlyForPod). */
export function validateContainersOnlyForPod(spec: unknown, path: string): FieldError[] {
  if (!isObject(spec)) return [];
  const out: FieldError[] = [];
  for (const k of ["containers", "initContainers"] as const) {
    arr(spec[k]).forEach((c, i) => {
      const img = s(c.image);
      if (img !== img.trim()) out.push(field.invalid(`${path}.${k}[${i}].image`, img, "must not have leading or trailing whitespace"));
    });
  }
  return out;
}

