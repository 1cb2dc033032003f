/**
 * Go `%#v` renderings of the values upstream puts in validation messages. Upstream prints a
 * bad value that is not a string, number or Stringer as a Go literal, e.g.
 * `map[string]string{"app":"web"}`; kubectl users know those messages by heart.
 *
 * A `GoValue` carries the plain data (what `toJSON` returns, so any printer falls back to
 * JSON) and its Go rendering (`goString()`, as Go's GoStringer interface).
 */
import { isPlainObject } from "../../machinery/object.js";

export class GoValue {
  constructor(
    readonly data: unknown,
    private readonly text: string,
  ) {}

  goString(): string {
    return this.text;
  }

  toJSON(): unknown {
    return this.data;
  }
}

/** Go's %q for the strings we meet (JSON escaping agrees with Go for printable text). */
export function goQuote(s: unknown): string {
  return JSON.stringify(typeof s === "string" ? s : String(s ?? ""));
}

function goStringMapText(m: unknown): string {
  if (!isPlainObject(m)) return "map[string]string(nil)";
  const keys = Object.keys(m).sort();
  return `map[string]string{${keys.map((k) => `${goQuote(k)}:${goQuote(m[k])}`).join(", ")}}`;
}

function goStringSliceText(s: unknown): string {
  if (!Array.isArray(s)) return "[]string(nil)";
  return `[]string{${s.map(goQuote).join(", ")}}`;
}

/** A `map[string]string` (template labels, selectors of core kinds). */
export function goStringMap(m: unknown): GoValue {
  return new GoValue(m ?? null, goStringMapText(m));
}

/** A metav1.LabelSelector (pointers are dereferenced in upstream's messages). */
export function goLabelSelector(sel: unknown): GoValue {
  if (!isPlainObject(sel)) return new GoValue(null, "null");
  const exprs = Array.isArray(sel.matchExpressions)
    ? `[]v1.LabelSelectorRequirement{${sel.matchExpressions
        .map((e: unknown) => {
          const r = isPlainObject(e) ? e : {};
          return `v1.LabelSelectorRequirement{Key:${goQuote(r.key)}, Operator:${goQuote(r.operator)}, Values:${goStringSliceText(r.values)}}`;
        })
        .join(", ")}}`
    : "[]v1.LabelSelectorRequirement(nil)";
  return new GoValue(sel, `v1.LabelSelector{MatchLabels:${goStringMapText(sel.matchLabels)}, MatchExpressions:${exprs}}`);
}

/** An intstr.IntOrString: Type 0 is an int, 1 a string. */
export function goIntOrString(v: unknown): GoValue {
  if (typeof v === "string") return new GoValue(v, `intstr.IntOrString{Type:1, IntVal:0, StrVal:${goQuote(v)}}`);
  const n = typeof v === "number" ? Math.trunc(v) : 0;
  return new GoValue(v ?? null, `intstr.IntOrString{Type:0, IntVal:${n}, StrVal:""}`);
}

/** A struct of string fields, e.g. `rbac.RoleRef{APIGroup:"...", Kind:"...", Name:"..."}`. */
export function goStringStruct(type: string, fields: [goName: string, value: unknown][], data: unknown): GoValue {
  return new GoValue(data, `${type}{${fields.map(([k, v]) => `${k}:${goQuote(v)}`).join(", ")}}`);
}
