/**
 * A cursor into the structural schema, shared by strategic merge patch and server-side apply.
 * It answers the questions both algorithms ask of a field: is it a struct or a map, how is
 * a list merged (patch strategy and merge key for strategic merge patch; list type and map
 * keys for server-side apply), and what the schema of a child is. Where there is no schema
 * (unknown kinds, preserve-unknown-fields, free-form objects) the cursor is "deduced": maps
 * are granular, lists are atomic, as upstream's structured-merge-diff deduces them.
 */
import type { SchemaNode, SchemaSet } from "../schema.js";

export type ListRelation = "atomic" | "set" | "map";

const rootCache = new WeakMap<SchemaSet, WeakMap<SchemaNode, SchemaRef>>();

export class SchemaRef {
  /** The node as written at its use site (list extensions live there), unresolved. */
  readonly raw: SchemaNode | undefined;
  /** The node after `$ref` resolution; undefined when there is no schema. */
  readonly node: SchemaNode | undefined;

  // Children and list relations, computed once per ref (a ref never changes).
  private fieldRefs?: Map<string, SchemaRef>;
  private valueRef?: SchemaRef;
  private noneRef?: SchemaRef;
  private itemRef?: SchemaRef;
  private relation?: { relation: ListRelation; keys: string[] };

  constructor(readonly set: SchemaSet | undefined, raw: SchemaNode | undefined) {
    this.raw = raw;
    this.node = set && raw ? set.resolve(raw) : raw;
  }

  /** Roots are shared per schema node, so the children each one caches serve every later walk. */
  static root(set: SchemaSet | undefined, typeName: string): SchemaRef {
    const node = set?.get(typeName);
    if (!set || !node) return new SchemaRef(set, node);
    let bySet = rootCache.get(set);
    if (!bySet) rootCache.set(set, (bySet = new WeakMap()));
    let r = bySet.get(node);
    if (!r) bySet.set(node, (r = new SchemaRef(set, node)));
    return r;
  }

  static none(): SchemaRef {
    return new SchemaRef(undefined, undefined);
  }

  /** An extension read from the use site first, then from the resolved definition. */
  ext<K extends keyof SchemaNode>(key: K): SchemaNode[K] | undefined {
    return this.raw?.[key] ?? this.node?.[key];
  }

  /** True when the schema says nothing useful about the shape (value decides). */
  get deduced(): boolean {
    const n = this.node;
    if (!n) return true;
    if (n.properties || n.items) return false;
    if (typeof n.additionalProperties === "object") return false;
    if (n["x-kubernetes-int-or-string"]) return false;
    if (n.type && n.type !== "object") return false;
    return true;
  }

  /** An object schema with declared properties (a Go struct). */
  get isStruct(): boolean {
    return !!this.node?.properties;
  }

  /** Is `name` a declared property of this struct (not a key of a free-form map)? */
  isNamedField(name: string): boolean {
    return !!this.node?.properties && Object.hasOwn(this.node.properties, name);
  }

  /** The schema of a map member or struct field; deduced when unknown. */
  child(name: string): SchemaRef {
    const n = this.node;
    if (!n || this.deduced) return (this.noneRef ??= new SchemaRef(this.set, undefined));
    const p = n.properties && Object.hasOwn(n.properties, name) ? n.properties[name] : undefined;
    if (p) {
      // Declared fields only: map keys (labels...) are unbounded and all share one ref below.
      const kids = (this.fieldRefs ??= new Map());
      let r = kids.get(name);
      if (!r) kids.set(name, (r = new SchemaRef(this.set, p)));
      return r;
    }
    if (typeof n.additionalProperties === "object") return (this.valueRef ??= new SchemaRef(this.set, n.additionalProperties));
    return (this.noneRef ??= new SchemaRef(this.set, undefined));
  }

  /** The schema of list items; deduced when unknown. */
  item(): SchemaRef {
    const n = this.node;
    return (this.itemRef ??= new SchemaRef(this.set, n && !this.deduced ? n.items : undefined));
  }

  /** `x-kubernetes-map-type: atomic` (e.g. LabelSelector): the map is one leaf for apply. */
  get atomicMap(): boolean {
    return this.ext("x-kubernetes-map-type") === "atomic";
  }

  /** Strategic merge patch strategy with `retainKeys` taken out ("merge", "replace" or ""). */
  get patchStrategy(): string {
    const s = this.ext("x-kubernetes-patch-strategy") ?? "";
    return s.split(",").map((x) => x.trim()).filter((x) => x && x !== "retainKeys")[0] ?? "";
  }

  get patchMergeKey(): string {
    return this.ext("x-kubernetes-patch-merge-key") ?? "";
  }

  /**
   * How server-side apply treats a list: the explicit list type wins; otherwise a list with
   * patch strategy merge is associative (keyed by its merge key, or a set of scalars), as
   * kube-openapi's schema conversion does; anything else is atomic.
   */
  listRelation(): { relation: ListRelation; keys: string[] } {
    return (this.relation ??= this.computeListRelation());
  }

  private computeListRelation(): { relation: ListRelation; keys: string[] } {
    if (this.deduced) return { relation: "atomic", keys: [] };
    const lt = this.ext("x-kubernetes-list-type");
    if (lt === "map") {
      const keys = this.ext("x-kubernetes-list-map-keys") ?? (this.patchMergeKey ? [this.patchMergeKey] : []);
      return keys.length ? { relation: "map", keys } : { relation: "atomic", keys: [] };
    }
    if (lt === "set") return { relation: "set", keys: [] };
    if (lt === "atomic") return { relation: "atomic", keys: [] };
    if (this.patchStrategy === "merge") {
      return this.patchMergeKey ? { relation: "map", keys: [this.patchMergeKey] } : { relation: "set", keys: [] };
    }
    return { relation: "atomic", keys: [] };
  }

  /**
   * A schema default for a key field of list items. Upstream's schemas default a port's
   * `protocol` to "TCP" (the only defaulted list-map key of the built-ins); it is assumed
   * when the schema does not say, so that `{containerPort: 80}` and its defaulted form are
   * the same item.
   */
  defaultOf(name: string): unknown {
    const c = this.child(name);
    return c.raw?.default ?? c.node?.default ?? (name === "protocol" ? "TCP" : undefined);
  }
}
