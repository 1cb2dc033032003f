/**
 * The pod manager: kubelet's pod workers for one node. An informer on the pods bound to the
 * node (fieldSelector spec.nodeName) feeds a work queue keyed by pod; each key gets a
 * level-triggered sync that drives the pod's sandbox and containers through the runtime and
 * writes its status. One shared timer polls the runtime for exits of running containers.
 *
 * State that must survive an agent restart (sandbox, container instances, restart counts,
 * last terminations) is kept per pod under `<stateDir>/pods/`; on start, running containers of
 * pods that still exist are adopted as they are and sandboxes of vanished pods are removed.
 */
import { rm } from "node:fs/promises";
import type { Container, PodStatus } from "kubernetes-types/core/v1.js";
import { Informer, objectKey, RateLimitedQueue } from "../../client/index.js";
import { runWorker } from "../../client/workqueue/index.js";
import { releaseRootfs } from "../../image/index.js";
import { StatusError } from "../../machinery/errors.js";
import { deepCopy } from "../../machinery/object.js";
import type { PodObj } from "../runtime/fake/pod-status.js";
import { RuntimeNotFoundError, type ContainerStatus as RuntimeStatus } from "../runtime/types.js";
import type { PodManager, PodManagerOptions } from "../types.js";
import { Backoff, goDuration } from "./backoff.js";
import { podLogDir, podRef, podRootfsDir, prepareFirst, releasePrepared, startInstance, type Prepared, type StartContext } from "./containers.js";
import { logLocator } from "./logs.js";
import { podHostname } from "./spec.js";
import { PodStateStore, type ContainerRecord, type PodState } from "./state.js";
import { buildStatus, exitCodeOf, exited, podPhase, running, shouldRestart, type Phase } from "./status.js";

/** Knobs beyond the node contract, mostly for tests. */
export interface PodManagerTuning {
  /** First CrashLoopBackOff delay (default 10 s, or env TIMONEL_CRASHLOOP_BASE_MS); doubles up to `crashLoopMaxMs`. */
  crashLoopBaseMs?: number;
  crashLoopMaxMs?: number;
  /** A container that ran this long (or a back-off idle this long) starts over at the base. Default 10 min. */
  backoffResetMs?: number;
  /** First ImagePullBackOff delay (default 10 s, or env TIMONEL_IMAGEPULL_BASE_MS); up to 5 min. */
  imagePullBaseMs?: number;
  /** How often running containers are checked for exits. Default 500 ms. */
  pollMs?: number;
  /** Pods synced at once. Default 8. */
  workers?: number;
  /** Errors the manager retries (default: a line on stderr). */
  onError?: (err: unknown, what: string) => void;
}

const fieldManager = "kubelet";
const maxConflictRetries = 3;

function envMs(name: string): number | undefined {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : undefined;
}

export async function startPodManager(opts: PodManagerOptions & PodManagerTuning): Promise<PodManager> {
  const m = new Manager(opts);
  try {
    await m.start();
  } catch (e) {
    await m.stop();
    throw e;
  }
  return { stop: () => m.stop(), logs: m.logs, runningPods: () => m.runningPods() };
}

class Manager {
  private readonly informer: Informer<PodObj>;
  private readonly queue = new RateLimitedQueue<string>({ baseDelayMs: 200, maxDelayMs: 30_000 });
  private readonly states = new Map<string, PodState>();
  private readonly store: PodStateStore;
  private readonly crash: Backoff;
  private readonly pull: Backoff;
  /** Per pod UID, what we last wrote (without transition times), so a stale cache does not cause rewrites. */
  private readonly written = new Map<string, string>();
  private readonly pollMs: number;
  private workers: Promise<void>[] = [];
  private pollTimer?: NodeJS.Timeout;
  private polling = false;
  private stopped = false;
  private readonly onError: (err: unknown, what: string) => void;
  readonly logs;

  constructor(private readonly opts: PodManagerOptions & PodManagerTuning) {
    this.informer = new Informer<PodObj>(opts.client.pods, { fieldSelector: `spec.nodeName=${opts.nodeName}` });
    this.store = new PodStateStore(opts.stateDir);
    const resetAfterMs = opts.backoffResetMs ?? 10 * 60_000;
    this.crash = new Backoff({ baseMs: opts.crashLoopBaseMs ?? envMs("TIMONEL_CRASHLOOP_BASE_MS") ?? 10_000, maxMs: opts.crashLoopMaxMs ?? 300_000, resetAfterMs });
    this.pull = new Backoff({ baseMs: opts.imagePullBaseMs ?? envMs("TIMONEL_IMAGEPULL_BASE_MS") ?? 10_000, maxMs: 300_000, resetAfterMs });
    this.pollMs = opts.pollMs ?? 500;
    this.onError = opts.onError ?? ((err, what) => console.error(`pod manager: ${what}: ${(err as Error)?.message ?? String(err)}`));
    this.logs = logLocator((ns, name) => ({ pod: this.informer.get(`${ns}/${name}`), state: this.states.get(`${ns}/${name}`) }));
  }

  async start(): Promise<void> {
    this.informer.addHandler({
      onAdd: (p) => this.queue.add(objectKey(p)),
      onUpdate: (_o, p) => this.queue.add(objectKey(p)),
      onDelete: (p) => this.queue.add(objectKey(p)),
    });
    this.informer.start();
    await this.informer.waitForSync();
    await this.adopt();
    for (let i = 0; i < Math.max(1, this.opts.workers ?? 8); i++) this.workers.push(this.work());
    this.pollTimer = setInterval(() => void this.poll(), this.pollMs);
    this.pollTimer.unref();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.informer.stop();
    this.queue.shutDown();
    await Promise.allSettled(this.workers);
  }

  runningPods(): number {
    let n = 0;
    for (const s of this.states.values()) if (s.sandboxId) n++;
    return n;
  }

  // ---------------------------------------------------------------------------------------------
  // Adoption after a restart

  private async adopt(): Promise<void> {
    const pods = new Map(this.informer.list().map((p) => [p.metadata.uid ?? "", p]));
    const sandboxes = await this.opts.runtime.listSandboxes();
    const live = new Set(sandboxes.map((s) => s.id));
    const kept = new Set<string>();
    for (const st of this.store.loadAll()) {
      const pod = pods.get(st.uid);
      if (!pod) {
        await this.cleanupPod(st);
        continue;
      }
      if (st.sandboxId && !live.has(st.sandboxId)) {
        // The sandbox vanished (a reboot): its containers are gone and will be started again.
        st.sandboxId = undefined;
        st.podIP = undefined;
      }
      if (st.sandboxId) kept.add(st.sandboxId);
      this.states.set(objectKey(pod), st);
    }
    for (const sb of sandboxes) {
      if (!kept.has(sb.id)) await this.opts.runtime.removeSandbox(sb.id).catch((e: unknown) => this.onError(e, `removing sandbox ${sb.id}`));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Workers

  private work(): Promise<void> {
    return runWorker(this.queue, { handle: (key) => this.sync(key), onError: this.onError, describe: (key) => `pod ${key}`, stopped: () => this.stopped });
  }

  /** Checks running containers for exits; a pod whose container changed state is synced. */
  private async poll(): Promise<void> {
    if (this.polling || this.stopped) return;
    this.polling = true;
    try {
      for (const [key, st] of this.states) {
        for (const rec of Object.values(st.containers)) {
          if (!rec.id || (rec.status?.state !== "running" && rec.status?.state !== "created")) continue;
          const now = await this.opts.runtime.containerStatus(rec.id).catch((): RuntimeStatus => ({ state: "unknown" }));
          if (now.state !== rec.status.state) {
            this.queue.add(key);
            break;
          }
        }
      }
    } finally {
      this.polling = false;
    }
  }

  private async sync(key: string): Promise<void> {
    const pod = this.informer.get(key);
    let st = this.states.get(key);
    if (st && (!pod || pod.metadata.uid !== st.uid)) {
      // Force-deleted, or replaced by a pod of the same name: nothing to confirm, only to tear down.
      await this.cleanupPod(st);
      this.states.delete(key);
      st = undefined;
    }
    if (!pod || this.stopped) return;
    if (pod.metadata.deletionTimestamp) return this.terminate(key, pod, st);
    const phase = pod.status?.phase;
    if (phase === "Succeeded" || phase === "Failed") {
      if (st?.sandboxId) await this.finish(st);
      return;
    }
    if (!st) {
      st = { uid: pod.metadata.uid ?? "", namespace: pod.metadata.namespace ?? "default", name: pod.metadata.name ?? "", startTime: new Date().toISOString(), containers: {} };
      this.states.set(key, st);
    }
    await this.refresh(st);
    let prepared: Map<string, Prepared> | undefined;
    if (!st.sandboxId) {
      // The sandbox (netns, namespaces, /etc files) and the first containers' images and root
      // filesystems do not depend on each other: both at once.
      const first = firstRound(pod, st);
      const pending = first.map(async (c) => [c.name, await prepareFirst(this.opts, st!, c).catch(() => undefined)] as const);
      const sandbox = this.createSandbox(pod, st).then(() => undefined, (e: unknown) => e);
      const [failed, ready] = await Promise.all([sandbox, Promise.all(pending)]);
      prepared = new Map(ready.filter((r): r is readonly [string, Prepared] => r[1] !== undefined));
      if (failed !== undefined) {
        await this.releaseUnused(prepared);
        throw failed;
      }
      // With every image already here the containers start right away and one status write
      // (Running) follows; only a pull is worth a ContainerCreating status first.
      if (prepared.size < first.length && !pod.status?.containerStatuses?.length) await this.writeStatus(pod, st);
    }
    try {
      await this.runContainers(key, pod, st, prepared);
    } finally {
      if (prepared?.size) await this.releaseUnused(prepared);
    }
    if (this.stopped) return;
    const now = podPhase(pod, st);
    if (now === "Succeeded" || now === "Failed") await this.finish(st);
    this.store.save(st);
    await this.writeStatus(pod, st);
  }

  private async createSandbox(pod: PodObj, st: PodState): Promise<void> {
    const spec = pod.spec;
    const dns = spec?.dnsConfig;
    try {
      const sb = await this.opts.runtime.createSandbox({
        podUid: st.uid, name: st.name, namespace: st.namespace, hostname: podHostname(st.name, spec),
        hostNetwork: spec?.hostNetwork === true,
        ...(dns ? {
          dnsConfig: {
            ...(dns.nameservers ? { nameservers: dns.nameservers } : {}),
            ...(dns.searches ? { searches: dns.searches } : {}),
            ...(dns.options ? { options: dns.options.map((o) => ({ name: o.name ?? "", ...(o.value !== undefined ? { value: o.value } : {}) })) } : {}),
          },
        } : {}),
        ...(spec?.hostAliases ? { hosts: spec.hostAliases.map((a) => ({ ip: a.ip ?? "", hostnames: a.hostnames ?? [] })) } : {}),
      });
      st.sandboxId = sb.id;
      st.podIP = spec?.hostNetwork ? this.opts.nodeIP : sb.ip;
      this.store.save(st);
    } catch (e) {
      this.opts.recorder.event(pod, "Warning", "FailedCreatePodSandBox", `Failed to create pod sandbox: ${(e as Error).message}`);
      throw e;
    }
  }

  /** Reads the runtime's view of every live container instance of the pod. */
  private async refresh(st: PodState): Promise<void> {
    for (const rec of Object.values(st.containers)) {
      if (!rec.id || rec.status?.state === "exited" || rec.status?.state === "unknown") continue;
      try {
        rec.status = await this.opts.runtime.containerStatus(rec.id);
      } catch (e) {
        if (!(e instanceof RuntimeNotFoundError)) throw e;
        rec.status = { ...rec.status, state: "unknown", finishedAt: new Date().toISOString() };
      }
    }
  }

  private startContext(key: string, prepared?: Map<string, Prepared>): StartContext {
    return { opts: this.opts, pullBackoff: this.pull, requeueAfter: (ms) => this.queue.addAfter(key, ms), ...(prepared ? { prepared } : {}) };
  }

  private async releaseUnused(prepared: Map<string, Prepared>): Promise<void> {
    for (const p of prepared.values()) await releasePrepared(this.opts, p);
    prepared.clear();
  }

  /** Init containers one at a time, each to success; then every app container, restarted per policy. */
  private async runContainers(key: string, pod: PodObj, st: PodState, prepared?: Map<string, Prepared>): Promise<void> {
    const policy = pod.spec?.restartPolicy ?? "Always";
    const ctx = this.startContext(key, prepared);
    for (const c of pod.spec?.initContainers ?? []) {
      const rec = recordFor(st, c, true);
      if (rec.id && (rec.status?.state === "running" || rec.status?.state === "created")) return;
      if (exited(rec)) {
        if (exitCodeOf(rec) === 0) {
          rec.waiting = undefined;
          continue;
        }
        if (policy !== "Never") await this.restartOrBackOff(ctx, pod, st, c, rec);
        return;
      }
      await startInstance(ctx, pod, st, c, rec);
      return;
    }
    for (const c of pod.spec?.containers ?? []) {
      if (this.stopped) return;
      const rec = recordFor(st, c, false);
      if (rec.id && (rec.status?.state === "running" || rec.status?.state === "created")) continue;
      if (exited(rec)) {
        if (shouldRestart(policy, exitCodeOf(rec))) await this.restartOrBackOff(ctx, pod, st, c, rec);
        continue;
      }
      await startInstance(ctx, pod, st, c, rec);
    }
  }

  private async restartOrBackOff(ctx: StartContext, pod: PodObj, st: PodState, c: Container, rec: ContainerRecord): Promise<void> {
    const key = `${st.uid}/${c.name}`;
    const finishedMs = Date.parse(rec.status?.finishedAt ?? "") || Date.now();
    const startedMs = Date.parse(rec.status?.startedAt ?? "");
    if (startedMs && finishedMs - startedMs >= this.crash.opts.resetAfterMs) this.crash.reset(key);
    if (this.crash.inBackoffSince(key, finishedMs)) {
      const message = `back-off ${goDuration(this.crash.get(key))} restarting failed container=${c.name} pod=${podRef(pod)}`;
      if (rec.waiting?.message !== message) {
        this.opts.recorder.event(pod, "Warning", "BackOff", `Back-off restarting failed container ${c.name} in pod ${podRef(pod)}`);
      }
      rec.waiting = { reason: "CrashLoopBackOff", message };
      ctx.requeueAfter(this.crash.remaining(key, finishedMs) + 10);
      return;
    }
    this.crash.next(key, finishedMs);
    if (rec.waiting?.reason === "CrashLoopBackOff") rec.waiting = undefined;
    await startInstance(ctx, pod, st, c, rec);
  }

  // ---------------------------------------------------------------------------------------------
  // Termination

  /** A pod in a terminal phase: its sandbox (network, processes) goes; records and logs stay. */
  private async finish(st: PodState): Promise<void> {
    if (!st.sandboxId) return;
    await this.opts.runtime.removeSandbox(st.sandboxId);
    st.sandboxId = undefined;
    await this.releaseRootfses(st);
    this.store.save(st);
  }

  /** Graceful deletion: preStop hooks, stop with the grace period, final status, then confirm with grace 0. */
  private async terminate(key: string, pod: PodObj, st: PodState | undefined): Promise<void> {
    if (st) {
      await this.refresh(st);
      const grace = pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
      const deadline = Date.now() + grace * 1000;
      const specs = new Map([...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].map((c) => [c.name, c]));
      await Promise.all(Object.values(st.containers).filter((r) => running(r) || (r.id && r.status?.state === "created")).map(async (rec) => {
        this.opts.recorder.event(pod, "Normal", "Killing", `Stopping container ${rec.name}`);
        const hook = specs.get(rec.name)?.lifecycle?.preStop?.exec?.command;
        if (hook?.length && running(rec)) {
          await this.opts.runtime.exec(rec.id!, hook, { timeoutMs: Math.max(1, deadline - Date.now()) }).catch(() => undefined);
        }
        await this.opts.runtime.stopContainer(rec.id!, Math.max(0, (deadline - Date.now()) / 1000));
      }));
      await this.refresh(st);
      for (const rec of Object.values(st.containers)) if (rec.waiting && !exited(rec)) rec.waiting = undefined;
      const apps = (pod.spec?.containers ?? []).map((c) => st.containers[c.name]);
      const phase: Phase = apps.every((r) => r && exited(r) && exitCodeOf(r) === 0) ? "Succeeded" : "Failed";
      await this.opts.runtime.removeSandbox(st.sandboxId ?? "").catch(() => undefined);
      st.sandboxId = undefined;
      await this.writeStatus(pod, st, phase).catch((e: unknown) => this.onError(e, `final status of pod ${key}`));
      await this.cleanupPod(st);
      this.states.delete(key);
    }
    try {
      await this.opts.client.pods.delete(pod.metadata.namespace, pod.metadata.name ?? "", { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
    } catch (e) {
      if (!(e instanceof StatusError && (e.code === 404 || e.code === 409))) throw e;
    }
  }

  /** Removes everything the pod had on this node: sandbox, containers, root filesystems, logs, state. */
  private async cleanupPod(st: PodState): Promise<void> {
    if (st.sandboxId) await this.opts.runtime.removeSandbox(st.sandboxId);
    st.sandboxId = undefined;
    for (const rec of Object.values(st.containers)) {
      for (const id of [rec.id, rec.last?.containerId]) if (id) await this.opts.runtime.removeContainer(id).catch(() => undefined);
    }
    await this.releaseRootfses(st);
    await rm(podRootfsDir(this.opts.stateDir, st.uid), { recursive: true, force: true });
    await rm(podLogDir(this.opts.stateDir, st), { recursive: true, force: true });
    this.store.remove(st.uid);
    this.crash.resetPrefix(`${st.uid}/`);
    this.pull.resetPrefix(`${st.uid}/`);
    this.written.delete(st.uid);
  }

  private async releaseRootfses(st: PodState): Promise<void> {
    for (const rec of Object.values(st.containers)) {
      for (const dir of [rec.dir, rec.last?.dir]) if (dir) await releaseRootfs(this.opts.images, dir).catch(() => undefined);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Status

  private async writeStatus(pod: PodObj, st: PodState, phase?: Phase): Promise<void> {
    let base = pod;
    for (let attempt = 0; ; attempt++) {
      const status = buildStatus(base, st, {
        now: new Date(), hostIP: this.opts.nodeIP, runtimeName: this.opts.runtime.name, sandboxReady: !!st.sandboxId,
        ...(phase ? { phase } : {}),
      });
      const sig = signature(status);
      if (signature(base.status ?? {}) === sig || this.written.get(st.uid) === sig) return;
      try {
        const obj = deepCopy(base);
        obj.status = status;
        await this.opts.client.pods.updateStatus(obj, { fieldManager });
        this.written.set(st.uid, sig);
        return;
      } catch (e) {
        if (e instanceof StatusError && e.code === 404) return;
        if (!(e instanceof StatusError && e.code === 409) || attempt >= maxConflictRetries) throw e;
        const fresh = await this.opts.client.pods.get(pod.metadata.namespace, pod.metadata.name ?? "").catch(() => undefined);
        if (!fresh || fresh.metadata.uid !== st.uid) return;
        base = fresh;
      }
    }
  }
}

/** The containers a new sandbox starts first: the first init container, else every app container not started yet. */
function firstRound(pod: PodObj, st: PodState): Container[] {
  const init = pod.spec?.initContainers ?? [];
  if (init.length) return st.containers[init[0]!.name]?.id ? [] : [init[0]!];
  return (pod.spec?.containers ?? []).filter((c) => !st.containers[c.name]?.id);
}

function recordFor(st: PodState, c: Container, init: boolean): ContainerRecord {
  return (st.containers[c.name] ??= { name: c.name, init, restartCount: 0 });
}

/** The status without transition times (which a rebuild from a stale cache would change). */
function signature(status: PodStatus): string {
  const s = JSON.parse(JSON.stringify(status)) as PodStatus;
  s.conditions = s.conditions?.map((c) => ({ ...c, lastTransitionTime: undefined, lastProbeTime: undefined }));
  return JSON.stringify(sortKeys(s));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  }
  return v;
}
