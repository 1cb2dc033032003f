/**
 * Starting one container instance as kubelet does: the image per its pull policy (with the
 * pod's pull secrets, Pulling/Pulled/Failed events and ImagePullBackOff), the environment,
 * argv and user from the pod and the image config, a fresh root filesystem, a new log file
 * per restart, then create + start with Created/Started events. Failures become the
 * container's waiting reason (ErrImagePull, CreateContainerConfigError, CreateContainerError,
 * RunContainerError) and are retried by the caller's requeue.
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { Container } from "kubernetes-types/core/v1.js";
import {
  defaultPullPolicy, dockerConfigFromSecret, ensureImage, ImageError, normalizeReference, parseReference, prepareRootfs, releaseRootfs, repositoryName,
  type ImageConfig, type ImageRecord, type PullPolicy,
} from "../../image/index.js";
import type { PodObj } from "../runtime/fake/pod-status.js";
import type { ContainerSpec } from "../runtime/types.js";
import type { PodManagerOptions } from "../types.js";
import { goDuration, type Backoff } from "./backoff.js";
import {
  ContainerConfigError, containerArgv, containerEnv, containerResources, containerSeccompProfile, containerUser, podSupplementalGroups, type EnvSources,
} from "./spec.js";
import type { ContainerRecord, PodState } from "./state.js";
import { retired } from "./status.js";

export interface StartContext {
  opts: PodManagerOptions;
  pullBackoff: Backoff;
  /** Asks for another sync of the pod after `ms`. */
  requeueAfter(ms: number): void;
  /** First instances made ready while the sandbox was being set up, by container name; taken when used. */
  prepared?: Map<string, Prepared>;
}

/** A container's first instance with its image found on the node and its root filesystem ready. */
export interface Prepared {
  record: ImageRecord;
  config: ImageConfig | undefined;
  rootfs: string;
  dir: string;
}

/** Retry delay after a configuration or runtime error (kubelet retries on its next sync). */
const configRetryMs = 2_000;

export function podLogDir(stateDir: string, pod: { namespace: string; name: string; uid: string }): string {
  return join(stateDir, "logs", `${pod.namespace}_${pod.name}_${pod.uid}`);
}

export function podRootfsDir(stateDir: string, uid: string): string {
  return join(stateDir, "containers", uid);
}

function instanceDir(stateDir: string, uid: string, name: string, restartCount: number): string {
  return join(podRootfsDir(stateDir, uid), `${name}-${restartCount}`);
}

/**
 * Gets the first instance of `c` ready while the pod's sandbox is still being made: when its
 * image is already on the node (and the pull policy does not ask for a pull), its record,
 * config and root filesystem. Undefined otherwise (startInstance then pulls, with events).
 * Emits nothing: startInstance reports the image as present when it uses the result.
 */
export async function prepareFirst(opts: PodManagerOptions, st: PodState, c: Container): Promise<Prepared | undefined> {
  const image = c.image ?? "";
  const policy = (c.imagePullPolicy as PullPolicy | undefined) ?? safeDefaultPolicy(image);
  if (policy === undefined || policy === "Always") return undefined;
  const record = await opts.images.getImage(normalizeOrSelf(image)).catch(() => undefined);
  if (!record) return undefined;
  const dir = instanceDir(opts.stateDir, st.uid, c.name, 0);
  const isProcess = opts.runtime.name === "process";
  try {
    const [config, rootfs] = await Promise.all([
      opts.images.imageConfig(record.id).catch(() => undefined),
      isProcess ? "/" : prepareRootfs(opts.images, record.id, dir).then((r) => r.path),
    ]);
    return { record, config, rootfs, dir };
  } catch {
    if (!isProcess) await releaseRootfs(opts.images, dir).catch(() => undefined);
    return undefined;
  }
}

/** Releases what prepareFirst made and nobody used. */
export async function releasePrepared(opts: PodManagerOptions, p: Prepared): Promise<void> {
  if (opts.runtime.name !== "process") await releaseRootfs(opts.images, p.dir).catch(() => undefined);
}

function safeDefaultPolicy(image: string): PullPolicy | undefined {
  try {
    return defaultPullPolicy(image);
  } catch {
    return undefined;
  }
}

function podRef(pod: PodObj): string {
  return `${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`;
}

/** Starts the next instance of `c` (the first, or a restart). Returns false when it could not. */
export async function startInstance(ctx: StartContext, pod: PodObj, st: PodState, c: Container, rec: ContainerRecord): Promise<boolean> {
  const { opts } = ctx;
  const image = c.image ?? "";
  const uid = st.uid;
  const pullKey = `${uid}/${c.name}`;
  const ev = (type: "Normal" | "Warning", reason: string, message: string): void => opts.recorder.event(pod, type, reason, message);

  if (rec.pullFailedAt !== undefined && ctx.pullBackoff.inBackoffSince(pullKey, rec.pullFailedAt)) {
    const message = `Back-off pulling image "${image}"`;
    if (rec.waiting?.reason !== "ImagePullBackOff") ev("Normal", "BackOff", message);
    rec.waiting = { reason: "ImagePullBackOff", message };
    ctx.requeueAfter(ctx.pullBackoff.remaining(pullKey, rec.pullFailedAt) + 10);
    return false;
  }

  // Only a first instance (restartCount 0, no earlier id) can have been prepared.
  const pre = rec.id ? undefined : ctx.prepared?.get(c.name);
  ctx.prepared?.delete(c.name);
  let record: ImageRecord;
  try {
    if (pre) {
      record = pre.record;
      await opts.images.touch(record.id).catch(() => undefined);
      ev("Normal", "Pulled", `Container image "${image}" already present on machine`);
    } else {
      record = await pull(ctx, pod, image, c.imagePullPolicy as PullPolicy | undefined, ev);
    }
    rec.pullFailedAt = undefined;
    ctx.pullBackoff.reset(pullKey);
  } catch (e) {
    const err = e instanceof ImageError ? e : new ImageError("ErrImagePull", "Other", (e as Error).message);
    if (err.reason === "ErrImageNeverPull" || err.reason === "InvalidImageName") {
      // Nothing was pulled, so no back-off: kubelet reports the reason as is and looks again later.
      if (rec.waiting?.reason !== err.reason) ev("Warning", err.reason, err.message);
      rec.waiting = { reason: err.reason, message: err.message };
      ctx.requeueAfter(configRetryMs);
      return false;
    } else {
      ev("Warning", "Failed", `Failed to pull image "${image}": ${err.message}`);
      ev("Warning", "Failed", `Error: ${err.reason}`);
    }
    const now = Date.now();
    ctx.pullBackoff.next(pullKey, now);
    rec.pullFailedAt = now;
    rec.waiting = { reason: err.reason, message: err.message };
    ctx.requeueAfter(ctx.pullBackoff.remaining(pullKey, now) + 10);
    return false;
  }

  const config = pre ? pre.config : await opts.images.imageConfig(record.id).catch(() => undefined);
  let env: Record<string, string>;
  let argv: string[];
  try {
    env = containerEnv(c, st.namespace, config, await envSources(ctx, pod, st));
    argv = containerArgv(c, config, env);
    if (argv.length === 0) throw new ContainerConfigError("no command specified");
  } catch (e) {
    const msg = (e as Error).message;
    const reason = e instanceof ContainerConfigError && msg !== "no command specified" ? "CreateContainerConfigError" : "CreateContainerError";
    // The prepared rootfs is not recorded anywhere yet: let it go, the retry prepares it again.
    if (pre) await releasePrepared(opts, pre);
    if (rec.waiting?.message !== msg) ev("Warning", "Failed", `Error: ${msg}`);
    rec.waiting = { reason, message: msg };
    ctx.requeueAfter(configRetryMs);
    return false;
  }

  const restartCount = rec.id ? rec.restartCount + 1 : rec.restartCount;
  const logPath = join(podLogDir(opts.stateDir, st), c.name, `${restartCount}.log`);
  const dir = instanceDir(opts.stateDir, uid, c.name, restartCount);
  const isProcess = opts.runtime.name === "process";
  let id: string;
  try {
    // The process runtime runs commands on the host's filesystem: no root filesystem to make.
    const rootfs = pre && pre.dir === dir ? pre.rootfs : isProcess ? "/" : (await prepareRootfs(opts.images, record.id, dir)).path;
    const spec = containerSpec(pod, c, config, { rootfs, argv, env, logPath, isProcess });
    await rm(logPath, { force: true });
    id = await opts.runtime.createContainer(st.sandboxId!, spec);
  } catch (e) {
    if (!isProcess) await releaseRootfs(opts.images, dir).catch(() => undefined);
    const msg = (e as Error).message;
    if (rec.waiting?.message !== msg) ev("Warning", "Failed", `Error: ${msg}`);
    rec.waiting = { reason: e instanceof ContainerConfigError ? "CreateContainerConfigError" : "CreateContainerError", message: msg };
    ctx.requeueAfter(configRetryMs);
    return false;
  }
  ev("Normal", "Created", `Created container ${c.name}`);

  // The instance this one replaces becomes the last state; the one before it goes away.
  if (rec.id) {
    const older = rec.last;
    rec.last = retired(rec, rec.id);
    if (older) await removeInstance(opts, older.containerId, older.dir, older.logPath);
  }
  Object.assign(rec, {
    id, logPath, dir: isProcess ? undefined : dir, restartCount, imageRef: normalizeOrSelf(image),
    imageID: imageIdFor(record, image), waiting: undefined, status: { state: "created" },
  } satisfies Partial<ContainerRecord>);
  try {
    await opts.runtime.startContainer(id);
  } catch (e) {
    const msg = (e as Error).message;
    ev("Warning", "Failed", `Error: ${msg}`);
    rec.status = await opts.runtime.containerStatus(id).catch(() => ({ state: "unknown" as const }));
    if (rec.status.state !== "exited") rec.status = { state: "exited", exitCode: 128, reason: "StartError", message: msg, finishedAt: new Date().toISOString() };
    return true;
  }
  rec.status = await opts.runtime.containerStatus(id).catch(() => ({ state: "running" as const, startedAt: new Date().toISOString() }));
  ev("Normal", "Started", `Started container ${c.name}`);
  return true;
}

/** Removes a dead instance from the runtime, with its root filesystem and log. */
export async function removeInstance(opts: PodManagerOptions, id: string, dir: string | undefined, logPath: string | undefined): Promise<void> {
  await opts.runtime.removeContainer(id).catch(() => undefined);
  if (dir) await releaseRootfs(opts.images, dir).catch(() => undefined);
  if (logPath) await rm(logPath, { force: true });
}

async function pull(
  ctx: StartContext, pod: PodObj, image: string, policy: PullPolicy | undefined,
  ev: (type: "Normal" | "Warning", reason: string, message: string) => void,
): Promise<ImageRecord> {
  const { opts } = ctx;
  const effective = policy ?? defaultPullPolicy(image);
  const present = effective === "Always" ? undefined : await opts.images.getImage(normalizeOrSelf(image)).catch(() => undefined);
  if (present) {
    await opts.images.touch(present.id).catch(() => undefined);
    ev("Normal", "Pulled", `Container image "${image}" already present on machine`);
    return present;
  }
  if (effective !== "Never") ev("Normal", "Pulling", `Pulling image "${image}"`);
  const started = Date.now();
  const pullSecrets = effective === "Never" ? [] : await pullSecretsOf(ctx, pod);
  const res = await ensureImage(opts.images, image, effective, { ...opts.pullOptions, pullSecrets: [...(opts.pullOptions?.pullSecrets ?? []), ...pullSecrets] });
  const took = goDuration(res.pull?.durationMs ?? Date.now() - started);
  const waited = goDuration(Date.now() - started);
  ev("Normal", "Pulled", `Successfully pulled image "${image}" in ${took} (${waited} including waiting). Image size: ${res.image.size} bytes.`);
  return res.image;
}

/** The repo digest of the repository the pod named (an image may have been pulled under several). */
function imageIdFor(record: ImageRecord, image: string): string {
  let repo: string | undefined;
  try {
    repo = repositoryName(parseReference(image));
  } catch {
    repo = undefined;
  }
  return record.repoDigests.find((d) => repo && d.startsWith(`${repo}@`)) ?? record.repoDigests[0] ?? record.id;
}

function normalizeOrSelf(image: string): string {
  try {
    return normalizeReference(image);
  } catch {
    return image;
  }
}

/** The decoded docker configs of the pod's imagePullSecrets (missing ones are skipped, as kubelet does). */
async function pullSecretsOf(ctx: StartContext, pod: PodObj): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (const ref of pod.spec?.imagePullSecrets ?? []) {
    if (!ref.name) continue;
    try {
      const secret = await ctx.opts.client.secrets.get(pod.metadata.namespace, ref.name);
      const cfg = dockerConfigFromSecret(secret as { type?: string; data?: Record<string, string> });
      if (cfg) out.push(cfg);
    } catch {
      // kubelet logs and pulls without it.
    }
  }
  return out;
}

/** ConfigMaps and Secrets are read on demand (once per start), decoded; fields from the pod. */
async function envSources(ctx: StartContext, pod: PodObj, st: PodState): Promise<EnvSources> {
  const ns = pod.metadata.namespace ?? "default";
  const c = ctx.opts.client;
  const wantCM = new Set<string>();
  const wantSecret = new Set<string>();
  for (const ctr of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
    for (const f of ctr.envFrom ?? []) {
      if (f.configMapRef?.name) wantCM.add(f.configMapRef.name);
      if (f.secretRef?.name) wantSecret.add(f.secretRef.name);
    }
    for (const e of ctr.env ?? []) {
      if (e.valueFrom?.configMapKeyRef?.name) wantCM.add(e.valueFrom.configMapKeyRef.name);
      if (e.valueFrom?.secretKeyRef?.name) wantSecret.add(e.valueFrom.secretKeyRef.name);
    }
  }
  const cms = new Map<string, Record<string, string>>();
  const secrets = new Map<string, Record<string, string>>();
  await Promise.all([
    ...[...wantCM].map(async (n) => {
      const cm = await c.configmaps.get(ns, n).catch(() => undefined);
      if (cm) cms.set(n, { ...((cm as { data?: Record<string, string> }).data ?? {}) });
    }),
    ...[...wantSecret].map(async (n) => {
      const s = await c.secrets.get(ns, n).catch(() => undefined);
      if (!s) return;
      const data: Record<string, string> = {};
      const raw = s as { data?: Record<string, string>; stringData?: Record<string, string> };
      for (const [k, v] of Object.entries(raw.data ?? {})) data[k] = Buffer.from(v, "base64").toString("utf8");
      secrets.set(n, data);
    }),
  ]);
  const fields: Record<string, string | undefined> = {
    "metadata.name": pod.metadata.name,
    "metadata.namespace": ns,
    "metadata.uid": pod.metadata.uid,
    "spec.nodeName": pod.spec?.nodeName,
    "spec.serviceAccountName": pod.spec?.serviceAccountName,
    "status.hostIP": ctx.opts.nodeIP,
    "status.hostIPs": ctx.opts.nodeIP,
    "status.podIP": st.podIP,
    "status.podIPs": st.podIP,
  };
  return {
    configMap: (n) => cms.get(n),
    secret: (n) => secrets.get(n),
    field: (path) => {
      const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
      if (m) return (m[1] === "labels" ? pod.metadata.labels : pod.metadata.annotations)?.[m[2]!];
      return fields[path];
    },
  };
}

function containerSpec(
  pod: PodObj, c: Container, config: ImageConfig | undefined,
  p: { rootfs: string; argv: string[]; env: Record<string, string>; logPath: string; isProcess: boolean },
): ContainerSpec {
  const sc = c.securityContext;
  const user = containerUser(c, pod.spec, config);
  const workingDir = c.workingDir || (p.isProcess ? undefined : config?.config?.WorkingDir) || undefined;
  const spec: ContainerSpec = {
    name: c.name, rootfs: p.rootfs, command: p.argv, env: p.env, logPath: p.logPath,
    resources: containerResources(c),
  };
  if (workingDir) spec.workingDir = workingDir;
  if (user) spec.user = user;
  if (sc?.privileged) spec.privileged = true;
  if (sc?.capabilities) spec.capabilities = { ...(sc.capabilities.add ? { add: sc.capabilities.add } : {}), ...(sc.capabilities.drop ? { drop: sc.capabilities.drop } : {}) };
  if (sc?.readOnlyRootFilesystem) spec.readOnlyRootfs = true;
  const groups = podSupplementalGroups(pod.spec);
  if (groups) spec.supplementalGroups = groups;
  const seccomp = containerSeccompProfile(c, pod.spec);
  if (seccomp) spec.seccompProfile = seccomp;
  return spec;
}

export { podRef };
