/**
 * Parses a URL path into what it addresses (as upstream's RequestInfoFactory): the API group,
 * version, namespace, resource, name and subresource, or a non-resource path.
 */
import { errors } from "../machinery/errors.js";

export interface ResourceRequestInfo {
  isResource: true;
  group: string;
  version: string;
  /** Present for namespaced requests (`/namespaces/{ns}/...`), and for namespace objects themselves. */
  namespace?: string;
  resource: string;
  name?: string;
  subresource?: string;
  /** `/api` or `/apis/{group}` prefix form with no resource: discovery paths are non-resource. */
}

export interface NonResourceRequestInfo {
  isResource: false;
  path: string;
}

export type RequestInfo = ResourceRequestInfo | NonResourceRequestInfo;

/**
 * Splits `/api/v1/...` and `/apis/{g}/{v}/...`. Discovery paths (`/api`, `/api/v1`, `/apis`,
 * `/apis/g`, `/apis/g/v`) are non-resource requests.
 */
export function parseRequestInfo(path: string): RequestInfo {
  const parts = path.split("/").filter((p) => p !== "");
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === "api") {
    if (parts.length <= 2) return { isResource: false, path };
    group = "";
    version = parts[1]!;
    rest = parts.slice(2);
  } else if (parts[0] === "apis") {
    if (parts.length <= 3) return { isResource: false, path };
    group = parts[1]!;
    version = parts[2]!;
    rest = parts.slice(3);
  } else {
    return { isResource: false, path };
  }
  const seg = rest.map(decodeSegment);
  // /namespaces/{ns}/{resource}/... is a namespaced request; /namespaces, /namespaces/{name}
  // and /namespaces/{name}/{status|finalize} address namespace objects themselves.
  if (seg[0] === "namespaces" && seg.length >= 3 && seg[2] !== "status" && seg[2] !== "finalize") {
    return { isResource: true, group, version, namespace: seg[1]!, resource: seg[2]!, name: seg[3], subresource: seg[4], ...tooDeep(seg, 5) };
  }
  if (seg[0] === "namespaces") {
    return { isResource: true, group, version, resource: "namespaces", name: seg[1], subresource: seg[2], namespace: seg[1], ...tooDeep(seg, 3) };
  }
  return { isResource: true, group, version, resource: seg[0]!, name: seg[1], subresource: seg[2], ...tooDeep(seg, 3) };
}

function tooDeep(seg: string[], max: number): Record<string, never> {
  if (seg.length > max) throw errors.notFoundPath(seg.join("/"));
  return {};
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw errors.badRequest(`invalid path segment ${JSON.stringify(s)}`);
  }
}
