/**
 * The types every controller codes against (the controllers contract): what a controller
 * declares (ControllerSpec), what it is given (ControllerDeps), what reconcile returns, and
 * the manager's and the recorder's public shapes.
 */
import type { ApiClient, Informer, SharedInformerFactory } from "../../client/index.js";
import type { KubeObject } from "../../machinery/object.js";

export interface ReconcileResult {
  /** Process the key again after this delay (the queue keeps the earlier of two delays). */
  requeueAfterMs?: number;
  /** Process the key again, rate limited (backoff grows as for an error, but nothing is counted as failed). */
  requeue?: boolean;
}

/** Thrown by reconcile for errors that retrying cannot fix: logged, not requeued. */
export class TerminalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TerminalError";
  }
}

export interface EventRecorder {
  event(obj: KubeObject, type: "Normal" | "Warning", reason: string, message: string): void;
  /** Resolves when queued writes are done (tests). */
  flush(): Promise<void>;
}

export interface ReconcileContext {
  /** Aborted when the manager stops or loses leadership. */
  signal: AbortSignal;
  recorder: EventRecorder;
}

export interface Enqueuer {
  add(key: string): void;
  addAfter(key: string, ms: number): void;
  addRateLimited(key: string): void;
}

export interface ControllerDeps {
  client: ApiClient;
  /** Shared by all controllers of one manager. */
  informers: SharedInformerFactory;
  recorder(component: string): EventRecorder;
}

/** What the manager needs of an informer in `waitFor`: an `Informer<T>` of any kind fits. */
export type WaitableInformer = Pick<Informer<KubeObject>, "start" | "stop" | "hasSynced" | "waitForSync">;

export interface ControllerSpec {
  /** "replicaset", "deployment", ... */
  name: string;
  /** Default 5. */
  workers?: number;
  /** Register informer handlers that only enqueue keys (namespace/name). Called once, before start. */
  setup(enqueue: Enqueuer): void;
  /** Informers that must have synced before workers start. */
  waitFor: WaitableInformer[];
  /** Level-triggered and idempotent: read the caches, act, write status. Never mutate cached objects. */
  reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult | void>;
}

export type ControllerFactory = (deps: ControllerDeps) => ControllerSpec;

export interface LeaderElectionOptions {
  /** Default kube-system. */
  namespace?: string;
  /** Default timonel-controller-manager. */
  name?: string;
  /** Default `<hostname>_<random uuid>`, as kube-controller-manager. */
  identity?: string;
  /** Default 15. */
  leaseDurationSeconds?: number;
  /** Default 10 000 (kube-controller-manager's). */
  renewDeadlineMs?: number;
  /** Default 2 000. */
  retryPeriodMs?: number;
  /** Clear the Lease's holder when stopping as leader, so another manager takes over at once (default true). */
  releaseOnStop?: boolean;
}

export interface ManagerOptions {
  leaderElection?: LeaderElectionOptions;
  /** Workers per controller name, overriding the spec's. */
  workers?: Record<string, number>;
  /** Where reconcile errors and leader-election trouble are reported (default console.warn). */
  log?: (message: string) => void;
}

export interface ControllerMetrics {
  name: string;
  queueDepth: number;
  reconciles: number;
  errors: number;
  reconcileP50Ms: number;
  reconcileP99Ms: number;
}

export interface RunningManager {
  stop(): Promise<void>;
  metrics(): ControllerMetrics[];
  isLeader(): boolean;
}
