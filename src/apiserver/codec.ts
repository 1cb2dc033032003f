/**
 * Stored values are JSON written with `apiVersion`, `kind` and `metadata` first and without
 * `resourceVersion`; the revision is spliced in when the value is read. That lets lists and
 * watches pass stored bytes through without parsing them.
 */
import type { KeyValue } from "../storage/backend.js";
import type { KubeObject } from "../machinery/object.js";

/** Serialises an object for storage: resourceVersion dropped, apiVersion/kind/metadata first. */
export function encodeForStorage(obj: KubeObject): string {
  if (inStorageOrder(obj)) return JSON.stringify(obj);
  const { apiVersion, kind, metadata, ...rest } = obj;
  const { resourceVersion: _rv, selfLink: _sl, ...meta } = metadata;
  return JSON.stringify({ apiVersion, kind, metadata: meta, ...rest });
}

/**
 * True when the object already serialises in the stored form (the usual case for a decoded
 * body: apiVersion, kind, metadata first, and nothing to drop), so it needs no copy.
 */
function inStorageOrder(obj: KubeObject): boolean {
  const m = obj.metadata;
  if (typeof m !== "object" || m === null || m.resourceVersion !== undefined || m.selfLink !== undefined) return false;
  if (typeof obj.apiVersion !== "string" || typeof obj.kind !== "string") return false;
  let i = 0;
  for (const k in obj) {
    if (k !== (i === 0 ? "apiVersion" : i === 1 ? "kind" : "metadata")) return false;
    if (++i === 3) return true;
  }
  return false;
}

const metaMarker = '"metadata":{';

/** The stored JSON with `"resourceVersion":"N"` spliced into metadata, without parsing. */
export function withResourceVersion(value: string, revision: number): string {
  const i = value.indexOf(metaMarker);
  if (i < 0) return value;
  const at = i + metaMarker.length;
  const sep = value.charCodeAt(at) === 125 /* } */ ? "" : ",";
  return `${value.slice(0, at)}"resourceVersion":"${revision}"${sep}${value.slice(at)}`;
}

export function decodeKV(kv: KeyValue): KubeObject {
  const obj = JSON.parse(kv.value) as KubeObject;
  obj.metadata.resourceVersion = String(kv.modRevision);
  return obj;
}
