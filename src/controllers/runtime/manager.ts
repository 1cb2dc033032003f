/**
 * The controller manager: builds every controller from its factory over one shared informer
 * factory, lets each register its handlers, starts the informers, and once a controller's
 * informers have synced runs its workers over a RateLimitedQueue (client-go's processNextWorkItem
 * with controller-runtime's result handling). With leader election, all of that happens only
 * while this manager holds the Lease: each term of leadership builds the controllers afresh
 * (new queues, and new informers or a new scope of the shared ones) and losing the Lease
 * stops them.
 */
import { setMaxListeners } from "node:events";
import type { ApiClient } from "../../client/index.js";
import { SharedInformerFactory } from "../../client/index.js";
import { RateLimitedQueue } from "../../client/workqueue/index.js";
import { LeaderElector } from "./leaderelection.js";
import { ControllerStats } from "./metrics.js";
import { newEventRecorder, type ClosableEventRecorder } from "./recorder.js";
import {
  TerminalError,
  type ControllerDeps, type ControllerFactory, type ControllerMetrics, type ControllerSpec, type Enqueuer,
  type EventRecorder, type ManagerOptions, type ReconcileContext, type RunningManager,
} from "./types.js";

export interface ManagerRunOptions extends ManagerOptions {
  /**
   * The process's shared informers (the scheduler and other components use the same caches).
   * Each term takes a scope of it, whose stop detaches the term's handlers and leaves the
   * informers running. Default: a factory of each term's own, stopped with the term.
   */
  informers?: SharedInformerFactory;
}

/**
 * Workers per controller unless its spec says otherwise. kube-controller-manager runs 5 per
 * controller (--concurrent-*-syncs); here a worker is only an async loop in the server's own
 * process, and each reconcile mostly waits on its writes, so more of them in flight keep the
 * pipeline full (1,000 Deployments × 3: 461 pods/s with 5, 594 with 16).
 */
const defaultWorkers = 16;
/** How long stop() waits for queued events to be written. */
const recorderFlushMs = 1000;

export async function startControllerManager(client: ApiClient, factories: ControllerFactory[], opts: ManagerRunOptions = {}): Promise<RunningManager> {
  const mgr = new Manager(client, factories, opts);
  await mgr.start();
  return mgr;
}

class Manager implements RunningManager {
  private readonly recorders = new Map<string, ClosableEventRecorder>();
  private readonly stats = new Map<string, ControllerStats>();
  private readonly log: (m: string) => void;
  private term?: Term;
  private termStarted?: Promise<void>;
  private elector?: LeaderElector;
  private stopped?: Promise<void>;

  constructor(private readonly client: ApiClient, private readonly factories: ControllerFactory[], private readonly opts: ManagerRunOptions) {
    this.log = opts.log ?? ((m) => console.warn(m));
  }

  async start(): Promise<void> {
    if (!this.opts.leaderElection) {
      await this.startTerm();
      return;
    }
    this.elector = new LeaderElector(this.client, { ...this.opts.leaderElection, log: this.log }, {
      onStartedLeading: () => {
        this.termStarted = this.startTerm().catch((err: unknown) => {
          this.log(`controller manager: cannot start the controllers: ${err instanceof Error ? err.message : String(err)}`);
        });
      },
      onStoppedLeading: () => this.stopTerm(),
    });
    await this.elector.run();
    // A leader returns once its controllers run; the others return at once and keep campaigning.
    if (this.termStarted) await this.termStarted;
  }

  stop(): Promise<void> {
    return (this.stopped ??= this.doStop());
  }

  isLeader(): boolean {
    return this.elector ? this.elector.isLeader() : this.stopped === undefined;
  }

  metrics(): ControllerMetrics[] {
    return [...this.stats].map(([name, s]) => ({
      name,
      queueDepth: this.term?.queueDepth(name) ?? 0,
      reconciles: s.reconciles,
      errors: s.errors,
      reconcileP50Ms: s.percentile(0.5),
      reconcileP99Ms: s.percentile(0.99),
    }));
  }

  private recorder(component: string): EventRecorder {
    let r = this.recorders.get(component);
    if (!r) {
      r = newEventRecorder(this.client, component, { log: this.log });
      this.recorders.set(component, r);
    }
    return r;
  }

  private statsFor(name: string): ControllerStats {
    let s = this.stats.get(name);
    if (!s) {
      s = new ControllerStats();
      this.stats.set(name, s);
    }
    return s;
  }

  private async startTerm(): Promise<void> {
    const informers = this.opts.informers?.scoped() ?? new SharedInformerFactory(this.client);
    const deps: ControllerDeps = { client: this.client, informers, recorder: (c) => this.recorder(c) };
    const specs = this.factories.map((f) => f(deps));
    const term = new Term(informers, specs.map((spec) => new Runner(spec, {
      workers: this.opts.workers?.[spec.name] ?? spec.workers ?? defaultWorkers,
      stats: this.statsFor(spec.name),
      recorder: this.recorder(`${spec.name}-controller`),
      log: this.log,
    })));
    this.term = term;
    await term.start();
  }

  private async stopTerm(): Promise<void> {
    const term = this.term;
    this.term = undefined;
    this.termStarted = undefined;
    await term?.stop();
  }

  private async doStop(): Promise<void> {
    if (this.elector) await this.elector.stop();
    await this.stopTerm();
    const recorders = [...this.recorders.values()];
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(recorders.map((r) => r.flush())),
      new Promise((r) => { timer = setTimeout(r, recorderFlushMs); }),
    ]);
    clearTimeout(timer);
    for (const r of recorders) r.close();
  }
}

/** One term of leadership (or the whole run without leader election). */
class Term {
  private readonly abort = new AbortController();
  private workers: Promise<void>[] = [];

  constructor(private readonly informers: SharedInformerFactory, private readonly runners: Runner[]) {
    // Every controller's informers wait on this one signal (the GC alone has dozens).
    setMaxListeners(0, this.abort.signal);
  }

  async start(): Promise<void> {
    for (const r of this.runners) r.setup();
    this.informers.start();
    this.workers = this.runners.map((r) => r.run(this.abort.signal));
    await Promise.all(this.runners.map((r) => r.ready));
  }

  queueDepth(name: string): number | undefined {
    return this.runners.find((r) => r.spec.name === name)?.queue.len();
  }

  /** Shuts the queues down, waits for in-flight reconciles, then stops the informers. */
  async stop(): Promise<void> {
    this.abort.abort(new Error("controller manager stopping"));
    for (const r of this.runners) r.queue.shutDown();
    await Promise.allSettled(this.workers);
    this.informers.stop();
    for (const r of this.runners) for (const inf of r.spec.waitFor) inf.stop();
  }
}

interface RunnerOptions {
  workers: number;
  stats: ControllerStats;
  recorder: EventRecorder;
  log: (m: string) => void;
}

/** One controller: its queue, its workers and their result handling. */
class Runner {
  readonly queue = new RateLimitedQueue<string>();
  /** Resolves once the workers run (or the term was stopped before the caches synced). */
  readonly ready: Promise<void>;
  private markReady!: () => void;

  constructor(readonly spec: ControllerSpec, private readonly opts: RunnerOptions) {
    this.ready = new Promise((r) => { this.markReady = r; });
  }

  setup(): void {
    const q = this.queue;
    const enqueuer: Enqueuer = {
      add: (k) => q.add(k),
      addAfter: (k, ms) => q.addAfter(k, ms),
      addRateLimited: (k) => q.addRateLimited(k),
    };
    this.spec.setup(enqueuer);
  }

  async run(signal: AbortSignal): Promise<void> {
    try {
      // Informers a controller made outside the shared factory start here (start is idempotent).
      for (const inf of this.spec.waitFor) inf.start();
      await Promise.all(this.spec.waitFor.map((inf) => inf.waitForSync(signal)));
    } catch (err) {
      if (!signal.aborted) this.opts.log(`controller ${this.spec.name}: caches did not sync: ${(err as Error).message}`);
      this.markReady();
      return;
    }
    if (signal.aborted) {
      this.markReady();
      return;
    }
    const ctx: ReconcileContext = { signal, recorder: this.opts.recorder };
    const workers = Array.from({ length: Math.max(1, this.opts.workers) }, () => this.worker(ctx));
    this.markReady();
    await Promise.all(workers);
  }

  private async worker(ctx: ReconcileContext): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      if (ctx.signal.aborted) {
        // Stopping: hand back what is still queued without working on it.
        this.queue.done(key);
        continue;
      }
      await this.process(key, ctx);
    }
  }

  private async process(key: string, ctx: ReconcileContext): Promise<void> {
    const { stats } = this.opts;
    const began = performance.now();
    try {
      const res = await this.spec.reconcile(key, ctx);
      stats.observe(performance.now() - began);
      if (res?.requeueAfterMs !== undefined && res.requeueAfterMs > 0) {
        this.queue.forget(key);
        this.queue.addAfter(key, res.requeueAfterMs);
      } else if (res?.requeue) {
        this.queue.addRateLimited(key);
      } else {
        this.queue.forget(key);
      }
    } catch (err) {
      stats.observe(performance.now() - began);
      stats.errors++;
      if (ctx.signal.aborted) return;
      const msg = err instanceof Error ? err.message : String(err);
      if (err instanceof TerminalError) {
        this.queue.forget(key);
        this.opts.log(`controller ${this.spec.name}: reconcile ${key}: ${msg} (terminal, not retried)`);
      } else {
        this.opts.log(`controller ${this.spec.name}: reconcile ${key} failed (will retry): ${msg}`);
        this.queue.addRateLimited(key);
      }
    } finally {
      this.queue.done(key);
    }
  }
}
