/** URL building shared by the client and the transports: resource paths and query strings. */
import { errors } from "../machinery/errors.js";
import type { ResourceRef, TransportRequest } from "./interfaces.js";

/** `/api/v1` for the core group, `/apis/<group>/<version>` otherwise. */
export function groupVersionPath(group: string, version: string): string {
  return group ? `/apis/${group}/${version}` : `/api/${version}`;
}

/**
 * The path of a collection (no name), an object, or an object's subresource. A namespaced
 * resource without a namespace addresses all namespaces, which only list and watch allow.
 */
export function resourcePath(ref: ResourceRef, namespace: string | undefined, name?: string, subresource?: string): string {
  let p = groupVersionPath(ref.group, ref.version);
  if (ref.namespaced && namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
  else if (ref.namespaced && name !== undefined) {
    throw errors.badRequest(`a namespace is required to address ${ref.plural} "${name}"`);
  }
  p += `/${ref.plural}`;
  if (name !== undefined) {
    if (name === "") throw errors.badRequest(`resource name may not be empty`);
    p += `/${encodeURIComponent(name)}`;
  }
  if (subresource) p += `/${subresource}`;
  return p;
}

/** The query string (without `?`); undefined values are left out. */
export function encodeQuery(query: TransportRequest["query"]): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.append(k, String(v));
  return params.toString();
}

/** Path plus query, as it goes on the wire. */
export function requestTarget(req: TransportRequest): string {
  const q = encodeQuery(req.query);
  return q ? `${req.path}?${q}` : req.path;
}

/** The request body as text: strings go as they are, anything else as JSON. */
export function encodeBody(body: unknown): string | undefined {
  if (body === undefined) return undefined;
  return typeof body === "string" ? body : JSON.stringify(body);
}
