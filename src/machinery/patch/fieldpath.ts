/**
 * Field paths and field sets in upstream's FieldsV1 form (structured-merge-diff), the
 * bookkeeping format of `metadata.managedFields`. A path element is written as FieldsV1
 * writes it: `f:<field>` (struct field or map key), `k:{"name":"app"}` (list item by its
 * map keys), `v:"x"` (item of a set-like list), `i:0` (item by index). A set records
 * members (owned paths) and children (owned paths below a prefix); a path may be both.
 */
import { isPlainObject } from "../object.js";

export type PathElement = string;
export type FieldPath = readonly PathElement[];

/**
 * Field elements are made for every field of every write and then used as property keys and
 * compared: the same names recur, so their elements are kept (up to a bound, as map keys
 * such as label names are open-ended) and reused already flat and internalized.
 */
const fieldElements = new Map<string, PathElement>();
const maxFieldElements = 10_000;

export function fieldElement(name: string): PathElement {
  let pe = fieldElements.get(name);
  if (pe === undefined) {
    pe = `f:${name}`;
    if (fieldElements.size < maxFieldElements) fieldElements.set(name, pe);
  }
  return pe;
}
export const valueElement = (v: unknown): PathElement => `v:${JSON.stringify(v)}`;
export const indexElement = (i: number): PathElement => `i:${i}`;

/** `k:{...}` with the key fields in name order, as upstream sorts them. */
export function keyElement(fields: Record<string, unknown>): PathElement {
  const names = Object.keys(fields);
  let ordered = true;
  for (let i = 1; i < names.length && ordered; i++) ordered = names[i - 1]! < names[i]!;
  // Usually one key, or keys already in order (containerPort, protocol): no copy needed.
  if (ordered) return `k:${JSON.stringify(fields)}`;
  const sorted: Record<string, unknown> = {};
  for (const k of names.sort()) sorted[k] = fields[k];
  return `k:${JSON.stringify(sorted)}`;
}

const elementRe = /^[fkvi]:/;

/** Upstream's value.ToString: strings quoted, everything else as JSON. */
function valueText(v: unknown): string {
  return JSON.stringify(v) ?? "null";
}

/** The path as upstream prints it in conflicts: `.spec.containers[name="app"].image`. */
export function pathToString(path: FieldPath): string {
  let s = "";
  for (const pe of path) {
    const body = pe.slice(2);
    switch (pe[0]) {
      case "f":
        s += `.${body}`;
        break;
      case "k": {
        const fields = JSON.parse(body) as Record<string, unknown>;
        s += `[${Object.entries(fields).map(([k, v]) => `${k}=${valueText(v)}`).join(",")}]`;
        break;
      }
      case "v":
        s += `[=${valueText(JSON.parse(body))}]`;
        break;
      default:
        s += `[${body}]`;
    }
  }
  return s;
}

const kindOrder: Record<string, number> = { f: 0, k: 1, v: 2, i: 3 };

function compareValues(a: unknown, b: unknown): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  const ta = typeof a;
  const tb = typeof b;
  if (ta !== tb) return ta < tb ? -1 : 1;
  const ja = JSON.stringify(a);
  const jb = JSON.stringify(b);
  return ja < jb ? -1 : ja > jb ? 1 : 0;
}

/** Upstream's path element order: field < key < value < index, then by content. */
export function compareElements(a: PathElement, b: PathElement): number {
  const ka = kindOrder[a[0]!] ?? 9;
  const kb = kindOrder[b[0]!] ?? 9;
  if (ka !== kb) return ka - kb;
  const ba = a.slice(2);
  const bb = b.slice(2);
  switch (a[0]) {
    case "f":
      return ba < bb ? -1 : ba > bb ? 1 : 0;
    case "i":
      return Number(ba) - Number(bb);
    case "v":
      return compareValues(JSON.parse(ba), JSON.parse(bb));
    default: {
      const fa = Object.entries(JSON.parse(ba) as Record<string, unknown>);
      const fb = Object.entries(JSON.parse(bb) as Record<string, unknown>);
      if (fa.length !== fb.length) return fa.length - fb.length;
      for (let i = 0; i < fa.length; i++) {
        const [na, va] = fa[i]!;
        const [nb, vb] = fb[i]!;
        if (na !== nb) return na < nb ? -1 : 1;
        const c = compareValues(va, vb);
        if (c !== 0) return c;
      }
      return 0;
    }
  }
}

/**
 * Sorts path elements in place in upstream's order (compareElements), parsing each key or
 * value element once rather than on every comparison. Field names alone sort as plain strings.
 */
export function sortElements(pes: PathElement[]): PathElement[] {
  let fieldsOnly = true;
  for (const pe of pes) {
    if (pe.charCodeAt(0) !== 102 /* f */) {
      fieldsOnly = false;
      break;
    }
  }
  // Same "f:" prefix: comparing whole elements compares the names, code unit by code unit.
  if (fieldsOnly) return pes.sort();
  const decoded = pes.map(decodeElement);
  decoded.sort(compareDecoded);
  for (let i = 0; i < decoded.length; i++) pes[i] = decoded[i]!.pe;
  return pes;
}

/** Sorts `[element, value]` pairs in place by element, in upstream's order (see sortElements). */
export function sortEntries<T>(entries: [PathElement, T][]): void {
  if (entries.length < 2) return;
  let fieldsOnly = true;
  for (const [pe] of entries) {
    if (pe.charCodeAt(0) !== 102 /* f */) {
      fieldsOnly = false;
      break;
    }
  }
  if (fieldsOnly) {
    // Objects often list their fields in order already (apiVersion, kind, metadata, spec...).
    let sorted = true;
    for (let i = 1; i < entries.length && sorted; i++) sorted = entries[i - 1]![0] < entries[i]![0];
    if (!sorted) entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return;
  }
  const decoded = entries.map((e) => ({ d: decodeElement(e[0]), e }));
  decoded.sort((a, b) => compareDecoded(a.d, b.d));
  for (let i = 0; i < decoded.length; i++) entries[i] = decoded[i]!.e;
}

interface DecodedElement {
  pe: PathElement;
  order: number;
  body: string;
  /** `v:` value, `i:` index, `k:` key fields. */
  value?: unknown;
  fields?: [string, unknown][];
}

function decodeElement(pe: PathElement): DecodedElement {
  const body = pe.slice(2);
  const d: DecodedElement = { pe, order: kindOrder[pe[0]!] ?? 9, body };
  if (pe[0] === "i") d.value = Number(body);
  else if (pe[0] === "v") d.value = JSON.parse(body);
  else if (pe[0] === "k") d.fields = Object.entries(JSON.parse(body) as Record<string, unknown>);
  return d;
}

function compareDecoded(a: DecodedElement, b: DecodedElement): number {
  if (a.order !== b.order) return a.order - b.order;
  switch (a.pe[0]) {
    case "f":
      return a.body < b.body ? -1 : a.body > b.body ? 1 : 0;
    case "i":
      return (a.value as number) - (b.value as number);
    case "v":
      return compareValues(a.value, b.value);
    case "k": {
      const fa = a.fields!;
      const fb = b.fields!;
      if (fa.length !== fb.length) return fa.length - fb.length;
      for (let i = 0; i < fa.length; i++) {
        const [na, va] = fa[i]!;
        const [nb, vb] = fb[i]!;
        if (na !== nb) return na < nb ? -1 : 1;
        const c = compareValues(va, vb);
        if (c !== 0) return c;
      }
      return 0;
    }
    default:
      return compareElements(a.pe, b.pe);
  }
}

/** True when `o` has an enumerable key (no array of keys is built). */
export function hasKeys(o: object): boolean {
  for (const _ in o) return true;
  return false;
}

export class FieldSet {
  readonly members = new Set<PathElement>();
  readonly children = new Map<PathElement, FieldSet>();

  static of(...paths: FieldPath[]): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  insert(path: FieldPath): void {
    if (path.length === 0) return;
    let s: FieldSet = this;
    for (let i = 0; i < path.length - 1; i++) {
      const pe = path[i]!;
      let c = s.children.get(pe);
      if (!c) s.children.set(pe, (c = new FieldSet()));
      s = c;
    }
    s.members.add(path[path.length - 1]!);
  }

  has(path: FieldPath): boolean {
    if (path.length === 0) return false;
    let s: FieldSet | undefined = this;
    for (let i = 0; i < path.length - 1 && s; i++) s = s.children.get(path[i]!);
    return !!s && s.members.has(path[path.length - 1]!);
  }

  child(pe: PathElement): FieldSet | undefined {
    return this.children.get(pe);
  }

  get empty(): boolean {
    if (this.members.size) return false;
    for (const c of this.children.values()) if (!c.empty) return false;
    return true;
  }

  clone(): FieldSet {
    const s = new FieldSet();
    for (const m of this.members) s.members.add(m);
    for (const [pe, c] of this.children) s.children.set(pe, c.clone());
    return s;
  }

  union(o: FieldSet): FieldSet {
    const s = this.clone();
    for (const m of o.members) s.members.add(m);
    for (const [pe, c] of o.children) {
      const mine = s.children.get(pe);
      s.children.set(pe, mine ? mine.union(c) : c.clone());
    }
    return s;
  }

  /** Members not in `o`; children minus `o`'s children (a member of `o` does not cover children). */
  difference(o: FieldSet): FieldSet {
    const s = new FieldSet();
    for (const m of this.members) if (!o.members.has(m)) s.members.add(m);
    for (const [pe, c] of this.children) {
      const theirs = o.children.get(pe);
      const d = theirs ? c.difference(theirs) : c.clone();
      if (!d.empty) s.children.set(pe, d);
    }
    return s;
  }

  intersection(o: FieldSet): FieldSet {
    const s = new FieldSet();
    for (const m of this.members) if (o.members.has(m)) s.members.add(m);
    for (const [pe, c] of this.children) {
      const theirs = o.children.get(pe);
      if (!theirs) continue;
      const i = c.intersection(theirs);
      if (!i.empty) s.children.set(pe, i);
    }
    return s;
  }

  /** This set without `prefix` and everything below it. */
  withoutPrefix(prefix: FieldPath): FieldSet {
    const s = this.clone();
    if (prefix.length === 0) return new FieldSet();
    let cur: FieldSet | undefined = s;
    for (let i = 0; i < prefix.length - 1 && cur; i++) cur = cur.children.get(prefix[i]!);
    if (cur) {
      const last = prefix[prefix.length - 1]!;
      cur.members.delete(last);
      cur.children.delete(last);
    }
    return s;
  }

  equals(o: FieldSet): boolean {
    return this.difference(o).empty && o.difference(this).empty;
  }

  /** Every member path, in upstream's iteration order (members, then children, each sorted). */
  paths(): FieldPath[] {
    const out: FieldPath[] = [];
    const walk = (s: FieldSet, prefix: PathElement[]) => {
      for (const m of [...s.members].sort(compareElements)) out.push([...prefix, m]);
      for (const pe of [...s.children.keys()].sort(compareElements)) walk(s.children.get(pe)!, [...prefix, pe]);
    };
    walk(this, []);
    return out;
  }

  /**
   * The FieldsV1 JSON object: `{}` for a leaf, `".": {}` when a path is also a member. A
   * child whose subtree owns nothing writes no keys, and is left out like an empty set.
   */
  toFieldsV1(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const keys: PathElement[] = [];
    for (const m of this.members) keys.push(m);
    for (const pe of this.children.keys()) if (!this.members.has(pe)) keys.push(pe);
    if (keys.length > 1) sortElements(keys);
    for (let i = 0; i < keys.length; i++) {
      const pe = keys[i]!;
      const c = this.children.get(pe);
      const member = this.members.has(pe);
      const sub = c?.toFieldsV1();
      if (sub !== undefined && hasKeys(sub)) {
        if (member) {
          const body: Record<string, unknown> = { ".": {} };
          for (const k in sub) body[k] = sub[k];
          out[pe] = body;
        } else {
          out[pe] = sub;
        }
      } else if (member) {
        out[pe] = {};
      }
    }
    return out;
  }

  /** Parses FieldsV1; throws on anything that is not a well-formed set. */
  static fromFieldsV1(v: unknown): FieldSet {
    if (!isPlainObject(v)) throw new Error("FieldsV1 must be an object");
    const s = new FieldSet();
    for (const [pe, body] of Object.entries(v)) {
      if (!elementRe.test(pe)) throw new Error(`invalid path element ${JSON.stringify(pe)}`);
      if (!isPlainObject(body)) throw new Error(`invalid FieldsV1 entry for ${pe}`);
      const keys = Object.keys(body);
      if (keys.length === 0 || Object.hasOwn(body, ".")) s.members.add(pe);
      const rest: Record<string, unknown> = { ...body };
      delete rest["."];
      if (Object.keys(rest).length) s.children.set(pe, FieldSet.fromFieldsV1(rest));
    }
    return s;
  }
}
