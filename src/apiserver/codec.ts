/**
 * Stored values are JSON written with `apiVersion`, `kind` and `metadata` first and without
 * `resourceVersion`; the revision is spliced in when the value is read. That lets lists and
 * watches pass stored bytes through without parsing them.
 */
import type { KeyValue } from "../storage/backend.js";
import type { KubeObject } from "../machinery/object.js";

/** Serialises an object for storage: resourceVersion dropped, apiVersion/kind/metadata first. */
export function encodeForStorage(obj: KubeObject): string {
  const { apiVersion, kind, metadata, ...rest } = obj;
  const { resourceVersion: _rv, selfLink: _sl, ...meta } = metadata;
  return JSON.stringify({ apiVersion, kind, metadata: meta, ...rest });
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
