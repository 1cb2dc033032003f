/**
 * Keeps this machine's Node registered and alive, as kubelet's node status manager and lease
 * controller do:
 * - registration creates the Node, or adopts the one a previous run left (its pod CIDR is
 *   immutable and wins over ours; default labels and the full status are refreshed);
 * - the Lease in `kube-node-lease` is renewed every renew interval (a quarter of its duration);
 * - every status interval the Node is read back and its status recomputed; it is written when
 *   something other than heartbeat times changed, or when the report interval has passed
 *   (kubelet's nodeStatusUpdateFrequency / nodeStatusReportFrequency);
 * - a Node that was deleted is registered again on the next status round;
 * - any failure (the API server away, a timeout) backs off exponentially with jitter, and the
 *   next success starts with a full registration: a resync of whatever changed meanwhile.
 * One loop does all of it, so there is never more than one request of ours in flight.
 */
import type { NodeCondition, NodeStatus } from "kubernetes-types/core/v1.js";
import type { ApiClient } from "../../client/client.js";
import { StatusError } from "../../machinery/errors.js";
import { buildLease, nodeLeaseNamespace, simulatedAnnotation, type LeaseObj, type NodeObj } from "../runtime/fake/node-object.js";
import { buildNode, changedConditions, nodeLabels, nodeStatus, type NodeIdentity, type StatusInput } from "./node-status.js";

export interface HeartbeatOptions {
  client: ApiClient;
  identity: NodeIdentity;
  /** Reads what the status reports now (host, disk, memory, runtime, images). */
  collect(): Promise<StatusInput>;
  leaseDurationSeconds?: number;
  /** Default: a quarter of the lease duration (10 s), as kubelet. */
  leaseRenewIntervalMs?: number;
  /** How often the status is recomputed and compared. Default 10 s. */
  statusUpdateIntervalMs?: number;
  /** Written at least this often even when unchanged (Ready's heartbeat). Default 5 min. */
  statusReportIntervalMs?: number;
  /** First retry delay after a failure; doubles up to `maxBackoffMs`. Default 200 ms. */
  baseBackoffMs?: number;
  /** Default 7 s (kubelet's registration backoff cap). */
  maxBackoffMs?: number;
  fieldManager?: string;
  onError(err: unknown, what: string): void;
  /** After every (re-)registration, with the Node as the server holds it. */
  onRegistered?(node: NodeObj, created: boolean): void;
  /** Conditions whose status changed in a report (the first report counts every one as changed). */
  onConditions?(node: NodeObj, changed: NodeCondition[]): void;
}

/** The server said no in a way that retrying will not fix. */
export class RegistrationRefusedError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "RegistrationRefusedError";
  }
}

class NodeGoneError extends Error {}

export class NodeHeartbeat {
  readonly identity: NodeIdentity;
  private readonly client: ApiClient;
  private readonly leaseSeconds: number;
  private readonly renewMs: number;
  private readonly statusMs: number;
  private readonly reportMs: number;
  private readonly baseBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly fieldManager: string;
  private registered = false;
  private uid?: string;
  private leaseRv?: string;
  private nextLeaseMs = 0;
  private nextStatusMs = 0;
  private lastReportMs = 0;
  private statusWanted = false;
  private conditions: NodeCondition[] = [];
  private stopped = false;
  private wake?: () => void;
  private loop?: Promise<void>;
  /** Counters for tests and diagnostics. */
  readonly stats = { leaseRenewals: 0, statusWrites: 0, registrations: 0, failures: 0 };

  constructor(private readonly opts: HeartbeatOptions) {
    this.identity = { ...opts.identity };
    this.client = opts.client;
    this.leaseSeconds = opts.leaseDurationSeconds ?? 40;
    this.renewMs = opts.leaseRenewIntervalMs ?? (this.leaseSeconds * 1000) / 4;
    this.statusMs = opts.statusUpdateIntervalMs ?? 10_000;
    this.reportMs = opts.statusReportIntervalMs ?? 5 * 60_000;
    this.baseBackoffMs = opts.baseBackoffMs ?? 200;
    this.maxBackoffMs = opts.maxBackoffMs ?? 7_000;
    this.fieldManager = opts.fieldManager ?? "kubelet";
  }

  /**
   * The first registration: retried with backoff while the server is away or overloaded;
   * a refusal (invalid, forbidden, a simulated node of that name) is thrown at once.
   */
  async registerWithRetry(): Promise<void> {
    for (let failures = 0; !this.stopped; ) {
      try {
        await this.register();
        await this.renewLease();
        return;
      } catch (err) {
        if (this.stopped) break;
        if (err instanceof RegistrationRefusedError || !retryable(err)) throw err;
        this.stats.failures++;
        this.opts.onError(err, `registering node ${this.identity.name}`);
        await this.sleep(this.backoff(++failures));
      }
    }
    throw new Error("node agent stopped before the node registered");
  }

  /** Starts the renew/report loop (after registerWithRetry). */
  start(): void {
    this.loop ??= this.run();
  }

  /** Recomputes and compares the status now (after images changed, say). */
  syncSoon(): void {
    this.statusWanted = true;
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        if (!this.registered) await this.register();
        let now = Date.now();
        if (now >= this.nextLeaseMs) {
          await this.renewLease();
          this.nextLeaseMs = now + this.renewMs;
        }
        now = Date.now();
        if (now >= this.nextStatusMs || this.statusWanted) {
          this.statusWanted = false;
          await this.syncStatus();
          this.nextStatusMs = now + this.statusMs;
        }
        failures = 0;
        await this.sleep(Math.min(this.nextLeaseMs, this.nextStatusMs) - Date.now());
      } catch (err) {
        if (this.stopped) return;
        // The next round registers again: it re-creates a deleted Node and resyncs the rest.
        this.registered = false;
        if (err instanceof NodeGoneError) continue;
        this.stats.failures++;
        this.opts.onError(err, `heartbeat of node ${this.identity.name}`);
        await this.sleep(this.backoff(++failures));
      }
    }
  }

  private backoff(failures: number): number {
    const ms = Math.min(this.maxBackoffMs, this.baseBackoffMs * 2 ** Math.min(failures - 1, 20));
    return ms * (0.8 + Math.random() * 0.4);
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped || this.statusWanted) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(done, Math.max(0, ms));
      function done(): void {
        clearTimeout(t);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }

  // ---------------------------------------------------------------------------------------

  private async register(): Promise<void> {
    const input = await this.opts.collect();
    const now = new Date();
    let created = false;
    let node: NodeObj;
    try {
      node = await this.client.nodes.create(undefined, buildNode(this.identity, input, now), { fieldManager: this.fieldManager });
      created = true;
    } catch (err) {
      if (!(err instanceof StatusError && err.code === 409)) throw refusal(err, this.identity.name);
      node = await this.adopt(await this.client.nodes.get(undefined, this.identity.name), input, now);
    }
    if (node.metadata.uid !== this.uid) this.leaseRv = undefined;
    this.uid = node.metadata.uid;
    this.registered = true;
    this.stats.registrations++;
    this.lastReportMs = now.getTime();
    this.nextStatusMs = now.getTime() + this.statusMs;
    this.opts.onRegistered?.(node, created);
    this.noteConditions(node, node.status?.conditions ?? []);
  }

  /** A Node of our name already exists: ours from a previous run (or registered before us). */
  private async adopt(live: NodeObj, input: StatusInput, now: Date): Promise<NodeObj> {
    const name = this.identity.name;
    if (live.metadata.annotations?.[simulatedAnnotation] === "true") {
      throw new RegistrationRefusedError(`node ${name} exists as a simulated node; delete it (kubectl delete node ${name}) or pick another --node-name`);
    }
    const cidr = live.spec?.podCIDR;
    if (cidr) this.identity.podCIDR = cidr;
    const labels = nodeLabels(this.identity, input.host);
    const staleLabels = Object.entries(labels).some(([k, v]) => live.metadata.labels?.[k] !== v);
    if (staleLabels || !cidr) {
      const patch: Record<string, unknown> = {};
      if (staleLabels) patch.metadata = { labels };
      if (!cidr) patch.spec = { podCIDR: this.identity.podCIDR, podCIDRs: [this.identity.podCIDR] };
      live = await this.client.nodes.patch(undefined, name, "merge", patch, { fieldManager: this.fieldManager });
    }
    const status = nodeStatus(this.identity, input, live.status?.conditions ?? [], now);
    return this.writeStatus(status);
  }

  private async writeStatus(status: NodeStatus): Promise<NodeObj> {
    // A merge patch replaces lists whole: conditions, addresses and images are ours alone.
    const out = await this.client.nodes.patch(undefined, this.identity.name, "merge", { status }, { subresource: "status", fieldManager: this.fieldManager });
    this.stats.statusWrites++;
    return out;
  }

  private async syncStatus(): Promise<void> {
    let live: NodeObj;
    try {
      live = await this.client.nodes.get(undefined, this.identity.name);
    } catch (err) {
      if (err instanceof StatusError && err.code === 404) throw new NodeGoneError(`node ${this.identity.name} was deleted`);
      throw err;
    }
    if (live.metadata.uid !== this.uid) throw new NodeGoneError(`node ${this.identity.name} was replaced`);
    const now = new Date();
    const status = nodeStatus(this.identity, await this.opts.collect(), live.status?.conditions ?? [], now);
    if (!sameStatus(live.status, status) || now.getTime() - this.lastReportMs >= this.reportMs) {
      let out: NodeObj;
      try {
        out = await this.writeStatus(status);
      } catch (err) {
        if (err instanceof StatusError && err.code === 404) throw new NodeGoneError(`node ${this.identity.name} was deleted`);
        throw err;
      }
      this.lastReportMs = now.getTime();
      this.noteConditions(out, status.conditions ?? []);
    }
  }

  private noteConditions(node: NodeObj, conditions: NodeCondition[]): void {
    const changed = changedConditions(this.conditions, conditions);
    this.conditions = conditions;
    if (changed.length) this.opts.onConditions?.(node, changed);
  }

  /** Renews (or creates) the Lease; the cached resourceVersion guards the update. */
  private async renewLease(): Promise<void> {
    const name = this.identity.name;
    for (let attempt = 0; attempt < 4; attempt++) {
      const lease: LeaseObj = buildLease(name, this.uid, this.leaseSeconds, new Date());
      try {
        if (this.leaseRv === undefined) {
          try {
            this.leaseRv = (await this.client.leases.create(nodeLeaseNamespace, lease, { fieldManager: this.fieldManager })).metadata.resourceVersion;
          } catch (err) {
            if (!(err instanceof StatusError && err.code === 409)) throw err;
            this.leaseRv = (await this.client.leases.get(nodeLeaseNamespace, name)).metadata.resourceVersion;
            continue;
          }
        } else {
          lease.metadata.resourceVersion = this.leaseRv;
          this.leaseRv = (await this.client.leases.update(lease, { fieldManager: this.fieldManager })).metadata.resourceVersion;
        }
        this.stats.leaseRenewals++;
        return;
      } catch (err) {
        if (!(err instanceof StatusError)) throw err;
        if (err.code === 404) this.leaseRv = undefined;
        else if (err.code === 409) this.leaseRv = await this.client.leases.get(nodeLeaseNamespace, name).then((l) => l.metadata.resourceVersion, () => undefined);
        else throw err;
      }
    }
    throw new Error(`lease ${nodeLeaseNamespace}/${name}: still conflicting after 4 attempts`);
  }
}

/** Network errors, timeouts, 429 and 5xx are worth retrying; other API errors are not. */
function retryable(err: unknown): boolean {
  if (!(err instanceof StatusError)) return !(err instanceof RegistrationRefusedError);
  return err.code === 429 || err.code >= 500 || err.code === 404 || err.code === 409;
}

function refusal(err: unknown, name: string): unknown {
  if (err instanceof StatusError && !retryable(err)) {
    return new RegistrationRefusedError(`cannot register node ${name}: ${err.message}`, { cause: err });
  }
  return err;
}

/** Equal apart from heartbeat times (quantities are already in canonical form on both sides). */
function sameStatus(live: NodeStatus | undefined, want: NodeStatus): boolean {
  if (!live) return false;
  const strip = (s: NodeStatus): unknown => ({
    capacity: s.capacity, allocatable: s.allocatable, addresses: s.addresses, daemonEndpoints: s.daemonEndpoints,
    nodeInfo: s.nodeInfo, images: s.images ?? [],
    conditions: (s.conditions ?? []).map((c) => ({ ...c, lastHeartbeatTime: undefined })),
  });
  return stableJSON(strip(live)) === stableJSON(strip(want));
}

function stableJSON(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) => {
    if (val && typeof val === "object" && !Array.isArray(val)) {
      return Object.fromEntries(Object.entries(val as Record<string, unknown>).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return val;
  });
}
