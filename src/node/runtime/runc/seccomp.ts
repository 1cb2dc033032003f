/**
 * Seccomp for runc containers: which filter a container gets, built as the OCI
 * `linux.seccomp` section.
 *
 * - `RuntimeDefault`, and no profile at all (Timonel's default, where kubelet's is
 *   Unconfined unless `--seccomp-default`): the denylist of `seccomp-profile.ts`, conditioned
 *   on the container's capabilities.
 * - `Unconfined`, and every privileged container whatever it asks (as containerd does): none.
 * - `Localhost`: a JSON profile read from `<profileRoot>/<localhostProfile>` (kubelet's
 *   `--seccomp-profile-root`), in the OCI format; Docker's format (`archMap`, `name`,
 *   `includes`/`excludes`) is accepted too and resolved for this machine.
 *
 * When runc is built without libseccomp, RuntimeDefault is skipped (the runtime lists it as a
 * limitation) and Localhost fails the container, since what it asks for cannot be enforced.
 * `runcSeccompSupport` asks `runc features` (runc ≥ 1.1), else `runc --version`.
 */
import { spawnSync } from "node:child_process";
import { release } from "node:os";
import { posix } from "node:path";
import type { ContainerSpec } from "../types.js";
import { cloneNamespaceCap, cloneNamespaceFlags, deniedSyscalls, ENOSYS, EPERM, seccompArchitectures } from "./seccomp-profile.js";

export interface OciSeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: string;
}

export interface OciSyscallRule {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: OciSeccompArg[];
}

export interface OciSeccomp {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  flags?: string[];
  syscalls?: OciSyscallRule[];
}

export interface SeccompSupport {
  enabled: boolean;
  /** Architectures runc's libseccomp knows (from `runc features`), when it says. */
  archs?: string[];
  /** Why seccomp is unavailable. */
  reason?: string;
}

/** The architectures a filter covers on this machine, limited to those runc knows when it says. */
export function filterArchitectures(nodeArch: string = process.arch, known?: string[]): string[] {
  const archs = seccompArchitectures[nodeArch] ?? [];
  return known ? archs.filter((a) => known.includes(a)) : archs;
}

/** Timonel's RuntimeDefault profile for a container with these (effective) capabilities. */
export function defaultSeccompProfile(caps: readonly string[], architectures: string[]): OciSeccomp {
  const has = new Set(caps);
  const syscalls: OciSyscallRule[] = [];
  for (const g of deniedSyscalls) {
    if (g.unlessCaps?.some((c) => has.has(c))) continue;
    syscalls.push({ names: [...g.names], action: "SCMP_ACT_ERRNO", errnoRet: g.errno ?? EPERM });
  }
  if (!has.has(cloneNamespaceCap)) {
    // clone's flags are its first argument on x86 and arm (s390 swaps them, and is not covered).
    for (const flag of cloneNamespaceFlags) {
      syscalls.push({ names: ["clone"], action: "SCMP_ACT_ERRNO", errnoRet: EPERM, args: [{ index: 0, value: flag, valueTwo: flag, op: "SCMP_CMP_MASKED_EQ" }] });
    }
    syscalls.push({ names: ["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: ENOSYS });
  }
  return { defaultAction: "SCMP_ACT_ALLOW", architectures, syscalls };
}

/** A container error that is the pod's configuration's fault (kubelet's CreateContainerConfigError). */
export class SeccompConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SeccompConfigError";
  }
}

/**
 * `<root>/<rel>`, refusing a path that is absolute or climbs out of the root (the API forbids
 * `..` in localhostProfile; this holds even for objects that skipped validation).
 */
export function localhostProfilePath(root: string, rel: string): string {
  if (!rel) throw new SeccompConfigError("localhostProfile must be set if seccompProfile type is Localhost");
  const norm = posix.normalize(rel);
  if (posix.isAbsolute(rel) || norm === ".." || norm.startsWith("../") || norm === "." || rel.includes("\0")) {
    throw new SeccompConfigError(`seccomp profile ${JSON.stringify(rel)} escapes the seccomp profile root ${root}: localhostProfile must be a path below it`);
  }
  return posix.join(root, norm);
}

export type SeccompChoice = { kind: "none" } | { kind: "default" } | { kind: "localhost"; profile: string };

/** What the container asked for, before looking at the machine. */
export function seccompChoice(spec: Pick<ContainerSpec, "privileged" | "seccompProfile">): SeccompChoice {
  if (spec.privileged) return { kind: "none" };
  const p = spec.seccompProfile;
  if (p?.type === "Unconfined") return { kind: "none" };
  if (p?.type === "Localhost") return { kind: "localhost", profile: p.localhostProfile };
  return { kind: "default" };
}

export interface SeccompContext {
  support: SeccompSupport;
  profileRoot: string;
  /** Reads a Localhost profile (throws as fs does). */
  readProfile(path: string): string;
  nodeArch?: string;
  kernelRelease?: string;
}

/** The container's `linux.seccomp`, or undefined for none. Throws for a profile that cannot be applied. */
export function resolveSeccomp(spec: Pick<ContainerSpec, "privileged" | "seccompProfile">, caps: readonly string[], ctx: SeccompContext): OciSeccomp | undefined {
  const choice = seccompChoice(spec);
  if (choice.kind === "none") return undefined;
  if (choice.kind === "default") {
    return ctx.support.enabled ? defaultSeccompProfile(caps, filterArchitectures(ctx.nodeArch, ctx.support.archs)) : undefined;
  }
  const path = localhostProfilePath(ctx.profileRoot, choice.profile);
  if (!ctx.support.enabled) throw new Error(`cannot apply seccomp profile ${JSON.stringify(path)}: ${ctx.support.reason ?? "runc has no seccomp support"}`);
  let text: string;
  try {
    text = ctx.readProfile(path);
  } catch (e) {
    throw new Error(`cannot load seccomp profile ${JSON.stringify(path)}: ${(e as Error).message}`);
  }
  return parseSeccompProfile(text, path, caps, ctx.nodeArch ?? process.arch, ctx.kernelRelease ?? release());
}

const goArch: Record<string, string> = { x64: "amd64", ia32: "386", arm64: "arm64", arm: "arm" };

interface DockerArchMap {
  architecture: string;
  subArchitectures?: string[];
}

interface ProfileCondition {
  caps?: string[];
  arches?: string[];
  minKernel?: string;
}

interface ProfileRule {
  names?: unknown;
  name?: unknown;
  action?: unknown;
  errnoRet?: unknown;
  args?: unknown;
  includes?: ProfileCondition;
  excludes?: ProfileCondition;
}

const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === "string");
const actionRe = /^SCMP_ACT_[A-Z_]+$/;

/** Parses a Localhost profile (OCI, or Docker's format resolved for this machine) into an OCI section. */
export function parseSeccompProfile(text: string, source: string, caps: readonly string[], nodeArch: string, kernel: string): OciSeccomp {
  const bad = (why: string): Error => new Error(`cannot load seccomp profile ${JSON.stringify(source)}: ${why}`);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw bad(`invalid JSON: ${(e as Error).message}`);
  }
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) throw bad("not a JSON object");
  if (typeof raw.defaultAction !== "string" || !actionRe.test(raw.defaultAction)) throw bad("defaultAction must be an SCMP_ACT_* action");
  const out: OciSeccomp = { defaultAction: raw.defaultAction };
  if (typeof raw.defaultErrnoRet === "number") out.defaultErrnoRet = raw.defaultErrnoRet;
  if (raw.architectures !== undefined) {
    if (!isStrings(raw.architectures)) throw bad("architectures must be a list of strings");
    out.architectures = raw.architectures;
  } else if (Array.isArray(raw.archMap)) {
    const native = seccompArchitectures[nodeArch]?.[0];
    const m = (raw.archMap as DockerArchMap[]).find((a) => a && a.architecture === native);
    if (m) out.architectures = [m.architecture, ...(isStrings(m.subArchitectures) ? m.subArchitectures : [])];
  }
  if (raw.flags !== undefined) {
    if (!isStrings(raw.flags)) throw bad("flags must be a list of strings");
    out.flags = raw.flags;
  }
  if (raw.syscalls !== undefined && !Array.isArray(raw.syscalls)) throw bad("syscalls must be a list");
  const has = new Set(caps);
  const arch = goArch[nodeArch] ?? nodeArch;
  const rules: OciSyscallRule[] = [];
  for (const [i, r] of ((raw.syscalls ?? []) as ProfileRule[]).entries()) {
    if (!r || typeof r !== "object") throw bad(`syscalls[${i}] is not an object`);
    if (!applies(r, has, arch, kernel)) continue;
    const names = isStrings(r.names) ? r.names : typeof r.name === "string" ? [r.name] : undefined;
    if (!names || names.length === 0) throw bad(`syscalls[${i}] has no names`);
    if (typeof r.action !== "string" || !actionRe.test(r.action)) throw bad(`syscalls[${i}].action must be an SCMP_ACT_* action`);
    const rule: OciSyscallRule = { names, action: r.action };
    if (typeof r.errnoRet === "number") rule.errnoRet = r.errnoRet;
    if (r.args !== undefined && r.args !== null) {
      if (!Array.isArray(r.args)) throw bad(`syscalls[${i}].args must be a list`);
      rule.args = (r.args as Array<Record<string, unknown>>).map((a, j) => {
        if (!a || typeof a.index !== "number" || typeof a.value !== "number" || typeof a.op !== "string") throw bad(`syscalls[${i}].args[${j}] needs index, value and op`);
        return { index: a.index, value: a.value, ...(typeof a.valueTwo === "number" ? { valueTwo: a.valueTwo } : {}), op: a.op };
      });
    }
    rules.push(rule);
  }
  if (rules.length) out.syscalls = rules;
  return out;
}

/** Docker's rule conditions: includes must all hold, and no excludes may. */
function applies(r: ProfileRule, caps: Set<string>, arch: string, kernel: string): boolean {
  const inc = r.includes;
  if (inc) {
    if (inc.caps?.length && !inc.caps.every((c) => caps.has(c))) return false;
    if (inc.arches?.length && !inc.arches.includes(arch)) return false;
    if (inc.minKernel && compareKernel(kernel, inc.minKernel) < 0) return false;
  }
  const exc = r.excludes;
  if (exc) {
    if (exc.caps?.some((c) => caps.has(c))) return false;
    if (exc.arches?.includes(arch)) return false;
  }
  return true;
}

function compareKernel(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((x) => parseInt(x, 10) || 0);
  const pb = b.split(/[.-]/).map((x) => parseInt(x, 10) || 0);
  for (let i = 0; i < 2; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

const supportCache = new Map<string, SeccompSupport>();

/** Whether this runc applies seccomp filters (asked once per binary). */
export function runcSeccompSupport(runc: string): SeccompSupport {
  let s = supportCache.get(runc);
  if (!s) {
    s = probe(runc);
    supportCache.set(runc, s);
  }
  return s;
}

interface RuncFeatures {
  linux?: { seccomp?: { enabled?: boolean; archs?: string[] } };
}

function probe(runc: string): SeccompSupport {
  const features = spawnSync(runc, ["features"], { encoding: "utf8", timeout: 10_000 });
  if (features.status === 0) {
    try {
      const sc = (JSON.parse(features.stdout) as RuncFeatures).linux?.seccomp;
      if (sc?.enabled) return { enabled: true, ...(isStrings(sc.archs) ? { archs: sc.archs } : {}) };
      return { enabled: false, reason: "runc is built without seccomp support (runc features: seccomp not enabled)" };
    } catch {
      // fall through to the version string
    }
  }
  // runc before 1.1 has no `features`; its version lists libseccomp when built with it.
  const version = spawnSync(runc, ["--version"], { encoding: "utf8", timeout: 10_000 });
  if (version.status === 0 && /^libseccomp:/m.test(version.stdout)) return { enabled: true };
  return { enabled: false, reason: "runc is built without seccomp support (no libseccomp in runc --version)" };
}
