/** Cache keys, as client-go's MetaNamespaceKeyFunc: `namespace/name`, or `name` when cluster-scoped. */
import type { KubeObject } from "../../machinery/object.js";

export function objectKey(obj: KubeObject): string {
  const { namespace, name } = obj.metadata;
  return namespace ? `${namespace}/${name ?? ""}` : name ?? "";
}

/** The inverse of objectKey; `namespace` is undefined for cluster-scoped keys. */
export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const i = key.indexOf("/");
  return i < 0 ? { namespace: undefined, name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}
