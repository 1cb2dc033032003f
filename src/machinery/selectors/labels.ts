/**
 * Label selectors, as upstream's k8s.io/apimachinery/pkg/labels: the string syntax of the
 * `labelSelector` query parameter (`a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`,
 * `!a`, `a>1`, `a<1`, comma-separated) and the object form `metav1.LabelSelector`
 * (matchLabels + matchExpressions). Parse errors are 400s with upstream's messages.
 */
import { errors } from "../errors.js";
import { isQualifiedName, isValidLabelValue } from "../validation.js";

/** Upstream's selection.Operator values. */
export type LabelOperator = "=" | "==" | "!=" | "in" | "notin" | "exists" | "!" | "gt" | "lt";

export interface LabelRequirement {
  readonly key: string;
  readonly operator: LabelOperator;
  /** Sorted, without duplicates; empty for exists and `!`. */
  readonly values: readonly string[];
}

export class LabelSelector {
  private constructor(readonly requirements: readonly LabelRequirement[], private readonly nothing: boolean) {}

  /** Selects everything (no requirements). */
  static everything(): LabelSelector {
    return new LabelSelector([], false);
  }

  /** Selects nothing (a null LabelSelector object). */
  static nothing(): LabelSelector {
    return new LabelSelector([], true);
  }

  static of(requirements: LabelRequirement[]): LabelSelector {
    return new LabelSelector([...requirements].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)), false);
  }

  /** True when the selector does not restrict anything. */
  get empty(): boolean {
    return !this.nothing && this.requirements.length === 0;
  }

  matches(labels?: Record<string, string> | null): boolean {
    if (this.nothing) return false;
    const ls = labels ?? {};
    return this.requirements.every((r) => requirementMatches(r, ls));
  }

  /** The canonical form: requirements by key, values sorted. */
  toString(): string {
    return this.requirements.map(requirementString).join(",");
  }
}

function requirementMatches(r: LabelRequirement, ls: Record<string, string>): boolean {
  const has = Object.hasOwn(ls, r.key);
  const v = has ? ls[r.key]! : "";
  switch (r.operator) {
    case "=": case "==": case "in":
      return has && r.values.includes(v);
    case "!=": case "notin":
      return !has || !r.values.includes(v);
    case "exists":
      return has;
    case "!":
      return !has;
    case "gt": case "lt": {
      if (!has || r.values.length !== 1) return false;
      const a = parseInt64(v);
      const b = parseInt64(r.values[0]!);
      if (a === undefined || b === undefined) return false;
      return r.operator === "gt" ? a > b : a < b;
    }
  }
}

function parseInt64(s: string): bigint | undefined {
  return /^[+-]?\d+$/.test(s) ? BigInt(s) : undefined;
}

function requirementString(r: LabelRequirement): string {
  const vals = r.values.join(",");
  switch (r.operator) {
    case "!": return `!${r.key}`;
    case "exists": return r.key;
    case "in": return `${r.key} in (${vals})`;
    case "notin": return `${r.key} notin (${vals})`;
    case "gt": return `${r.key}>${vals}`;
    case "lt": return `${r.key}<${vals}`;
    default: return `${r.key}${r.operator}${vals}`;
  }
}

/** Go's `%q` for the value of a field error. */
const quote = (s: string) => JSON.stringify(s);

/**
 * Builds a requirement with upstream's NewRequirement checks; `keyPath` is how the key's
 * field is named in errors ("<nil>" from the string parser, "key" from the object form).
 */
function newRequirement(key: string, operator: LabelOperator, values: string[], keyPath: string | undefined): LabelRequirement {
  const problems: string[] = [];
  if (keyPath !== undefined) {
    const e = isQualifiedName(key);
    if (e.length) problems.push(`${keyPath}: Invalid value: ${quote(key)}: ${e.join("; ")}`);
  }
  const list = `[]string{${values.map(quote).join(", ")}}`;
  switch (operator) {
    case "in": case "notin":
      if (values.length === 0) problems.push(`values: Invalid value: ${list}: for 'in', 'notin' operators, values set can't be empty`);
      break;
    case "=": case "==": case "!=":
      if (values.length !== 1) problems.push(`values: Invalid value: ${list}: exact-match compatibility requires one single value`);
      break;
    case "exists": case "!":
      if (values.length !== 0) problems.push(`values: Invalid value: ${list}: values set must be empty for exists and does not exist`);
      break;
    case "gt": case "lt":
      if (values.length !== 1) problems.push(`values: Invalid value: ${list}: for 'Gt', 'Lt' operators, exactly one value is required`);
      values.forEach((v, i) => {
        if (parseInt64(v) === undefined) problems.push(`values[${i}]: Invalid value: ${quote(v)}: for 'Gt', 'Lt' operators, the value must be an integer`);
      });
      break;
  }
  values.forEach((v, i) => {
    const e = isValidLabelValue(v);
    if (e.length) problems.push(`values[${i}][${key}]: Invalid value: ${quote(v)}: ${e.join("; ")}`);
  });
  if (problems.length) throw new SelectorError(problems.length === 1 ? problems[0]! : `[${problems.join(", ")}]`);
  return { key, operator, values: [...new Set(values)].sort() };
}

class SelectorError extends Error {}

// ---- the string syntax -------------------------------------------------------------------

type Tok = "error" | "eos" | ")" | "," | "!" | "==" | "=" | ">" | "ident" | "in" | "<" | "!=" | "notin" | "(";

const literalTokens: Record<string, Tok> = {
  ")": ")", ",": ",", "!": "!", "==": "==", "=": "=", ">": ">", in: "in", "<": "<", "!=": "!=", notin: "notin", "(": "(",
};

const isSpace = (c: string) => c === " " || c === "\t" || c === "\r" || c === "\n";
const isSpecial = (c: string) => "=!(),><".includes(c);

function lex(s: string): { tok: Tok; lit: string }[] {
  const out: { tok: Tok; lit: string }[] = [];
  let pos = 0;
  for (;;) {
    while (pos < s.length && isSpace(s[pos]!)) pos++;
    if (pos >= s.length) {
      out.push({ tok: "eos", lit: "" });
      return out;
    }
    if (isSpecial(s[pos]!)) {
      // The longest run of symbols that is still a known operator.
      let buf = "";
      let last: { tok: Tok; lit: string } | undefined;
      while (pos < s.length && isSpecial(s[pos]!)) {
        const next = buf + s[pos];
        const t = literalTokens[next];
        if (t) {
          last = { tok: t, lit: next };
        } else if (last) {
          break;
        }
        buf = next;
        pos++;
      }
      out.push(last ?? { tok: "error", lit: `error expected: keyword found '${buf}'` });
      continue;
    }
    let buf = "";
    while (pos < s.length && !isSpecial(s[pos]!) && !isSpace(s[pos]!)) buf += s[pos++];
    const t = literalTokens[buf];
    out.push({ tok: t ?? "ident", lit: buf });
  }
}

class Parser {
  private pos = 0;
  constructor(private readonly items: { tok: Tok; lit: string }[]) {}

  /** In value position the keywords `in` and `notin` are plain identifiers. */
  lookahead(values: boolean): [Tok, string] {
    const it = this.items[this.pos]!;
    return [values && (it.tok === "in" || it.tok === "notin") ? "ident" : it.tok, it.lit];
  }

  consume(values: boolean): [Tok, string] {
    const r = this.lookahead(values);
    if (this.pos < this.items.length - 1) this.pos++;
    return r;
  }

  parse(): LabelRequirement[] {
    const reqs: LabelRequirement[] = [];
    for (;;) {
      const [tok, lit] = this.lookahead(true);
      if (tok === "ident" || tok === "!") {
        try {
          reqs.push(this.requirement());
        } catch (e) {
          if (e instanceof SelectorError) throw new SelectorError(`unable to parse requirement: ${e.message}`);
          throw e;
        }
        const [t, l] = this.consume(true);
        if (t === "eos") return reqs;
        if (t === ",") {
          const [t2, l2] = this.lookahead(true);
          if (t2 !== "ident" && t2 !== "!") throw new SelectorError(`found '${l2}', expected: identifier after ','`);
          continue;
        }
        throw new SelectorError(`found '${l}', expected: ',' or 'end of string'`);
      }
      if (tok === "eos") return reqs;
      throw new SelectorError(`found '${lit}', expected: !, identifier, or 'end of string'`);
    }
  }

  private requirement(): LabelRequirement {
    let [tok, key] = this.consume(true);
    let op: LabelOperator | undefined;
    if (tok === "!") {
      op = "!";
      [tok, key] = this.consume(true);
    }
    if (tok !== "ident") throw new SelectorError(`found '${key}', expected: identifier`);
    const keyErrs = isQualifiedName(key);
    if (keyErrs.length) throw new SelectorError(`<nil>: Invalid value: ${quote(key)}: ${keyErrs.join("; ")}`);
    const [next] = this.lookahead(true);
    if (next === "eos" || next === ",") op ??= "exists";
    if (op === "exists" || op === "!") return newRequirement(key, op, [], undefined);

    const [ot, olit] = this.consume(false);
    const ops: Partial<Record<Tok, LabelOperator>> = { in: "in", notin: "notin", "=": "=", "==": "==", "!=": "!=", ">": "gt", "<": "lt" };
    const operator = ops[ot];
    if (!operator) throw new SelectorError(`found '${olit}', expected: in, notin, =, ==, !=, gt, lt`);
    const values = operator === "in" || operator === "notin" ? this.setValues() : this.exactValue();
    return newRequirement(key, operator, [...new Set(values)].sort(), undefined);
  }

  private setValues(): string[] {
    const [open, olit] = this.consume(true);
    if (open !== "(") throw new SelectorError(`found '${olit}' expected: '('`);
    const [tok, lit] = this.lookahead(true);
    if (tok === "ident" || tok === ",") {
      const s = this.identifiers();
      const [close] = this.consume(true);
      if (close !== ")") throw new SelectorError(`found '${lit}', expected: ')'`);
      return s;
    }
    if (tok === ")") {
      this.consume(true);
      return [""];
    }
    throw new SelectorError(`found '${lit}', expected: ',', ')' or identifier`);
  }

  /** A comma-separated list where empty entries stand for the empty value. */
  private identifiers(): string[] {
    const s = new Set<string>();
    for (;;) {
      const [tok, lit] = this.consume(true);
      if (tok === "ident") {
        s.add(lit);
        const [t2, l2] = this.lookahead(true);
        if (t2 === ",") continue;
        if (t2 === ")") return [...s];
        throw new SelectorError(`found '${l2}', expected: ',' or ')'`);
      }
      if (tok === ",") {
        if (s.size === 0) s.add("");
        const [t2] = this.lookahead(true);
        if (t2 === ")") {
          s.add("");
          return [...s];
        }
        if (t2 === ",") {
          this.consume(true);
          s.add("");
        }
        continue;
      }
      throw new SelectorError(`found '${lit}', expected: ',', or identifier`);
    }
  }

  private exactValue(): string[] {
    const [t] = this.lookahead(true);
    if (t === "eos" || t === ",") return [""];
    const [tok, lit] = this.consume(true);
    if (tok === "ident") return [lit];
    throw new SelectorError(`found '${lit}', expected: identifier`);
  }
}

/** Parses the `labelSelector` syntax; a syntax or validation error is a 400. */
export function parseLabelSelector(s: string): LabelSelector {
  try {
    return LabelSelector.of(new Parser(lex(s)).parse());
  } catch (e) {
    if (e instanceof SelectorError) throw errors.badRequest(e.message);
    throw e;
  }
}

/** `metav1.LabelSelector` (as found in specs). */
export interface LabelSelectorObject {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: { key: string; operator: string; values?: string[] | null }[] | null;
}

const exprOps: Record<string, LabelOperator> = { In: "in", NotIn: "notin", Exists: "exists", DoesNotExist: "!" };

/**
 * Converts a `metav1.LabelSelector` as upstream's LabelSelectorAsSelector: null selects
 * nothing, an empty selector selects everything. Invalid content is a 400.
 */
export function labelSelectorFromObject(o: LabelSelectorObject | null | undefined): LabelSelector {
  if (o === null || o === undefined) return LabelSelector.nothing();
  const labels = Object.entries(o.matchLabels ?? {});
  const exprs = o.matchExpressions ?? [];
  if (labels.length + exprs.length === 0) return LabelSelector.everything();
  try {
    const reqs: LabelRequirement[] = labels.map(([k, v]) => newRequirement(k, "=", [v], "key"));
    for (const e of exprs) {
      const op = exprOps[e.operator];
      if (!op) throw new SelectorError(`${quote(e.operator)} is not a valid label selector operator`);
      reqs.push(newRequirement(e.key, op, [...(e.values ?? [])], "key"));
    }
    return LabelSelector.of(reqs);
  } catch (e) {
    if (e instanceof SelectorError) throw errors.badRequest(e.message);
    throw e;
  }
}
