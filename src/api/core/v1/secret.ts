/**
 * Secret: `stringData` folded into base64 `data` (as upstream's conversion does), type
 * defaulting and the per-type required keys, immutability.
 */
import type { Secret } from "kubernetes-types/core/v1.js";
import { field, type FieldError } from "../../../machinery/errors.js";
import { age } from "../../printers.js";
import { ageColumn, col, deepEqual, defineResource, isConfigMapKey, keyPath, nameColumn, type Obj } from "./common.js";
import { maxDataSize } from "./configmap.js";

export type SecretObj = Obj<Secret>;

/** The byte offset of the first character Go's base64.StdEncoding rejects, or -1 when valid. */
export function base64ErrorOffset(v: string): number {
  const m = /[^A-Za-z0-9+/=]/.exec(v);
  if (m) return m.index;
  const pad = v.indexOf("=");
  if (pad >= 0) {
    if (!/^=*$/.test(v.slice(pad)) || v.length % 4 !== 0 || v.length - pad > 2) return pad;
  } else if (v.length % 4 === 1) {
    return v.length - 1;
  } else if (v.length % 4 !== 0) {
    return v.length;
  }
  return -1;
}

function dataKeys(s: SecretObj): Record<string, string> {
  return (s.data ?? {}) as Record<string, string>;
}

export function validateSecret(s: SecretObj): FieldError[] {
  const out: FieldError[] = [];
  const data = dataKeys(s);
  let total = 0;
  for (const [k, v] of Object.entries(data)) {
    out.push(...isConfigMapKey(k).map((m) => field.invalid(keyPath("data", k), k, m)));
    if (typeof v !== "string") {
      out.push(field.invalid(keyPath("data", k), v, "must be a base64-encoded string"));
      continue;
    }
    const bad = base64ErrorOffset(v);
    if (bad >= 0) out.push(field.invalid(keyPath("data", k), "<secret contents redacted>", `illegal base64 data at input byte ${bad}`));
    else total += Buffer.from(v, "base64").length;
  }
  if (total > maxDataSize) out.push(field.tooLong("data", maxDataSize));

  const has = (k: string) => Object.prototype.hasOwnProperty.call(data, k);
  const nonEmpty = (k: string) => has(k) && Buffer.from(data[k] ?? "", "base64").length > 0;
  switch (s.type) {
    case "kubernetes.io/service-account-token":
      if (!s.metadata.annotations?.["kubernetes.io/service-account.name"]) {
        out.push(field.required("metadata.annotations[kubernetes.io/service-account.name]"));
      }
      break;
    case "kubernetes.io/dockercfg":
      if (!nonEmpty(".dockercfg")) out.push(field.required(keyPath("data", ".dockercfg")));
      else if (!isJSON(data[".dockercfg"]!)) out.push(field.invalid(keyPath("data", ".dockercfg"), "<secret contents redacted>", "invalid character in .dockercfg"));
      break;
    case "kubernetes.io/dockerconfigjson":
      if (!nonEmpty(".dockerconfigjson")) out.push(field.required(keyPath("data", ".dockerconfigjson")));
      else if (!isJSON(data[".dockerconfigjson"]!)) out.push(field.invalid(keyPath("data", ".dockerconfigjson"), "<secret contents redacted>", "invalid character in .dockerconfigjson"));
      break;
    case "kubernetes.io/basic-auth":
      if (!has("username") && !has("password")) {
        out.push(field.required(keyPath("data", "username")), field.required(keyPath("data", "password")));
      }
      break;
    case "kubernetes.io/ssh-auth":
      if (!nonEmpty("ssh-privatekey")) out.push(field.required(keyPath("data", "ssh-privatekey")));
      break;
    case "kubernetes.io/tls":
      if (!has("tls.crt")) out.push(field.required(keyPath("data", "tls.crt")));
      if (!has("tls.key")) out.push(field.required(keyPath("data", "tls.key")));
      break;
    default:
      break;
  }
  return out;
}

function isJSON(b64: string): boolean {
  try {
    JSON.parse(Buffer.from(b64, "base64").toString("utf8"));
    return true;
  } catch {
    return false;
  }
}

export const secretResource = defineResource<SecretObj>({
  group: "", version: "v1", kind: "Secret",
  plural: "secrets", singular: "secret",
  namespaced: true,
  schema: "io.k8s.api.core.v1.Secret",
  columns: [
    nameColumn,
    col("Type", "string", "Used to facilitate programmatic handling of secret data. More info: https://kubernetes.io/docs/concepts/configuration/secret/#secret-types"),
    col("Data", "string", "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string, representing the arbitrary (possibly non-string) data value here. Described in https://tools.ietf.org/html/rfc4648#section-4"),
    ageColumn,
  ],
  row: (s) => [s.metadata.name ?? "", s.type ?? "", Object.keys(s.data ?? {}).length, age(s.metadata.creationTimestamp)],
  defaults(s) {
    if (!s.type) s.type = "Opaque";
    // stringData is write-only: upstream's conversion merges it into data and drops it.
    if (s.stringData) {
      const data = { ...dataKeys(s) };
      for (const [k, v] of Object.entries(s.stringData)) data[k] = Buffer.from(String(v), "utf8").toString("base64");
      s.data = data;
      delete s.stringData;
    }
  },
  validate: validateSecret,
  validateUpdate(s, old) {
    const out = validateSecret(s);
    if ((s.type ?? "") !== (old.type ?? "")) out.push(field.invalid("type", s.type, "field is immutable"));
    if (old.immutable === true) {
      if (s.immutable !== true) out.push(field.forbidden("immutable", "field is immutable when `immutable` is set"));
      if (!deepEqual(s.data ?? {}, old.data ?? {})) out.push(field.forbidden("data", "field is immutable when `immutable` is set"));
    }
    return out;
  },
  fieldSelectors: {
    type: (s) => s.type ?? "",
  },
});
