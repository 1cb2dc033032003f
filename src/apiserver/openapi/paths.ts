/**
 * `paths` of an OpenAPI v3 group/version document, laid out as upstream's: collection and item
 * paths per resource, the all-namespaces list, watch paths, and subresources. Every operation
 * carries `x-kubernetes-action` and `x-kubernetes-group-version-kind`; kubectl finds the PATCH
 * operation of a kind by its GVK and only validates on the server when that operation has a
 * `fieldValidation` parameter.
 */
import { verbsOf, type ResourceDef, type Verb } from "../../machinery/resource.js";
import type { SchemaSet } from "../../machinery/schema.js";
import {
  deleteCollectionParams,
  deleteParams,
  listParams,
  namespaceParam,
  p,
  patchParams,
  pathParam,
  writeParams,
  type Parameter,
} from "./params.js";

const meta = "io.k8s.apimachinery.pkg.apis.meta.v1.";
export const metaDefinitions = {
  deleteOptions: meta + "DeleteOptions",
  status: meta + "Status",
  patch: meta + "Patch",
  watchEvent: meta + "WatchEvent",
  apiResourceList: meta + "APIResourceList",
};
export const scaleDefinition = "io.k8s.api.autoscaling.v1.Scale";

export interface GVK {
  group: string;
  kind: string;
  version: string;
}

type Schema = Record<string, unknown>;
type Operation = Record<string, unknown>;
type PathItem = Record<string, unknown>;

const objectTypes = ["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"];
const streamTypes = [...objectTypes, "application/json;stream=watch", "application/vnd.kubernetes.protobuf;stream=watch"];
const patchTypes = ["application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json"];
const connectSubresources = new Set(["exec", "attach", "portforward", "proxy"]);

const schemaRef = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

function content(schema: Schema, types: string[]): Record<string, { schema: Schema }> {
  const out: Record<string, { schema: Schema }> = {};
  for (const t of types) out[t] = { schema };
  return out;
}

function ok(schema: Schema, types = objectTypes, codes: string[] = ["200"]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const text: Record<string, string> = { "200": "OK", "201": "Created", "202": "Accepted" };
  for (const code of codes) out[code] = { description: text[code], content: content(schema, types) };
  out["401"] = { description: "Unauthorized" };
  return out;
}

const body = (schema: Schema, required = true) => ({ content: { "*/*": { schema } }, ...(required ? { required: true } : {}) });
const patchBody = () => ({ content: content(schemaRef(metaDefinitions.patch), patchTypes), required: true });

/** "" → "Core", "rbac.authorization.k8s.io" → "RbacAuthorization", "example.com" → "ExampleCom". */
export function groupWord(group: string): string {
  if (!group) return "Core";
  return group
    .replace(/\.k8s\.io$/, "")
    .split(/[.-]/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join("");
}

/** The operation tag: `core_v1`, `apps_v1`, `rbacAuthorization_v1`. */
export function tagOf(group: string, version: string): string {
  const w = groupWord(group);
  return `${w[0]!.toLowerCase()}${w.slice(1)}_${version}`;
}

/** `/api/v1` or `/apis/<group>/<version>`. */
export function basePath(group: string, version: string): string {
  return group ? `/apis/${group}/${version}` : `/api/${version}`;
}

export interface PathContext {
  schemas: SchemaSet;
  /** The definition name of a kind, if the schema set has one. */
  definitionOf(gvk: GVK): string | undefined;
}

/** Paths of one group/version, for the resources given (all of that group/version). */
export function buildPaths(group: string, version: string, resources: ResourceDef[], ctx: PathContext): Record<string, PathItem> {
  const paths: Record<string, PathItem> = {};
  const base = basePath(group, version);
  const tags = [tagOf(group, version)];
  const gvWord = groupWord(group) + version[0]!.toUpperCase() + version.slice(1);

  paths[`${base}/`] = {
    get: {
      description: "get available resources",
      operationId: `get${gvWord}APIResources`,
      responses: ok(schemaRef(metaDefinitions.apiResourceList), objectTypes),
      tags,
    },
  };

  for (const r of [...resources].sort((a, b) => a.plural.localeCompare(b.plural))) {
    addResource(paths, r, base, gvWord, tags, ctx);
  }
  return paths;
}

function listDefinition(r: ResourceDef, schemas: SchemaSet): Schema {
  const name = `${r.schema}List`;
  if (schemas.get(name)) return schemaRef(name);
  return {
    type: "object",
    required: ["items"],
    properties: {
      apiVersion: { type: "string" },
      kind: { type: "string" },
      metadata: { allOf: [schemaRef(meta + "ListMeta")] },
      items: { type: "array", items: { allOf: [schemaRef(r.schema)] } },
    },
  };
}

function addResource(paths: Record<string, PathItem>, r: ResourceDef, base: string, gvWord: string, tags: string[], ctx: PathContext): void {
  const verbs = new Set<Verb>(verbsOf(r));
  const gvk: GVK = { group: r.group, kind: r.kind, version: r.version };
  const obj = schemaRef(r.schema);
  const list = listDefinition(r, ctx.schemas);
  const status = schemaRef(metaDefinitions.status);
  const ns = r.namespaced ? "Namespaced" : "";
  const nsParams: Parameter[] = r.namespaced ? [namespaceParam] : [];
  const collection = r.namespaced ? `${base}/namespaces/{namespace}/${r.plural}` : `${base}/${r.plural}`;
  const item = `${collection}/{name}`;
  const op = (action: string, id: string, description: string, rest: Operation, kind: GVK = gvk): Operation => ({
    description,
    operationId: id,
    ...rest,
    tags,
    "x-kubernetes-action": action,
    "x-kubernetes-group-version-kind": kind,
  });
  const K = r.kind;

  // The collection.
  const coll: PathItem = {};
  if (verbs.has("list")) {
    coll.get = op("list", `list${gvWord}${ns}${K}`, `list or watch objects of kind ${K}`, { parameters: listParams, responses: ok(list, streamTypes) });
  }
  if (verbs.has("create")) {
    coll.post = op("post", `create${gvWord}${ns}${K}`, `create a ${K}`, { parameters: writeParams, requestBody: body(obj), responses: ok(obj, objectTypes, ["200", "201", "202"]) });
  }
  if (verbs.has("deletecollection")) {
    coll.delete = op("deletecollection", `delete${gvWord}Collection${ns}${K}`, `delete collection of ${K}`, {
      parameters: deleteCollectionParams,
      requestBody: body(schemaRef(metaDefinitions.deleteOptions), false),
      responses: ok(status),
    });
  }
  if (Object.keys(coll).length) paths[collection] = { ...coll, parameters: [...nsParams, p.pretty] };

  // Lists across namespaces.
  if (r.namespaced && verbs.has("list")) {
    paths[`${base}/${r.plural}`] = {
      get: op("list", `list${gvWord}${K}ForAllNamespaces`, `list or watch objects of kind ${K}`, { responses: ok(list, streamTypes) }),
      parameters: [...listParams, p.pretty],
    };
  }

  // One object.
  const one: PathItem = {};
  if (verbs.has("get")) one.get = op("get", `read${gvWord}${ns}${K}`, `read the specified ${K}`, { responses: ok(obj) });
  if (verbs.has("update")) {
    one.put = op("put", `replace${gvWord}${ns}${K}`, `replace the specified ${K}`, { parameters: writeParams, requestBody: body(obj), responses: ok(obj, objectTypes, ["200", "201"]) });
  }
  if (verbs.has("patch")) {
    one.patch = op("patch", `patch${gvWord}${ns}${K}`, `partially update the specified ${K}`, { parameters: patchParams, requestBody: patchBody(), responses: ok(obj, objectTypes, ["200", "201"]) });
  }
  if (verbs.has("delete")) {
    one.delete = op("delete", `delete${gvWord}${ns}${K}`, `delete a ${K}`, {
      parameters: deleteParams,
      requestBody: body(schemaRef(metaDefinitions.deleteOptions), false),
      responses: ok(status, objectTypes, ["200", "202"]),
    });
  }
  const itemParams = [pathParam("name", `name of the ${K}`), ...nsParams, p.pretty];
  if (Object.keys(one).length) paths[item] = { ...one, parameters: itemParams };

  // Subresources that read and write (a view of) the object.
  const rw = (sub: string, word: string, schema: Schema, kind: GVK, subject: string) => {
    paths[`${item}/${sub}`] = {
      get: op("get", `read${gvWord}${ns}${K}${word}`, `read ${sub} of the specified ${K}`, { responses: ok(schema) }, kind),
      put: op("put", `replace${gvWord}${ns}${K}${word}`, `replace ${sub} of the specified ${K}`, { parameters: writeParams, requestBody: body(schema), responses: ok(schema, objectTypes, ["200", "201"]) }, kind),
      patch: op("patch", `patch${gvWord}${ns}${K}${word}`, `partially update ${sub} of the specified ${K}`, { parameters: patchParams, requestBody: patchBody(), responses: ok(schema, objectTypes, ["200", "201"]) }, kind),
      parameters: [pathParam("name", `name of the ${subject}`), ...nsParams, p.pretty],
    };
  };
  if (r.subresources?.status) rw("status", "Status", obj, gvk, K);
  if (r.subresources?.scale) rw("scale", "Scale", schemaRef(scaleDefinition), { group: "autoscaling", kind: "Scale", version: "v1" }, "Scale");

  for (const other of r.subresources?.others ?? []) addOther(paths, r, other, { item, gvWord, ns, nsParams, op, ctx });

  // Watch paths (deprecated upstream in favour of ?watch=true, still served and documented).
  if (verbs.has("watch")) {
    const watchEvent = schemaRef(metaDefinitions.watchEvent);
    const watchBase = r.namespaced ? `${base}/watch/namespaces/{namespace}/${r.plural}` : `${base}/watch/${r.plural}`;
    const watchList = (id: string) => ({
      get: op("watchlist", id, `watch individual changes to a list of ${K}. deprecated: use the 'watch' parameter with a list operation instead.`, { responses: ok(watchEvent, streamTypes) }),
    });
    paths[watchBase] = { ...watchList(`watch${gvWord}${ns}${K}List`), parameters: [...nsParams, ...listParams, p.pretty] };
    paths[`${watchBase}/{name}`] = {
      get: op("watch", `watch${gvWord}${ns}${K}`, `watch changes to an object of kind ${K}. deprecated: use the 'watch' parameter with a list operation instead, filtered to a single item with the 'fieldSelector' parameter.`, {
        responses: ok(watchEvent, streamTypes),
      }),
      parameters: [pathParam("name", `name of the ${K}`), ...nsParams, ...listParams, p.pretty],
    };
    if (r.namespaced) paths[`${base}/watch/${r.plural}`] = { ...watchList(`watch${gvWord}${K}ListForAllNamespaces`), parameters: [...listParams, p.pretty] };
  }
}

type SubresourceSpec = NonNullable<NonNullable<ResourceDef["subresources"]>["others"]>[number];

interface OtherContext {
  item: string;
  gvWord: string;
  ns: string;
  nsParams: Parameter[];
  op: (action: string, id: string, description: string, rest: Operation, kind?: GVK) => Operation;
  ctx: PathContext;
}

function addOther(paths: Record<string, PathItem>, r: ResourceDef, other: SubresourceSpec, c: OtherContext): void {
  const { item, gvWord, ns, nsParams, op } = c;
  const kind: GVK = { group: other.group ?? r.group, kind: other.kind, version: other.version ?? r.version };
  const name = c.ctx.definitionOf(kind);
  const schema: Schema = name ? schemaRef(name) : { type: "string" };
  const word = other.name[0]!.toUpperCase() + other.name.slice(1);
  const connect = connectSubresources.has(other.name);
  const pi: PathItem = {};
  const K = r.kind;
  for (const verb of other.verbs) {
    if (connect) {
      const method = verb === "create" ? "post" : verb === "get" ? "get" : undefined;
      if (!method) continue;
      const M = method[0]!.toUpperCase() + method.slice(1);
      pi[method] = op("connect", `connect${gvWord}${M}${ns}${K}${word}`, `connect ${M} requests to ${other.name} of ${K}`, { responses: ok({ type: "string" }, ["*/*"]) }, kind);
    } else if (verb === "get") pi.get = op("get", `read${gvWord}${ns}${K}${word}`, `read ${other.name} of the specified ${K}`, { responses: ok(schema) }, kind);
    else if (verb === "create") {
      pi.post = op("post", `create${gvWord}${ns}${K}${word}`, `create ${other.name} of a ${K}`, { parameters: writeParams, requestBody: body(schema), responses: ok(schema, objectTypes, ["200", "201", "202"]) }, kind);
    } else if (verb === "update") {
      pi.put = op("put", `replace${gvWord}${ns}${K}${word}`, `replace ${other.name} of the specified ${K}`, { parameters: writeParams, requestBody: body(schema), responses: ok(schema, objectTypes, ["200", "201"]) }, kind);
    } else if (verb === "patch") {
      pi.patch = op("patch", `patch${gvWord}${ns}${K}${word}`, `partially update ${other.name} of the specified ${K}`, { parameters: patchParams, requestBody: patchBody(), responses: ok(schema, objectTypes, ["200", "201"]) }, kind);
    }
  }
  if (Object.keys(pi).length) paths[`${item}/${other.name}`] = { ...pi, parameters: [pathParam("name", `name of the ${kind.kind}`), ...nsParams, p.pretty] };
}
