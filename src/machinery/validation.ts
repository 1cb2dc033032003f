/**
 * Upstream's name and metadata checks (k8s.io/apimachinery/pkg/util/validation and
 * api/validation/objectmeta), with upstream's messages, so kubectl prints what users expect.
 */
import { field, type FieldError } from "./errors.js";

const dns1123LabelFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const dns1123LabelRe = new RegExp(`^${dns1123LabelFmt}$`);
const dns1123SubdomainRe = new RegExp(`^${dns1123LabelFmt}(\\.${dns1123LabelFmt})*$`);
const dns1035LabelRe = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const qualifiedNamePartRe = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const labelValueRe = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export const dns1123SubdomainMsg =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
export const dns1123LabelMsg =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
export const dns1035LabelMsg =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const qualifiedNameMsg =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const labelValueMsg =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

/** Returns upstream's problem strings (empty = valid). */
export function isDNS1123Subdomain(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 253) errs.push("must be no more than 253 characters");
  if (!dns1123SubdomainRe.test(v)) errs.push(dns1123SubdomainMsg);
  return errs;
}

export function isDNS1123Label(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push("must be no more than 63 characters");
  if (!dns1123LabelRe.test(v)) errs.push(dns1123LabelMsg);
  return errs;
}

export function isDNS1035Label(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push("must be no more than 63 characters");
  if (!dns1035LabelRe.test(v)) errs.push(dns1035LabelMsg);
  return errs;
}

/** A label or annotation key: `[prefix/]name`, prefix a DNS subdomain. */
export function isQualifiedName(v: string): string[] {
  const parts = v.split("/");
  let name: string;
  const errs: string[] = [];
  if (parts.length === 1) name = parts[0]!;
  else if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (prefix.length === 0) errs.push("prefix part must be non-empty");
    else for (const e of isDNS1123Subdomain(prefix)) errs.push(`prefix part ${e}`);
  } else {
    return ["a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"];
  }
  if (name.length === 0) errs.push("name part must be non-empty");
  else if (name.length > 63) errs.push("name part must be no more than 63 characters");
  if (name.length > 0 && !qualifiedNamePartRe.test(name)) errs.push(qualifiedNameMsg);
  return errs;
}

export function isValidLabelValue(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push("must be no more than 63 characters");
  if (!labelValueRe.test(v)) errs.push(labelValueMsg);
  return errs;
}

/** Path-segment names (RBAC objects): anything but `.`, `..`, or containing `/` or `%`. */
export function isPathSegmentName(v: string): string[] {
  if (v === "." || v === "..") return [`may not be '${v}'`];
  if (v.includes("/")) return ["may not contain '/'"];
  if (v.includes("%")) return ["may not contain '%'"];
  return [];
}

export function validateLabels(labels: unknown, path: string): FieldError[] {
  const out: FieldError[] = [];
  if (labels === undefined || labels === null) return out;
  if (typeof labels !== "object" || Array.isArray(labels)) return [field.invalid(path, labels, "must be a map of string keys to string values")];
  for (const [k, v] of Object.entries(labels as Record<string, unknown>)) {
    for (const e of isQualifiedName(k)) out.push(field.invalid(path, k, e));
    if (typeof v !== "string") out.push(field.invalid(`${path}[${k}]`, v, "must be a string"));
    else for (const e of isValidLabelValue(v)) out.push(field.invalid(path, v, e));
  }
  return out;
}

const totalAnnotationSizeLimit = 256 * 1024;

export function validateAnnotations(annotations: unknown, path: string): FieldError[] {
  const out: FieldError[] = [];
  if (annotations === undefined || annotations === null) return out;
  if (typeof annotations !== "object" || Array.isArray(annotations)) return [field.invalid(path, annotations, "must be a map of string keys to string values")];
  let size = 0;
  for (const [k, v] of Object.entries(annotations as Record<string, unknown>)) {
    for (const e of isQualifiedName(k.toLowerCase())) out.push(field.invalid(path, k, e));
    if (typeof v !== "string") out.push(field.invalid(`${path}[${k}]`, v, "must be a string"));
    else size += k.length + v.length;
  }
  if (size > totalAnnotationSizeLimit) out.push(field.tooLong(path, totalAnnotationSizeLimit));
  return out;
}

/** Runs a check returning upstream problem strings and wraps each as an Invalid field error. */
export function checkField(path: string, value: string, check: (v: string) => string[]): FieldError[] {
  return check(value).map((e) => field.invalid(path, value, e));
}
