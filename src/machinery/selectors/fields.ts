/**
 * Field selectors, as upstream's k8s.io/apimachinery/pkg/fields: comma-separated terms
 * `field=value`, `field==value` and `field!=value`, where a value escapes `\`, `,` and `=`
 * with a backslash. Which fields a kind supports is the API server's business: it reads
 * `requirements`. Parse errors are 400s with upstream's messages.
 */
import { errors } from "../errors.js";

export type FieldOperator = "=" | "==" | "!=";

export interface FieldRequirement {
  readonly field: string;
  /** As written; `=` and `==` mean the same. */
  readonly op: FieldOperator;
  /** Unescaped. */
  readonly value: string;
}

export interface FieldSelector {
  readonly requirements: readonly FieldRequirement[];
  /** True when the selector does not restrict anything. */
  readonly empty: boolean;
  /** `get` reads a field of the object; a missing field counts as the empty string. */
  matches(get: (field: string) => string | undefined): boolean;
  /** Canonical form: terms sorted, `=` for equality, values escaped. */
  toString(): string;
}

class Selector implements FieldSelector {
  constructor(readonly requirements: readonly FieldRequirement[]) {}

  get empty(): boolean {
    return this.requirements.length === 0;
  }

  matches(get: (field: string) => string | undefined): boolean {
    return this.requirements.every((r) => ((get(r.field) ?? "") === r.value) === (r.op !== "!="));
  }

  toString(): string {
    return this.requirements.map((r) => `${r.field}${r.op === "!=" ? "!=" : "="}${escapeFieldValue(r.value)}`).join(",");
  }
}

/** Escapes `\`, `,` and `=` in a value, as upstream's EscapeValue. */
export function escapeFieldValue(v: string): string {
  return v.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/** Upstream's UnescapeValue: only `\\`, `\,` and `\=` are escapes; bare `,` and `=` are 400s. */
export function unescapeFieldValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = "";
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c !== "\\" && c !== "," && c !== "=") throw errors.badRequest(`invalid field selector: invalid escape sequence: \\${c}`);
      out += c;
      inSlash = false;
      continue;
    }
    if (c === "\\") inSlash = true;
    // Go prints the rune with %v, i.e. as its code point.
    else if (c === "," || c === "=") throw errors.badRequest(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    else out += c;
  }
  if (inSlash) throw errors.badRequest("invalid field selector: invalid escape sequence: \\");
  return out;
}

/** Splits on commas that are not escaped; the escapes stay in the terms. */
function splitTerms(s: string): string[] {
  if (s === "") return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inSlash) inSlash = false;
    else if (c === "\\") inSlash = true;
    else if (c === ",") {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

const operators: FieldOperator[] = ["!=", "==", "="];

/** The first operator in the term splits it; the field part has no escaping. */
function splitTerm(term: string): [string, FieldOperator, string] | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of operators) {
      if (term.startsWith(op, i)) return [term.slice(0, i), op, term.slice(i + op.length)];
    }
  }
  return undefined;
}

/** Parses the `fieldSelector` syntax; the empty string selects everything. */
export function parseFieldSelector(s: string): FieldSelector {
  const reqs: FieldRequirement[] = [];
  for (const part of splitTerms(s).sort()) {
    if (part === "") continue;
    const t = splitTerm(part);
    if (!t) throw errors.badRequest(`invalid selector: '${s}'; can't understand '${part}'`);
    reqs.push({ field: t[0], op: t[1], value: unescapeFieldValue(t[2]) });
  }
  return new Selector(reqs);
}

/** A selector from exact field values (upstream's fields.Set.AsSelector). */
export function fieldSelectorFromSet(set: Record<string, string>): FieldSelector {
  return new Selector(Object.keys(set).sort().map((field) => ({ field, op: "=" as const, value: set[field]! })));
}
