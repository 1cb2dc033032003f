/**
 * Leader election through a coordination.k8s.io/v1 Lease, as client-go's leaderelection
 * package does it: a candidate takes the Lease when it does not exist, has no holder, or has
 * expired (renewTime + leaseDurationSeconds in the past); the leader renews it every
 * retryPeriod and gives up leadership when it could not renew for renewDeadline. Writes are
 * compare-and-swap on the Lease's resourceVersion, so two candidates never both win.
 *
 * A holder is also considered alive while this candidate has seen its record change within
 * the lease duration (by the local clock, as upstream does), so a candidate whose clock runs
 * ahead does not steal a lease that is being renewed. Unlike kube-controller-manager, which
 * exits when it loses the lease, the elector stops the leader's work and becomes a candidate
 * again; on stop it releases the lease (holder cleared) so another candidate takes over at once.
 */
import { randomUUID } from "node:crypto";
import os from "node:os";
import type { Lease } from "../../api/coordination/v1/lease.js";
import type { ApiClient } from "../../client/index.js";
import { StatusError } from "../../machinery/errors.js";
import { nowMicroTime } from "../../machinery/object.js";
import type { LeaderElectionOptions } from "./types.js";

export interface LeaderCallbacks {
  /** Called when this candidate became leader; the work runs until onStoppedLeading. */
  onStartedLeading(): void;
  /** Called when leadership was lost or given up; the next term waits for it to resolve. */
  onStoppedLeading(): void | Promise<void>;
  /** The holder changed (seen by this candidate). */
  onNewLeader?(identity: string): void;
}

export interface LeaderElectorOptions extends LeaderElectionOptions {
  /** Wall clock in ms (tests). */
  now?: () => number;
  log?: (message: string) => void;
}

export const defaultLeaseNamespace = "kube-system";
export const defaultLeaseName = "timonel-controller-manager";

/** wait.JitterUntil's factor for the acquire loop. */
const jitterFactor = 1.2;

export class LeaderElector {
  readonly identity: string;
  readonly namespace: string;
  readonly name: string;
  private readonly leaseDurationSeconds: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly now: () => number;
  private readonly log: (m: string) => void;
  private readonly releaseOnStop: boolean;
  private leading = false;
  private stopped = false;
  private observedRaw?: string;
  private observedHolder?: string;
  private observedChangeMs?: number;
  private lease?: Lease;
  private loopDone?: Promise<void>;
  private wake?: () => void;
  private sleepTimer?: NodeJS.Timeout;
  private firstAttempt?: Promise<void>;
  private resolveFirst?: () => void;

  constructor(private readonly client: ApiClient, opts: LeaderElectorOptions, private readonly callbacks: LeaderCallbacks) {
    this.identity = opts.identity ?? `${os.hostname()}_${randomUUID()}`;
    this.namespace = opts.namespace ?? defaultLeaseNamespace;
    this.name = opts.name ?? defaultLeaseName;
    this.leaseDurationSeconds = opts.leaseDurationSeconds ?? 15;
    this.renewDeadlineMs = opts.renewDeadlineMs ?? Math.min(10_000, this.leaseDurationSeconds * 1000 * 2 / 3);
    this.retryPeriodMs = opts.retryPeriodMs ?? Math.min(2_000, this.renewDeadlineMs / 2);
    if (this.renewDeadlineMs >= this.leaseDurationSeconds * 1000) throw new Error("leader election: renewDeadline must be shorter than the lease duration");
    if (this.retryPeriodMs * jitterFactor >= this.renewDeadlineMs) throw new Error("leader election: renewDeadline must be longer than retryPeriod*1.2");
    this.now = opts.now ?? Date.now;
    this.log = opts.log ?? ((m) => console.warn(m));
    this.releaseOnStop = opts.releaseOnStop ?? true;
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** The holder this candidate last saw ("" when none). */
  leader(): string {
    return this.observedHolder ?? "";
  }

  /** Starts campaigning; resolves after the first attempt to acquire (won or lost). */
  run(): Promise<void> {
    if (!this.loopDone) {
      this.firstAttempt = new Promise((r) => { this.resolveFirst = r; });
      this.loopDone = this.loop();
    }
    return this.firstAttempt!;
  }

  /** Stops campaigning; a leader stops leading (and releases the lease) first. */
  async stop(): Promise<void> {
    if (this.stopped) return this.loopDone;
    this.stopped = true;
    clearTimeout(this.sleepTimer);
    this.wake?.();
    await this.loopDone;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      const won = await this.attempt();
      this.resolveFirst?.();
      this.resolveFirst = undefined;
      if (!won) {
        await this.sleep(this.retryPeriodMs * (1 + Math.random() * (jitterFactor - 1)));
        continue;
      }
      this.leading = true;
      try {
        this.callbacks.onStartedLeading();
      } catch (err) {
        this.log(`leader election: onStartedLeading failed: ${(err as Error).message}`);
      }
      await this.renewLoop();
      this.leading = false;
      if (this.stopped && this.releaseOnStop) await this.release();
      try {
        await this.callbacks.onStoppedLeading();
      } catch (err) {
        this.log(`leader election: onStoppedLeading failed: ${(err as Error).message}`);
      }
    }
    this.resolveFirst?.();
  }

  /** Renews every retryPeriod until stopped or until no renewal succeeded for renewDeadline. */
  private async renewLoop(): Promise<void> {
    let lastRenewMs = this.now();
    while (!this.stopped) {
      await this.sleep(this.retryPeriodMs);
      if (this.stopped) return;
      const left = this.renewDeadlineMs - (this.now() - lastRenewMs);
      const ok = left > 0 && await withTimeout(this.attempt(), left, false);
      if (ok) {
        lastRenewMs = this.now();
        continue;
      }
      if (this.now() - lastRenewMs >= this.renewDeadlineMs || this.observedHolder !== this.identity) {
        this.log(`leader election: ${this.identity} lost the lease ${this.namespace}/${this.name}`);
        return;
      }
    }
  }

  /** client-go's tryAcquireOrRenew. */
  private async attempt(): Promise<boolean> {
    const nowMs = this.now();
    const now = nowMicroTime(new Date(nowMs));
    let current: Lease;
    try {
      current = await this.client.leases.get(this.namespace, this.name);
    } catch (err) {
      if (!(err instanceof StatusError && err.code === 404)) {
        this.log(`leader election: cannot read lease ${this.namespace}/${this.name}: ${(err as Error).message}`);
        return false;
      }
      try {
        const created = await this.client.leases.create(this.namespace, {
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          metadata: { name: this.name, namespace: this.namespace },
          spec: { holderIdentity: this.identity, leaseDurationSeconds: this.leaseDurationSeconds, acquireTime: now, renewTime: now, leaseTransitions: 0 },
        });
        this.observe(created, nowMs);
        return true;
      } catch (cerr) {
        if (!(cerr instanceof StatusError && cerr.code === 409)) this.log(`leader election: cannot create lease ${this.namespace}/${this.name}: ${(cerr as Error).message}`);
        return false;
      }
    }
    this.observe(current, nowMs);
    const spec = current.spec ?? {};
    const holder = spec.holderIdentity ?? "";
    if (holder && holder !== this.identity && this.heldByOther(current, nowMs)) return false;

    const wasLeader = this.leading && holder === this.identity;
    const next: Lease = {
      ...current,
      spec: {
        ...spec,
        holderIdentity: this.identity,
        leaseDurationSeconds: this.leaseDurationSeconds,
        renewTime: now,
        acquireTime: wasLeader ? spec.acquireTime ?? now : now,
        leaseTransitions: wasLeader ? spec.leaseTransitions ?? 0 : (spec.leaseTransitions ?? 0) + 1,
      },
    };
    try {
      const updated = await this.client.leases.update(next);
      this.observe(updated, this.now());
      return true;
    } catch (err) {
      if (!(err instanceof StatusError && err.code === 409)) this.log(`leader election: cannot update lease ${this.namespace}/${this.name}: ${(err as Error).message}`);
      return false;
    }
  }

  private heldByOther(lease: Lease, nowMs: number): boolean {
    const spec = lease.spec ?? {};
    const durationMs = (spec.leaseDurationSeconds ?? this.leaseDurationSeconds) * 1000;
    const renewMs = spec.renewTime ? Date.parse(spec.renewTime) : NaN;
    if (Number.isFinite(renewMs) && renewMs + durationMs > nowMs) return true;
    return this.observedChangeMs !== undefined && this.observedChangeMs + durationMs > nowMs;
  }

  private observe(lease: Lease, nowMs: number): void {
    this.lease = lease;
    const raw = JSON.stringify(lease.spec ?? {});
    if (raw === this.observedRaw) return;
    // The first sighting is not a change: a lease left behind long ago may be taken at once.
    if (this.observedRaw !== undefined) this.observedChangeMs = nowMs;
    this.observedRaw = raw;
    const holder = lease.spec?.holderIdentity ?? "";
    if (holder !== this.observedHolder) {
      this.observedHolder = holder;
      if (holder) this.callbacks.onNewLeader?.(holder);
    }
  }

  /** Upstream's release: clear the holder so the next candidate need not wait for expiry. */
  private async release(): Promise<void> {
    const lease = this.lease;
    if (!lease || lease.spec?.holderIdentity !== this.identity) return;
    const now = nowMicroTime(new Date(this.now()));
    try {
      await this.client.leases.update({
        ...lease,
        spec: { ...lease.spec, holderIdentity: "", leaseDurationSeconds: 1, renewTime: now, acquireTime: now },
      });
    } catch (err) {
      this.log(`leader election: cannot release lease ${this.namespace}/${this.name}: ${(err as Error).message}`);
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      this.wake = resolve;
      this.sleepTimer = setTimeout(resolve, ms);
    });
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((resolve) => { timer = setTimeout(() => resolve(onTimeout), ms); }),
  ]);
}
