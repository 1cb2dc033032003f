/**
 * startScheduler: the scheduler as a component. It watches nodes, pods, PDBs,
 * PriorityClasses, namespaces and PVCs through informers, keeps the cache and queue current,
 * and runs the scheduling loop for pods whose spec.schedulerName is its own (pods for other
 * schedulers are left alone). Binds through pods/binding; reports core/v1 Events.
 */
import type { ApiClient } from "../client/client.js";
import { SharedInformerFactory } from "../client/informer/index.js";
import { systemPriorityClasses } from "../api/scheduling/v1/priorityclass.js";
import { Cache } from "./cache/cache.js";
import { nodeHandlers, podHandlers, pvcHandlers, type HandlerDeps } from "./event-handlers.js";
import { SchedulerEventRecorder } from "./events.js";
import { Framework } from "./framework/framework.js";
import type { ClusterApi, Listers, Namespace } from "./framework/interfaces.js";
import { defaultProfile, type Profile } from "./framework/profile.js";
import type { Registry } from "./framework/registry.js";
import { Algorithm } from "./framework/schedule.js";
import { defaultSchedulerName, type Node, type PersistentVolumeClaim, type Pod, type PodDisruptionBudget, type PriorityClass } from "./framework/types.js";
import { inTreeRegistry } from "./plugins/index.js";
import { SchedulingQueue } from "./queue/scheduling-queue.js";
import { SchedulerLoop, type SchedulerStats } from "./schedule-one.js";

export interface SchedulerOptions {
  /** Default "default-scheduler"; ignored when `profile` names one. */
  schedulerName?: string;
  /** Plugins and weights (default: upstream's default profile). */
  profile?: Profile;
  /** Out-of-tree plugins, added to the in-tree registry. */
  registry?: Registry;
  /**
   * Upstream's parallelism (16). Accepted for compatibility: the scheduling cycle runs on one
   * thread, with the same early stop the parallel filter approximates.
   */
  parallelism?: number;
  /** 0 (default) = upstream's adaptive percentage (50% − nodes/125, at least 5%). */
  percentageOfNodesToScore?: number;
  /** Concurrent bindings before the loop waits (default 256). */
  maxInFlightBinds?: number;
  /** Diagnostics (default: silent). */
  log?: (msg: string) => void;
  /**
   * The process's shared informers (one pod cache for every component). Default: a factory
   * of the scheduler's own, stopped with it; a shared one keeps running after stop().
   */
  informers?: SharedInformerFactory;
}

export interface RunningScheduler {
  readonly schedulerName: string;
  stats(): SchedulerStats & { pending: { active: number; backoff: number; unschedulable: number; inFlight: number }; events: { written: number; aggregated: number; dropped: number; failed: number } };
  stop(): Promise<void>;
}

export async function startScheduler(client: ApiClient, opts: SchedulerOptions = {}): Promise<RunningScheduler> {
  const profile: Profile = { ...(opts.profile ?? defaultProfile(opts.schedulerName ?? defaultSchedulerName)) };
  if (opts.percentageOfNodesToScore !== undefined && profile.percentageOfNodesToScore === undefined) {
    profile.percentageOfNodesToScore = opts.percentageOfNodesToScore;
  }
  const schedulerName = profile.schedulerName;
  const log = opts.log ?? (() => {});

  const onError = (err: Error): void => log(`informer: ${err.message}`);
  // A scope of a shared factory: stopping it detaches our handlers, not the shared informers.
  const factory = opts.informers?.scoped() ?? new SharedInformerFactory(client, { informerDefaults: { onError } });
  const priorityClasses = factory.informerFor<PriorityClass>(client.priorityClasses.ref);
  const namespaces = factory.informerFor<Namespace>(client.namespaces.ref);
  const pdbs = factory.informerFor<PodDisruptionBudget>(client.pdbs.ref);
  const pvcs = factory.forKind<PersistentVolumeClaim>("v1", "PersistentVolumeClaim");
  const nodes = factory.informerFor<Node>(client.nodes.ref);
  const pods = factory.informerFor<Pod>(client.pods.ref);
  const informers = [priorityClasses, namespaces, pdbs, pvcs, nodes, pods];
  try {
    // Priorities resolve through PriorityClasses: have them before the first pod is queued
    // (a shared pod informer that has synced replays its pods as soon as a handler is added).
    priorityClasses.start();
    await priorityClasses.waitForSync();
  } catch (err) {
    factory.stop();
    throw err;
  }

  const priorityOf = (pod: Pod): number => {
    if (pod.spec?.priority !== undefined && pod.spec.priority !== null) return pod.spec.priority;
    const cls = pod.spec?.priorityClassName;
    if (!cls) return 0;
    return priorityClasses.get(cls)?.value ?? systemPriorityClasses[cls] ?? 0;
  };

  const api: ClusterApi = {
    async bind(pod, nodeName) {
      const { name, namespace, uid } = pod.metadata;
      await client.pods.createSubresource(namespace, name ?? "", "binding", {
        apiVersion: "v1",
        kind: "Binding",
        metadata: { name, namespace, ...(uid ? { uid } : {}) },
        target: { apiVersion: "v1", kind: "Node", name: nodeName },
      });
    },
    async deletePod(pod) {
      await client.pods.delete(pod.metadata.namespace, pod.metadata.name ?? "", pod.metadata.uid ? { preconditions: { uid: pod.metadata.uid } } : {});
    },
    async patchPodStatus(pod, status) {
      await client.pods.patch(pod.metadata.namespace, pod.metadata.name ?? "", "strategic", { status }, { subresource: "status" });
    },
  };
  const listers: Listers = {
    pdbs: () => pdbs.list(),
    namespace: (name) => namespaces.get(name),
    namespaces: () => namespaces.list(),
    pvc: (ns, name) => pvcs.get(`${ns}/${name}`),
  };
  const recorder = new SchedulerEventRecorder(client.events, { component: schedulerName, log });
  const registry = opts.registry ? inTreeRegistry().merge(opts.registry) : inTreeRegistry();
  const cache = new Cache(priorityOf);
  let queue: SchedulingQueue | undefined;
  const fwk = new Framework({
    registry, profile, listers, api, recorder: recorder.record, priorityOf, log,
    nominator: {
      nominatedPodsForNode: (n) => queue!.nominator.nominatedPodsForNode(n),
      nominatedNodeOf: (uid) => queue!.nominator.nominatedNodeOf(uid),
    },
  });
  queue = new SchedulingQueue({
    less: fwk.queueSortPlugin ? (a, b) => fwk.queueSortPlugin!.less(a, b) : undefined,
    preEnqueue: fwk.preEnqueuePlugins.length ? (p) => fwk.runPreEnqueuePlugins(p) : undefined,
    events: fwk.eventsToRegister(),
    priorityOf,
  });
  const deps: HandlerDeps = {
    cache,
    queue,
    responsibleFor: (p) => (p.spec?.schedulerName || defaultSchedulerName) === schedulerName,
  };
  nodes.addHandler(nodeHandlers(deps));
  pods.addHandler(podHandlers(deps));
  pvcs.addHandler(pvcHandlers(deps));

  const loop = new SchedulerLoop({
    fwk, cache, queue, api, recorder: recorder.record, log,
    algorithm: new Algorithm(profile.percentageOfNodesToScore ?? 0),
    getPod: (ns, name) => pods.get(`${ns}/${name}`),
    maxInFlightBinds: opts.maxInFlightBinds,
  });

  try {
    for (const i of informers) i.start();
    await Promise.all(informers.map((i) => i.waitForSync()));
  } catch (err) {
    factory.stop();
    throw err;
  }
  queue.run();
  loop.start();

  let stopping: Promise<void> | undefined;
  return {
    schedulerName,
    stats: () => ({ ...loop.stats, pending: queue!.pending(), events: { ...recorder.stats } }),
    stop: () => (stopping ??= (async () => {
      factory.stop();
      await loop.stop();
      await Promise.race([recorder.flush(), new Promise((r) => setTimeout(r, 2000).unref())]);
    })()),
  };
}

export type { SchedulerStats };
