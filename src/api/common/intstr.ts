/**
 * IntOrString checks shared by apps, policy and friends (upstream's apps validation
 * helpers ValidatePositiveIntOrPercent, IsNotMoreThan100Percent, getIntOrPercentValue).
 */
import { field, type FieldError } from "../../machinery/errors.js";
import { goIntOrString } from "./govalue.js";

const percentRe = /^[0-9]+%$/;
const percentMsg = "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";

export const isNegativeErrorMsg = "must be greater than or equal to 0";

/** apivalidation.ValidateNonnegativeField. */
export function validateNonnegative(value: unknown, path: string): FieldError[] {
  if (value === undefined || value === null) return [];
  if (typeof value !== "number" || !Number.isInteger(value)) return [field.invalid(path, value, "must be an integer")];
  return value < 0 ? [field.invalid(path, value, isNegativeErrorMsg)] : [];
}

export function validatePositiveIntOrPercent(v: unknown, path: string): FieldError[] {
  if (typeof v === "string") return percentRe.test(v) ? [] : [field.invalid(path, goIntOrString(v), percentMsg)];
  if (typeof v === "number" && Number.isInteger(v)) return v < 0 ? [field.invalid(path, goIntOrString(v), isNegativeErrorMsg)] : [];
  // Upstream's message carries a literal "%%" (it is not a format string there).
  return [field.invalid(path, goIntOrString(v), "must be an integer or percentage (e.g '5%%')")];
}

/** The percentage when `v` is a valid percent string. */
export function percentValue(v: unknown): number | undefined {
  return typeof v === "string" && percentRe.test(v) ? Number.parseInt(v.slice(0, -1), 10) : undefined;
}

/** getIntOrPercentValue: the percentage, else the int (a non-numeric string counts as 0). */
export function intOrPercentValue(v: unknown): number {
  const p = percentValue(v);
  if (p !== undefined) return p;
  if (typeof v === "number") return Math.trunc(v);
  if (typeof v === "string" && /^[+-]?\d+$/.test(v)) return Number.parseInt(v, 10);
  return 0;
}

export function isNotMoreThan100Percent(v: unknown, path: string): FieldError[] {
  const p = percentValue(v);
  return p !== undefined && p > 100 ? [field.invalid(path, goIntOrString(v), "must not be greater than 100%")] : [];
}

/** intstr.String() as printers show it: ints as digits, strings verbatim. */
export function intOrStringText(v: unknown): string {
  return typeof v === "number" ? String(Math.trunc(v)) : String(v ?? "");
}
