/**
 * Request body decoding: JSON, YAML and protobuf objects, DeleteOptions, and patch bodies,
 * with upstream's checks of kind and apiVersion against the URL and fieldValidation.
 */
import { createRequire } from "node:module";
import { errors } from "../../machinery/errors.js";
import { apiVersionOf, isPlainObject, type KubeObject } from "../../machinery/object.js";
import type { ResourceDef } from "../../machinery/resource.js";
import type { HandlerContext } from "./context.js";

/** `yaml` is loaded on the first YAML body: most requests are JSON, and start-up stays fast. */
let yamlModule: typeof import("yaml") | undefined;
function yamlLib(): typeof import("yaml") {
  return (yamlModule ??= createRequire(import.meta.url)("yaml") as typeof import("yaml"));
}

export function mediaType(contentType: string | undefined): string {
  return (contentType ?? "application/json").split(";")[0]!.trim().toLowerCase();
}

/**
 * Bodies nested deeper than this are refused before anything recurses into them (Go's
 * decoder stops at 10,000; no Kubernetes object comes near 1,000, and JavaScript's stack
 * would not survive the deeper form through every walker).
 */
export const maxNestingDepth = 1_000;

/**
 * The deepest bracket nesting of a JSON/YAML flow text, ignoring brackets inside strings, and
 * (meaningful for JSON) how many object keys it writes: strings followed by a colon.
 */
function scanText(raw: string): { depth: number; keys: number } {
  let depth = 0;
  let max = 0;
  let keys = 0;
  let inString = false;
  const n = raw.length;
  for (let i = 0; i < n; i++) {
    const c = raw.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) {
        inString = false;
        let j = i + 1;
        let d = raw.charCodeAt(j);
        while (d === 32 || d === 10 || d === 13 || d === 9) d = raw.charCodeAt(++j);
        if (d === 58 /* : */) keys++;
      }
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) { if (++depth > max) max = depth; }
    else if (c === 125 || c === 93) depth--;
  }
  return { depth: max, keys };
}

/** Parses JSON (or YAML when asked) into a value, with upstream-like 400 messages. */
export function parseStructured(raw: string, yaml: boolean): unknown {
  return parseCounted(raw, yaml).value;
}

/**
 * parseStructured, also telling whether a JSON text has duplicate keys: JSON.parse keeps the
 * last of them, so the parsed value then has fewer keys than the text writes.
 */
function parseCounted(raw: string, yaml: boolean): { value: unknown; duplicates?: boolean } {
  const scan = scanText(raw);
  if (scan.depth > maxNestingDepth) {
    throw errors.badRequest(`the request body is nested more than ${maxNestingDepth} levels deep`);
  }
  if (yaml) return { value: parseYaml(raw) };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    throw errors.badRequest(`couldn't get version/kind; json parse error: ${(err as Error).message}`);
  }
  return { value, duplicates: countKeys(value) !== scan.keys };
}

/** Object keys in a parsed JSON value, at every depth. */
function countKeys(v: unknown): number {
  if (typeof v !== "object" || v === null) return 0;
  let n = 0;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) n += countKeys(v[i]);
    return n;
  }
  for (const k in v) n += 1 + countKeys((v as Record<string, unknown>)[k]);
  return n;
}

function parseYaml(raw: string): unknown {
  try {
    return yamlLib().parse(raw, { uniqueKeys: false, maxAliasCount: 100, logLevel: "error" });
  } catch (err) {
    const msg = err instanceof yamlLib().YAMLParseError ? (err as Error).message.split("\n")[0] : String(err);
    throw errors.badRequest(`error converting YAML to JSON: ${msg}`);
  }
}

/**
 * The object in a create/update body: decoded, checked against the URL's kind and version,
 * and checked for unknown or duplicate fields as fieldValidation asks.
 */
export async function decodeObjectBody(ctx: HandlerContext): Promise<KubeObject> {
  const { req, def } = ctx;
  const body = req.body ?? Buffer.alloc(0);
  if (body.length === 0) throw errors.badRequest("the body of the request was empty; send the object as JSON");
  const type = mediaType(req.headers["content-type"]);
  let value: unknown;
  let raw: string | undefined;
  let duplicates: boolean | undefined;
  if (type === "application/vnd.kubernetes.protobuf") {
    if (!ctx.protobuf) throw errors.unsupportedMediaType(type);
    const decoded = await ctx.protobuf(body);
    value = { ...decoded.object, apiVersion: decoded.apiVersion, kind: decoded.kind };
  } else if (type === "application/json" || type === "application/yaml" || type === "text/yaml" || type === "application/x-yaml") {
    raw = body.toString("utf8");
    ({ value, duplicates } = parseCounted(raw, type !== "application/json"));
  } else {
    throw errors.unsupportedMediaType(type);
  }
  const obj = checkKind(def, value);
  const typeError = ctx.fieldValidator?.typeError(obj, def);
  if (typeError) throw errors.badRequest(`${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: ${typeError}`);
  validateFields(ctx, obj, type === "application/json" ? raw : undefined, duplicates === false);
  return obj;
}

/** Upstream: the body's kind and apiVersion must name the kind the URL addresses. */
export function checkKind(def: ResourceDef, value: unknown): KubeObject {
  if (!isPlainObject(value)) throw errors.badRequest(`the body of the request must be a JSON object (a ${def.kind})`);
  const kind = value.kind;
  const apiVersion = value.apiVersion;
  const want = apiVersionOf(def.group, def.version);
  if (typeof kind !== "string" || kind === "") {
    throw errors.badRequest(`Object 'Kind' is missing in '${truncate(JSON.stringify(value))}'`);
  }
  if (typeof apiVersion !== "string" || apiVersion === "") {
    throw errors.badRequest(`Object 'apiVersion' is missing in '${truncate(JSON.stringify(value))}'`);
  }
  if (kind !== def.kind) {
    throw errors.badRequest(`${kind} in version "${apiVersion}" cannot be handled as a ${def.kind}: the kind in the body (${kind}) does not match the kind of the URL (${def.kind})`);
  }
  if (apiVersion !== want) {
    throw errors.badRequest(`the API version in the data (${apiVersion}) does not match the expected API version (${want})`);
  }
  if (value.metadata !== undefined && !isPlainObject(value.metadata)) {
    throw errors.badRequest(`${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: metadata must be an object`);
  }
  const obj = value as KubeObject;
  obj.metadata ??= {};
  return obj;
}

export type FieldValidation = "Strict" | "Warn" | "Ignore";

export function fieldValidationMode(q: URLSearchParams): FieldValidation {
  const v = q.get("fieldValidation");
  if (v === null || v === "") return "Warn";
  if (v === "Strict" || v === "Warn" || v === "Ignore") return v;
  throw errors.badRequest(`fieldValidation parameter unsupported: ${v}; use Ignore, Warn or Strict`);
}

/**
 * fieldValidation: Strict → 400 listing the problems; Warn → `Warning` headers. `raw` (a JSON
 * body) is scanned for duplicate and unknown fields in document order; `noDuplicates` says
 * the body is known to have no duplicate keys, and then the decoded object is checked
 * instead, as long as at most one problem turns up (with two, their order is the text's).
 */
export function validateFields(ctx: HandlerContext, obj: unknown, raw: string | undefined, noDuplicates = false): void {
  const mode = fieldValidationMode(ctx.req.query);
  if (mode === "Ignore" || !ctx.fieldValidator) return;
  let problems: string[];
  if (raw === undefined) problems = ctx.fieldValidator.unknownFields(obj, ctx.def);
  else if (noDuplicates) {
    problems = ctx.fieldValidator.unknownFields(obj, ctx.def);
    if (problems.length > 1) problems = ctx.fieldValidator.strictFieldProblems(raw, ctx.def);
  } else problems = ctx.fieldValidator.strictFieldProblems(raw, ctx.def);
  if (!problems.length) return;
  if (mode === "Strict") {
    throw errors.badRequest(`${ctx.def.kind} in version "${ctx.def.version}" cannot be handled as a ${ctx.def.kind}: strict decoding error: ${problems.join(", ")}`);
  }
  ctx.warnings.push(...problems);
}

function truncate(s: string): string {
  return s.length > 200 ? `${s.slice(0, 200)}...` : s;
}
