/**
 * Node health, pure (upstream's tryUpdateNodeHealth and zone states): when the controller
 * last saw a node alive — a renewed Lease or a new Ready heartbeat, timed by the controller's
 * own clock so that node clocks do not matter — the conditions of a node silent for longer
 * than the grace period (Unknown, "Kubelet stopped posting node status."), and the
 * disruption state of a zone.
 */
import type { NodeCondition } from "kubernetes-types/core/v1.js";
import type { KubeObject } from "../../machinery/object.js";

export interface NodeLike extends KubeObject {
  spec?: { unschedulable?: boolean; taints?: { key: string; value?: string; effect: string; timeAdded?: string }[] };
  status?: { conditions?: NodeCondition[] };
}

export interface LeaseLike extends KubeObject {
  spec?: { renewTime?: string };
}

/** What the controller remembers of a node between passes (upstream's nodeHealthData). */
export interface Health {
  /** When (controller clock, ms) the node was last seen alive. */
  probeMs: number;
  /** The Ready condition's lastHeartbeatTime last seen. */
  readyHeartbeat?: string;
  /** The Lease's renewTime last seen. */
  leaseRenew?: string;
}

/** The conditions the controller sets to Unknown; NetworkUnavailable is the network's business. */
export const monitoredConditions = ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"];

export function condition(node: NodeLike, type: string): NodeCondition | undefined {
  return node.status?.conditions?.find((c) => c.type === type);
}

function parseTime(s: string | undefined | null): number | undefined {
  if (!s) return undefined;
  const ms = Date.parse(s);
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * The next health record. A node seen for the first time counts as alive now, except one that
 * never posted a Ready condition: it is timed from its creation (and gets the startup grace).
 */
export function observe(prev: Health | undefined, node: NodeLike, lease: LeaseLike | undefined, nowMs: number): Health {
  const ready = condition(node, "Ready");
  const heartbeat = ready?.lastHeartbeatTime ?? undefined;
  let probeMs: number;
  if (!prev) {
    probeMs = ready ? nowMs : parseTime(node.metadata.creationTimestamp) ?? nowMs;
  } else if (heartbeat !== prev.readyHeartbeat) {
    probeMs = nowMs;
  } else {
    probeMs = prev.probeMs;
  }
  const renew = lease?.spec?.renewTime ?? undefined;
  let leaseRenew = prev?.leaseRenew;
  if (renew && renewedSince(leaseRenew, renew)) {
    leaseRenew = renew;
    probeMs = nowMs;
  }
  return { probeMs, readyHeartbeat: heartbeat, leaseRenew };
}

function renewedSince(saved: string | undefined, current: string): boolean {
  if (saved === undefined) return true;
  const a = parseTime(saved);
  const b = parseTime(current);
  if (a === undefined || b === undefined) return saved !== current;
  return b > a || (b === a && saved !== current && current > saved);
}

/** The grace period that applies: the startup one until the node has posted a Ready condition. */
export function gracePeriodFor(node: NodeLike, graceMs: number, startupGraceMs: number): number {
  return condition(node, "Ready") ? graceMs : startupGraceMs;
}

export function isStale(h: Health, nowMs: number, graceMs: number): boolean {
  return nowMs > h.probeMs + graceMs;
}

/**
 * The conditions of a node that went silent: the monitored ones become Unknown (their
 * heartbeat kept), and those the kubelet never posted appear as Unknown. Undefined when Ready
 * is already as it would be (nothing to write).
 */
export function silentNodeConditions(node: NodeLike, now: string): NodeCondition[] | undefined {
  const conditions = (node.status?.conditions ?? []).map((c) => ({ ...c }));
  for (const type of monitoredConditions) {
    const c = conditions.find((x) => x.type === type);
    if (!c) {
      conditions.push({
        type, status: "Unknown", reason: "NodeStatusNeverUpdated", message: "Kubelet never posted node status.",
        lastHeartbeatTime: node.metadata.creationTimestamp ?? now, lastTransitionTime: now,
      });
    } else if (c.status !== "Unknown") {
      Object.assign(c, { status: "Unknown", reason: "NodeStatusUnknown", message: "Kubelet stopped posting node status.", lastTransitionTime: now });
    }
  }
  const before = condition(node, "Ready");
  const after = conditions.find((c) => c.type === "Ready")!;
  const same = before && before.status === after.status && before.reason === after.reason && before.message === after.message
    && before.lastTransitionTime === after.lastTransitionTime;
  return same ? undefined : conditions;
}

export type ZoneState = "Initial" | "Normal" | "PartialDisruption" | "FullDisruption";

/** upstream's GetZoneKey: region and zone labels (current or beta), "" when neither is set. */
export function zoneKey(node: KubeObject): string {
  const l = node.metadata.labels ?? {};
  const region = l["topology.kubernetes.io/region"] ?? l["failure-domain.beta.kubernetes.io/region"] ?? "";
  const zone = l["topology.kubernetes.io/zone"] ?? l["failure-domain.beta.kubernetes.io/zone"] ?? "";
  if (!region && !zone) return "";
  return `${region}:\x00:${zone}`;
}

/** upstream's ComputeZoneState over the Ready statuses of a zone's nodes. */
export function computeZoneState(readyStatuses: readonly (string | undefined)[], unhealthyThreshold: number): { notReady: number; state: ZoneState } {
  let ready = 0;
  let notReady = 0;
  for (const s of readyStatuses) {
    if (s === "True") ready++;
    else notReady++;
  }
  if (ready === 0 && notReady > 0) return { notReady, state: "FullDisruption" };
  if (notReady > 2 && notReady / (notReady + ready) >= unhealthyThreshold) return { notReady, state: "PartialDisruption" };
  return { notReady, state: "Normal" };
}

/** The NoExecute tainting rate of a zone in a state (upstream's setLimiterInZone). */
export function zoneEvictionRate(state: ZoneState, zoneSize: number, o: { evictionRate: number; secondaryEvictionRate: number; largeClusterThreshold: number }): number {
  if (state === "PartialDisruption") return zoneSize > o.largeClusterThreshold ? o.secondaryEvictionRate : 0;
  return o.evictionRate;
}
