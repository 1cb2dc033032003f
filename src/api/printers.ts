/**
 * Cell formatting shared by the server-side printers of every kind: ages, label maps,
 * selectors and the `<none>` conventions of upstream's internalversion printers.
 */
import type { LabelSelector } from "kubernetes-types/meta/v1.js";

/** Upstream's duration.HumanDuration: coarser the older it is ("5s", "3m20s", "5h", "2d", "5d3h", "3y"). */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    const d = Math.trunc(hours / 24);
    return h === 0 ? `${d}d` : `${d}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const days = Math.trunc(hours / 24);
    const dy = days % 365;
    const y = Math.trunc(days / 365);
    return dy === 0 ? `${y}y` : `${y}y${dy}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/** Upstream's translateTimestampSince: the AGE cell, `<unknown>` when the time is unset. */
export function age(timestamp?: string | null, now: number = Date.now()): string {
  if (!timestamp) return "<unknown>";
  const t = Date.parse(timestamp);
  if (Number.isNaN(t)) return "<unknown>";
  return humanDuration(now - t);
}

/** labels.FormatLabels: `k=v,k2=v2` sorted by key, `<none>` when empty. */
export function labelsString(labels?: Record<string, string> | null): string {
  if (!labels) return "<none>";
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return "<none>";
  return keys.map((k) => `${k}=${labels[k]}`).join(",");
}

export function joinOrNone(items: string[]): string {
  return items.length === 0 ? "<none>" : items.join(",");
}

/** A selector requirement rendered as labels.Requirement.String(). */
function requirementString(key: string, operator: string, values: string[]): string {
  const vs = [...values].sort();
  switch (operator) {
    case "Exists": return key;
    case "DoesNotExist": return `!${key}`;
    case "In": return `${key} in (${vs.join(",")})`;
    case "NotIn": return `${key} notin (${vs.join(",")})`;
    case "Equals": return `${key}=${vs[0] ?? ""}`;
    default: return "<error>";
  }
}

/**
 * metav1.FormatLabelSelector: requirements sorted by key; `<none>` for a nil or empty selector,
 * `<error>` for an unknown operator.
 */
export function selectorString(selector?: LabelSelector | null): string {
  if (!selector) return "<none>";
  const reqs: { key: string; text: string }[] = [];
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) reqs.push({ key: k, text: requirementString(k, "Equals", [v]) });
  for (const e of selector.matchExpressions ?? []) {
    const text = requirementString(e.key, e.operator, e.values ?? []);
    if (text === "<error>") return "<error>";
    reqs.push({ key: e.key, text });
  }
  if (reqs.length === 0) return "<none>";
  reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return reqs.map((r) => r.text).join(",");
}

/** A `map[string]string` selector (Service, ReplicationController) as labels.FormatLabels. */
export function mapSelectorString(selector?: Record<string, string> | null): string {
  return labelsString(selector);
}

/**
 * The `key: value, key: value` resource list used by the ResourceQuota and LimitRange
 * columns, sorted by resource name.
 */
export function formatResourceList(list?: Record<string, string | number> | null): string {
  if (!list) return "";
  return Object.keys(list).sort().map((k) => `${k}: ${String(list[k])}`).join(", ");
}

/** layoutContainerCells: the CONTAINERS and IMAGES cells of workload printers. */
export function layoutContainerCells(containers?: readonly { name: string; image?: string }[] | null): [names: string, images: string] {
  const list = containers ?? [];
  return [list.map((c) => c.name).join(","), list.map((c) => c.image ?? "").join(",")];
}

/** helper.GetAccessModesAsString: `RWO,ROX,RWX,RWOP` in that fixed order, duplicates dropped. */
export function accessModesString(modes?: readonly string[] | null): string {
  const have = new Set(modes ?? []);
  const out: string[] = [];
  if (have.has("ReadWriteOnce")) out.push("RWO");
  if (have.has("ReadOnlyMany")) out.push("ROX");
  if (have.has("ReadWriteMany")) out.push("RWX");
  if (have.has("ReadWriteOncePod")) out.push("RWOP");
  return out.join(",");
}

/** Upstream's `listWithMoreString`: up to `max` items, then ` + N more...`; `<unset>` when empty. */
export function listWithMore(items: string[], max: number): string {
  if (items.length > max) return `${items.slice(0, max).join(",")} + ${items.length - max} more...`;
  const s = items.join(",");
  return s === "" ? "<unset>" : s;
}
