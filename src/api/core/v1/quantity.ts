/**
 * resource.Quantity for the API server: parsing, comparison and the canonical form upstream
 * writes back (`0.5` → `500m`, `1024Mi` → `1Gi`), held exactly as a count of nano-units.
 */

export type QuantityFormat = "DecimalSI" | "BinarySI" | "DecimalExponent";

export interface Quantity {
  /** The value times 10^9, rounded away from zero as upstream rounds to nano precision. */
  nano: bigint;
  format: QuantityFormat;
}

export const quantityRegexMsg = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

const quantityRe = /^([+-]?)(\d*)(?:\.(\d*))?(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE]([+-]?\d+))?$/;

const decimalSuffix: Record<string, number> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const binarySuffix: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const decimalSuffixOf = new Map(Object.entries(decimalSuffix).map(([s, e]) => [e, s]));
const binarySuffixOf = new Map(Object.entries(binarySuffix).map(([s, e]) => [e, s]));

const NANO = 1_000_000_000n;

function pow(base: bigint, exp: number): bigint {
  let r = 1n;
  for (let i = 0; i < exp; i++) r *= base;
  return r;
}

/** Divides rounding away from zero (upstream's inf.RoundUp). */
function divAway(n: bigint, d: bigint): bigint {
  const q = n / d;
  return q * d === n ? q : n < 0n ? q - 1n : q + 1n;
}

export function parseQuantity(input: unknown): Quantity | undefined {
  if (typeof input === "number") {
    if (!Number.isFinite(input)) return undefined;
    return parseQuantity(String(input).includes("e") ? input.toFixed(9) : String(input));
  }
  if (typeof input !== "string") return undefined;
  const m = quantityRe.exec(input.trim());
  if (!m) return undefined;
  const [, sign, whole = "", frac = "", suffix, exp] = m;
  if (whole === "" && frac === "") return undefined;
  let format: QuantityFormat = "DecimalSI";
  let exp10 = 0;
  let exp1024 = 0;
  if (exp !== undefined) { format = "DecimalExponent"; exp10 = Number(exp); }
  else if (suffix && suffix in binarySuffix) { format = "BinarySI"; exp1024 = binarySuffix[suffix]!; }
  else if (suffix) exp10 = decimalSuffix[suffix]!;
  let digits = BigInt((whole || "0") + frac) * pow(1024n, exp1024);
  const scale = exp10 - frac.length + 9;
  digits = scale >= 0 ? digits * pow(10n, scale) : divAway(digits, pow(10n, -scale));
  return { nano: sign === "-" ? -digits : digits, format };
}

export function compareQuantities(a: Quantity, b: Quantity): number {
  return a.nano < b.nano ? -1 : a.nano > b.nano ? 1 : 0;
}

/** Quantity.String(): the canonical form upstream serialises. */
export function formatQuantity(q: Quantity): string {
  if (q.nano === 0n) return "0";
  let format = q.format;
  if (format === "BinarySI") {
    const abs = q.nano < 0n ? -q.nano : q.nano;
    if (abs < 1024n * NANO || q.nano % NANO !== 0n) format = "DecimalSI";
  }
  const sign = q.nano < 0n ? "-" : "";
  let mant = q.nano < 0n ? -q.nano : q.nano;
  if (format === "BinarySI") {
    mant /= NANO;
    let e = 0;
    while (e < 6 && mant % 1024n === 0n) { mant /= 1024n; e++; }
    return `${sign}${mant}${binarySuffixOf.get(e) ?? ""}`;
  }
  let e = -9;
  while (mant % 10n === 0n) { mant /= 10n; e++; }
  const r = ((e % 3) + 3) % 3;
  mant *= pow(10n, r);
  e -= r;
  if (format === "DecimalExponent") return `${sign}${mant}${e === 0 ? "" : `e${e}`}`;
  const s = decimalSuffixOf.get(e);
  if (s !== undefined) return `${sign}${mant}${s}`;
  // Beyond exa: upstream falls back to the exponent form.
  return `${sign}${mant}e${e}`;
}

/** Canonicalises a quantity string; returns the input unchanged when it does not parse. */
export function canonicalQuantity(v: unknown): unknown {
  const q = parseQuantity(v);
  return q ? formatQuantity(q) : v;
}

/** Rewrites every value of a ResourceList in place to its canonical form. */
export function canonicalizeResourceList(list: Record<string, unknown> | undefined): void {
  if (!list) return;
  for (const k of Object.keys(list)) list[k] = canonicalQuantity(list[k]);
}

export function addQuantities(a: Quantity, b: Quantity): Quantity {
  return { nano: a.nano + b.nano, format: a.format };
}
