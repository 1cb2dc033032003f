/**
 * Node selector matching (upstream's component-helpers nodeaffinity): NodeSelectorTerms are
 * ORed, the expressions and fields inside one term are ANDed, an empty term matches nothing.
 * Operators In, NotIn, Exists, DoesNotExist, Gt and Lt on labels; In and NotIn on the
 * `metadata.name` field. A term that cannot be parsed matches nothing.
 */
import type { NodeSelector, NodeSelectorRequirement, NodeSelectorTerm, PreferredSchedulingTerm } from "kubernetes-types/core/v1.js";
import type { Node, Pod } from "../framework/types.js";

type Matcher = (labels: Record<string, string>, name: string) => boolean;

const intRe = /^[+-]?\d+$/;

function requirementMatcher(r: NodeSelectorRequirement, field: boolean): Matcher | undefined {
  const values = r.values ?? [];
  if (field) {
    if (r.key !== "metadata.name" || values.length !== 1) return undefined;
    const v = values[0]!;
    if (r.operator === "In") return (_l, name) => name === v;
    if (r.operator === "NotIn") return (_l, name) => name !== v;
    return undefined;
  }
  const key = r.key;
  switch (r.operator) {
    case "In": {
      if (values.length === 0) return undefined;
      const set = new Set(values);
      return (l) => Object.hasOwn(l, key) && set.has(l[key]!);
    }
    case "NotIn": {
      const set = new Set(values);
      return (l) => !Object.hasOwn(l, key) || !set.has(l[key]!);
    }
    case "Exists":
      return values.length ? undefined : (l) => Object.hasOwn(l, key);
    case "DoesNotExist":
      return values.length ? undefined : (l) => !Object.hasOwn(l, key);
    case "Gt":
    case "Lt": {
      if (values.length !== 1 || !intRe.test(values[0]!)) return undefined;
      const bound = BigInt(values[0]!);
      const gt = r.operator === "Gt";
      return (l) => {
        const v = l[key];
        if (v === undefined || !intRe.test(v)) return false;
        const n = BigInt(v);
        return gt ? n > bound : n < bound;
      };
    }
    default:
      return undefined;
  }
}

/** Compiles one term; undefined when it cannot match anything. */
function compileTerm(t: NodeSelectorTerm): Matcher | undefined {
  const parts: Matcher[] = [];
  for (const r of t.matchExpressions ?? []) {
    const m = requirementMatcher(r, false);
    if (!m) return undefined;
    parts.push(m);
  }
  for (const r of t.matchFields ?? []) {
    const m = requirementMatcher(r, true);
    if (!m) return undefined;
    parts.push(m);
  }
  if (parts.length === 0) return undefined;
  if (parts.length === 1) return parts[0];
  return (l, n) => parts.every((p) => p(l, n));
}

/** A compiled NodeSelector (terms ORed). */
export class NodeSelectorMatcher {
  private readonly terms: Matcher[];

  constructor(sel: NodeSelector) {
    this.terms = (sel.nodeSelectorTerms ?? []).map(compileTerm).filter((m): m is Matcher => m !== undefined);
  }

  matches(node: Node): boolean {
    const labels = node.metadata.labels ?? {};
    const name = node.metadata.name ?? "";
    return this.terms.some((t) => t(labels, name));
  }
}

/** PreferredSchedulingTerms compiled: the score of a node is the sum of the matching weights. */
export class PreferredTermsMatcher {
  private readonly terms: { weight: number; match: Matcher }[] = [];

  constructor(terms: readonly PreferredSchedulingTerm[]) {
    for (const t of terms) {
      if (!t.weight) continue;
      const m = compileTerm(t.preference);
      if (m) this.terms.push({ weight: t.weight, match: m });
    }
  }

  get empty(): boolean {
    return this.terms.length === 0;
  }

  score(node: Node): number {
    const labels = node.metadata.labels ?? {};
    const name = node.metadata.name ?? "";
    let s = 0;
    for (const t of this.terms) if (t.match(labels, name)) s += t.weight;
    return s;
  }
}

/**
 * The pod's required node constraints: spec.nodeSelector AND the required node affinity
 * (upstream's RequiredNodeAffinity).
 */
export class RequiredNodeAffinity {
  private readonly selector: [string, string][];
  private readonly affinity: NodeSelectorMatcher | undefined;

  constructor(pod: Pod) {
    this.selector = Object.entries(pod.spec?.nodeSelector ?? {});
    const req = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    this.affinity = req ? new NodeSelectorMatcher(req) : undefined;
  }

  get empty(): boolean {
    return this.selector.length === 0 && !this.affinity;
  }

  matches(node: Node): boolean {
    const labels = node.metadata.labels ?? {};
    for (const [k, v] of this.selector) if (labels[k] !== v) return false;
    return !this.affinity || this.affinity.matches(node);
  }
}
