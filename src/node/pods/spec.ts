/**
 * From a pod's container to the runtime's ContainerSpec parts, as kubelet and the container
 * runtime compute them: argv from command/args and the image's Entrypoint/Cmd, `$(VAR)`
 * expansion, the user and its supplementary groups, the seccomp profile, and cgroup limits
 * from resources. Pure: the env sources (ConfigMaps,
 * Secrets) are read by the caller and handed in.
 */
import { posix } from "node:path";
import type { Container, EnvVar, PodSpec, SecurityContext } from "kubernetes-types/core/v1.js";
import { parseQuantity } from "../../api/core/v1/quantity.js";
import type { ImageConfig } from "../../image/index.js";
import type { ResourceLimits, SeccompProfile } from "../runtime/types.js";

/**
 * Upstream's `$(VAR)` expansion: a defined name is replaced, an undefined one stays as written,
 * `$$` is an escaped `$`, and any other `$` is kept.
 */
export function expandVars(input: string, lookup: (name: string) => string | undefined): string {
  let out = "";
  for (let i = 0; i < input.length; i++) {
    const ch = input[i]!;
    if (ch !== "$" || i + 1 >= input.length) {
      out += ch;
      continue;
    }
    const next = input[i + 1]!;
    if (next === "$") {
      out += "$";
      i++;
    } else if (next === "(") {
      const close = input.indexOf(")", i + 2);
      if (close < 0) {
        out += "$(";
        i++;
        continue;
      }
      const name = input.slice(i + 2, close);
      out += lookup(name) ?? `$(${name})`;
      i = close;
    } else {
      out += "$" + next;
      i++;
    }
  }
  return out;
}

/**
 * The argv: `command` replaces the image's Entrypoint and drops its Cmd; `args` alone replace
 * Cmd; both are expanded against the container's environment.
 */
export function containerArgv(c: Container, image: ImageConfig | undefined, env: Record<string, string>): string[] {
  const lookup = (n: string): string | undefined => (Object.prototype.hasOwnProperty.call(env, n) ? env[n] : undefined);
  const command = (c.command ?? []).map((s) => expandVars(s, lookup));
  const args = (c.args ?? []).map((s) => expandVars(s, lookup));
  const entrypoint = image?.config?.Entrypoint ?? [];
  const cmd = image?.config?.Cmd ?? [];
  if (command.length) return [...command, ...args];
  if (args.length) return [...entrypoint, ...args];
  return [...entrypoint, ...cmd];
}

/** Where an env var's valueFrom comes from, resolved by the caller. */
export interface EnvSources {
  configMap(name: string): Record<string, string> | undefined;
  secret(name: string): Record<string, string> | undefined;
  /** fieldRef paths: metadata.name, status.podIP, spec.nodeName, ... */
  field(path: string): string | undefined;
}

/** A container cannot be configured (kubelet's CreateContainerConfigError). */
export class ContainerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ContainerConfigError";
  }
}

const envNameRe = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/**
 * The container's environment as kubelet builds it: envFrom first (with its prefix; invalid
 * names skipped), then env in order, each value expanded against what came before. The
 * image's Env sits underneath (the runtime's merge: the pod's variables win).
 */
export function containerEnv(c: Container, namespace: string, image: ImageConfig | undefined, src: EnvSources): Record<string, string> {
  const own: Record<string, string> = {};
  for (const from of c.envFrom ?? []) {
    const prefix = from.prefix ?? "";
    let data: Record<string, string> | undefined;
    if (from.configMapRef) {
      data = src.configMap(from.configMapRef.name ?? "");
      if (!data && !from.configMapRef.optional) throw new ContainerConfigError(`configmap "${from.configMapRef.name}" not found`);
    } else if (from.secretRef) {
      data = src.secret(from.secretRef.name ?? "");
      if (!data && !from.secretRef.optional) throw new ContainerConfigError(`secret "${from.secretRef.name}" not found`);
    }
    for (const [k, v] of Object.entries(data ?? {})) {
      const name = prefix + k;
      if (envNameRe.test(name)) own[name] = v;
    }
  }
  const lookup = (n: string): string | undefined => (Object.prototype.hasOwnProperty.call(own, n) ? own[n] : undefined);
  for (const e of c.env ?? []) {
    const v = envValue(e, c, namespace, src, lookup);
    if (v !== undefined) own[e.name] = v;
  }
  const out: Record<string, string> = {};
  for (const kv of image?.config?.Env ?? []) {
    const eq = kv.indexOf("=");
    if (eq > 0) out[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return Object.assign(out, own);
}

function envValue(e: EnvVar, c: Container, namespace: string, src: EnvSources, lookup: (n: string) => string | undefined): string | undefined {
  if (!e.valueFrom) return expandVars(e.value ?? "", lookup);
  const vf = e.valueFrom;
  if (vf.configMapKeyRef) {
    const { name = "", key, optional } = vf.configMapKeyRef;
    const data = src.configMap(name);
    if (!data) {
      if (optional) return undefined;
      throw new ContainerConfigError(`configmap "${name}" not found`);
    }
    if (!(key in data)) {
      if (optional) return undefined;
      throw new ContainerConfigError(`couldn't find key ${key} in ConfigMap ${namespace}/${name}`);
    }
    return data[key];
  }
  if (vf.secretKeyRef) {
    const { name = "", key, optional } = vf.secretKeyRef;
    const data = src.secret(name);
    if (!data) {
      if (optional) return undefined;
      throw new ContainerConfigError(`secret "${name}" not found`);
    }
    if (!(key in data)) {
      if (optional) return undefined;
      throw new ContainerConfigError(`couldn't find key ${key} in Secret ${namespace}/${name}`);
    }
    return data[key];
  }
  if (vf.fieldRef) return src.field(vf.fieldRef.fieldPath) ?? "";
  if (vf.resourceFieldRef) return resourceFieldValue(c, vf.resourceFieldRef.resource, vf.resourceFieldRef.divisor);
  return "";
}

/** requests/limits of this container, divided (rounded up) by the divisor, as the downward API does. */
function resourceFieldValue(c: Container, resource: string, divisor: string | number | undefined): string {
  const [kind, name] = resource.split(".") as [string, string];
  const map = kind === "limits" ? c.resources?.limits : c.resources?.requests;
  const q = parseQuantity(map?.[name] ?? (kind === "requests" ? c.resources?.limits?.[name] : undefined) ?? "0");
  const d = parseQuantity(divisor ?? "1");
  if (!q || !d || d.nano === 0n) return "0";
  const n = q.nano / d.nano + (q.nano % d.nano === 0n ? 0n : 1n);
  return String(n);
}

/** runAsUser/runAsGroup (container over pod), else the image's USER when it is numeric. */
export function containerUser(c: Container, pod: PodSpec | undefined, image: ImageConfig | undefined): { uid: number; gid: number } | undefined {
  const sc: SecurityContext | undefined = c.securityContext;
  const psc = pod?.securityContext;
  const [imgUser = "", imgGroup = ""] = (image?.config?.User ?? "").split(":");
  const num = (s: string): number | undefined => (/^\d+$/.test(s) ? Number(s) : undefined);
  const uid = sc?.runAsUser ?? psc?.runAsUser ?? num(imgUser);
  const gid = sc?.runAsGroup ?? psc?.runAsGroup ?? num(imgGroup);
  if (uid === undefined && gid === undefined) return undefined;
  return { uid: uid ?? 0, gid: gid ?? 0 };
}

/**
 * The supplementary groups kubelet gives every container of the pod: supplementalGroups, then
 * fsGroup (the group that owns the pod's volumes).
 */
export function podSupplementalGroups(pod: PodSpec | undefined): number[] | undefined {
  const psc = pod?.securityContext;
  const groups = [...(psc?.supplementalGroups ?? [])];
  const fsGroup = psc?.fsGroup;
  if (typeof fsGroup === "number" && !groups.includes(fsGroup)) groups.push(fsGroup);
  return groups.length ? groups : undefined;
}

/**
 * securityContext.seccompProfile, the container's over the pod's. Absent when neither sets one
 * (the runtime then applies its default). A Localhost profile must name a path below the
 * node's profile root: an absolute path or one climbing out with `..` is the pod's error.
 */
export function containerSeccompProfile(c: Container, pod: PodSpec | undefined): SeccompProfile | undefined {
  const p = c.securityContext?.seccompProfile ?? pod?.securityContext?.seccompProfile;
  if (!p) return undefined;
  switch (p.type) {
    case "RuntimeDefault":
    case "Unconfined":
      return { type: p.type };
    case "Localhost": {
      const rel = p.localhostProfile ?? "";
      if (!rel) throw new ContainerConfigError("localhostProfile must be set if seccompProfile type is Localhost");
      const norm = posix.normalize(rel);
      if (posix.isAbsolute(rel) || norm === "." || norm === ".." || norm.startsWith("../")) {
        throw new ContainerConfigError(`seccomp profile ${JSON.stringify(rel)} is outside the node's seccomp profile root: localhostProfile must be a relative path below it`);
      }
      return { type: "Localhost", localhostProfile: norm };
    }
    default:
      throw new ContainerConfigError(`unknown seccomp profile type ${JSON.stringify(p.type)}`);
  }
}

const cpuPeriodUs = 100_000;

/** kubelet's cgroup values: shares from requests.cpu (min 2), quota from limits.cpu, memory from limits.memory. */
export function containerResources(c: Container): ResourceLimits {
  const milli = (v: unknown): number | undefined => {
    const q = parseQuantity(v);
    return q ? Number(q.nano / 1_000_000n) : undefined;
  };
  const bytes = (v: unknown): number | undefined => {
    const q = parseQuantity(v);
    return q ? Number(q.nano / 1_000_000_000n) : undefined;
  };
  const req = c.resources?.requests ?? {};
  const lim = c.resources?.limits ?? {};
  const reqCpu = milli(req.cpu ?? lim.cpu) ?? 0;
  const out: ResourceLimits = { cpuShares: Math.max(2, Math.floor((reqCpu * 1024) / 1000)) };
  const limCpu = milli(lim.cpu);
  if (limCpu !== undefined && limCpu > 0) {
    out.cpuQuotaUs = Math.max(1000, Math.floor((limCpu * cpuPeriodUs) / 1000));
    out.cpuPeriodUs = cpuPeriodUs;
  }
  const mem = bytes(lim.memory);
  if (mem !== undefined && mem > 0) out.memoryLimitBytes = mem;
  return out;
}

/** The pod's hostname: spec.hostname, else its name (truncated to 63 characters as kubelet does). */
export function podHostname(name: string, spec: PodSpec | undefined): string {
  const h = spec?.hostname || name;
  return h.length > 63 ? h.slice(0, 63).replace(/[-.]+$/, "") : h;
}
