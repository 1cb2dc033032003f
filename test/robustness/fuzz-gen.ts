/**
 * Seeded generators of bad requests for the fuzz suite: garbled JSON, YAML and protobuf
 * bodies, oversized bodies, malformed paths, odd methods, headers and content types, garbled
 * patches of all four types, random selectors and query parameters, kind/apiVersion and
 * name mismatches, and invalid names and labels. Each case is built from its own PRNG
 * (seed, index), so case N is the same whatever order or concurrency the runner uses.
 *
 * Some generators know the exact answer (a 413, a 404 with upstream's message, a 422 with
 * causes...) and say so in `expect`; the rest only promise "a Status, never a 5xx".
 */
import { stringify as toYaml } from "yaml";
import type { RequestSpec } from "./https.js";

export interface Expectation {
  /** The HTTP status must be one of these. */
  codes: number[];
  reason?: string;
  message?: string | RegExp;
  /** A 422 must list field causes; when set, at least one cause names this field. */
  causeField?: string;
}

export interface FuzzCase {
  index: number;
  generator: string;
  /** h1 for things HTTP/2 cannot carry, h2 for methods Node's HTTP/1 parser rejects, any otherwise. */
  transport: "h1" | "h2" | "any";
  spec: RequestSpec;
  expect?: Expectation;
  /** 5xx codes upstream itself answers for this input (a watch from a far-future resourceVersion → 504). */
  allow5xx?: number[];
}

export type Rng = () => number;

/** mulberry32: small, fast, good enough to pick fuzz inputs. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The PRNG for case `index` under `seed`. */
export function caseRng(seed: number, index: number): Rng {
  return mulberry32((Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(index + 1, 0xc2b2ae35)) >>> 0);
}

class Pick {
  constructor(readonly rng: Rng) {}
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.rng() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.rng() < p;
  }
  one<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rng() * xs.length)]!;
  }
  str(len: number, alphabet = "abcdefghijklmnopqrstuvwxyz0123456789-._"): string {
    let s = "";
    for (let i = 0; i < len; i++) s += alphabet[Math.floor(this.rng() * alphabet.length)];
    return s;
  }
  bytes(len: number): Buffer {
    const b = Buffer.alloc(len);
    for (let i = 0; i < len; i++) b[i] = Math.floor(this.rng() * 256);
    return b;
  }
}

export const FUZZ_NS = "fuzz";
export const MAX_BODY = 3 * 1024 * 1024;
export const NOT_FOUND_MESSAGE = "the server could not find the requested resource";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export interface Kind {
  plural: string;
  /** Collection path in the fuzz namespace (or cluster-wide for cluster-scoped kinds). */
  collection: string;
  apiVersion: string;
  kind: string;
  make(name: string): { [k: string]: Json };
}

const core = (plural: string) => `/api/v1/namespaces/${FUZZ_NS}/${plural}`;
const grouped = (gv: string, plural: string) => `/apis/${gv}/namespaces/${FUZZ_NS}/${plural}`;
const podSpec = (): { [k: string]: Json } => ({
  containers: [{ name: "c", image: "nginx:1.27", ports: [{ containerPort: 80, protocol: "TCP" }], env: [{ name: "A", value: "1" }], resources: { limits: { cpu: "100m", memory: "64Mi" } } }],
});

/** The kinds the fuzz writes to; `seed` objects of each exist before it starts. */
export const kinds: Kind[] = [
  { plural: "configmaps", collection: core("configmaps"), apiVersion: "v1", kind: "ConfigMap", make: (name) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, labels: { app: "fuzz" } }, data: { key: "value" } }) },
  { plural: "secrets", collection: core("secrets"), apiVersion: "v1", kind: "Secret", make: (name) => ({ apiVersion: "v1", kind: "Secret", metadata: { name }, type: "Opaque", stringData: { user: "admin" } }) },
  { plural: "pods", collection: core("pods"), apiVersion: "v1", kind: "Pod", make: (name) => ({ apiVersion: "v1", kind: "Pod", metadata: { name, labels: { app: "fuzz" } }, spec: podSpec() }) },
  { plural: "services", collection: core("services"), apiVersion: "v1", kind: "Service", make: (name) => ({ apiVersion: "v1", kind: "Service", metadata: { name }, spec: { selector: { app: "fuzz" }, ports: [{ port: 80, targetPort: 8080 }] } }) },
  {
    plural: "deployments", collection: grouped("apps/v1", "deployments"), apiVersion: "apps/v1", kind: "Deployment",
    make: (name) => ({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name }, spec: { replicas: 1, selector: { matchLabels: { app: "fuzz" } }, template: { metadata: { labels: { app: "fuzz" } }, spec: podSpec() } } }),
  },
  {
    plural: "cronjobs", collection: grouped("batch/v1", "cronjobs"), apiVersion: "batch/v1", kind: "CronJob",
    make: (name) => ({ apiVersion: "batch/v1", kind: "CronJob", metadata: { name }, spec: { schedule: "*/5 * * * *", jobTemplate: { spec: { template: { spec: { ...podSpec(), restartPolicy: "OnFailure" } } } } } }),
  },
  {
    plural: "ingresses", collection: grouped("networking.k8s.io/v1", "ingresses"), apiVersion: "networking.k8s.io/v1", kind: "Ingress",
    make: (name) => ({ apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name }, spec: { rules: [{ host: "a.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "s", port: { number: 80 } } } }] } }] } }),
  },
  {
    plural: "roles", collection: grouped("rbac.authorization.k8s.io/v1", "roles"), apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role",
    make: (name) => ({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name }, rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] }] }),
  },
  { plural: "namespaces", collection: "/api/v1/namespaces", apiVersion: "v1", kind: "Namespace", make: (name) => ({ apiVersion: "v1", kind: "Namespace", metadata: { name, labels: { fuzz: "yes" } } }) },
];

/** The name of each kind's pre-created object (the namespace's is the fuzz namespace itself). */
export function seedName(k: Kind): string {
  return k.kind === "Namespace" ? FUZZ_NS : "seed";
}

const weirdValues: Json[] = [
  null, true, false, 0, -1, 1.5, -0, 2 ** 53 + 1, Number.MAX_VALUE, 1e-300, "", " ", "\u0000", "\ud800", "😀", "<script>",
  "${jndi:ldap://x}", "1Gi", "-5", "NaN", "Infinity", [], [null], {}, { $patch: "delete" }, { "": "" }, [[[]]],
  { a: { b: { c: [1, "2", null] } } }, "x".repeat(5000), Array.from({ length: 300 }, (_, i) => i),
];

/** A fresh copy each time: the cases mutate what they get, and must not share or alter these. */
function weird(p: Pick): Json {
  return structuredClone(p.one(weirdValues));
}

/** Number literals JSON.stringify cannot produce. */
const weirdNumberTexts = ["1e400", "-1e400", "123456789012345678901234567890", "0x10", "01", "1.", ".5", "+1", "NaN", "Infinity", "-", "1e", "9".repeat(400)];

function paths(v: Json, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...prefix, i], out));
  else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) paths(x, [...prefix, k], out);
  return out;
}

function setAt(root: Json, path: (string | number)[], value: Json | undefined): Json {
  if (path.length === 0) return value === undefined ? null : value;
  let cur = root as { [k: string]: Json } | Json[];
  for (const seg of path.slice(0, -1)) cur = (cur as Record<string | number, Json>)[seg] as { [k: string]: Json } | Json[];
  const last = path[path.length - 1]!;
  if (value === undefined) {
    if (Array.isArray(cur)) cur.splice(Number(last), 1);
    else delete cur[last as string];
  } else {
    (cur as Record<string | number, Json>)[last] = value;
  }
  return root;
}

/** Swaps types, drops fields and adds odd ones, anywhere in the object. */
function mutateTree(p: Pick, obj: Json, rounds: number): Json {
  let root = obj;
  for (let i = 0; i < rounds; i++) {
    const all = paths(root);
    const at = p.one(all);
    const r = p.rng();
    if (r < 0.55) root = setAt(root, at, weird(p));
    else if (r < 0.75 && at.length > 0) root = setAt(root, at, undefined);
    else {
      const target = at.reduce<Json>((v, seg) => (v as Record<string | number, Json>)[seg]!, root);
      if (target && typeof target === "object" && !Array.isArray(target)) target[p.one(["$patch", "status", "extra", p.str(p.int(1, 12)), "apiVersion", "kind", "metadata", "spec", "$setElementOrder/containers", "$retainKeys", "x".repeat(300)])] = weird(p);
    }
  }
  return root;
}

/** Byte-level damage to a serialized body. */
function mutateText(p: Pick, text: string): Buffer {
  const r = p.rng();
  const b = Buffer.from(text, "utf8");
  if (r < 0.2) return b.subarray(0, p.int(0, Math.max(0, b.length - 1)));
  if (r < 0.3) return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), b]);
  if (r < 0.45) {
    const invalid = p.one([[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xc0, 0xaf], [0x80], [0x00]]);
    const at = p.int(0, b.length);
    return Buffer.concat([b.subarray(0, at), Buffer.from(invalid), b.subarray(at)]);
  }
  if (r < 0.6) {
    // Replace one number or string literal with a number JSON cannot hold.
    const literals = [...text.matchAll(/-?\d+(\.\d+)?([eE][-+]?\d+)?|"(?:[^"\\]|\\.)*"/g)];
    if (literals.length) {
      const m = p.one(literals);
      return Buffer.from(text.slice(0, m.index) + p.one(weirdNumberTexts) + text.slice(m.index! + m[0].length));
    }
  }
  if (r < 0.75) {
    // Duplicate keys: repeat the first member, or inject another metadata.
    const dup = p.one([`"metadata":{"name":"dup"},`, `"kind":"Secret",`, `"apiVersion":"v9",`, `"metadata":null,`, `"a":1,"a":2,`]);
    const at = text.indexOf("{") + 1;
    return Buffer.from(text.slice(0, at) + dup + text.slice(at));
  }
  if (r < 0.9) {
    const at = p.int(0, b.length);
    const n = p.int(1, 16);
    return Buffer.concat([b.subarray(0, at), p.bytes(n), b.subarray(Math.min(b.length, at + p.int(0, 8)))]);
  }
  return Buffer.concat([b, Buffer.from(p.one(["}", "]", ",", "garbage", "\n{}", "\u0000", "//c", "/*", "\"\\u12\""]))]);
}

function deepJson(p: Pick): string {
  const depth = p.one([1000, 10_000, 100_000, 300_000]);
  const open = p.chance(0.5) ? "[".repeat(depth) : `{"a":`.repeat(depth);
  const close = open.startsWith("[") ? "]".repeat(depth) : "}".repeat(depth);
  const inner = `${open}1${close}`;
  return p.one([
    inner,
    `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep","labels":${inner}},"data":{}}`,
    `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep"},"data":{"k":${inner}}}`,
    `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep"},"binaryData":${inner}}`,
    `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"deep"},"spec":{"template":{"spec":${inner}}}}`,
    `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep","annotations":{"a":"b"},"ownerReferences":${inner}}}`,
  ]);
}

function yamlBody(p: Pick, obj: Json): string {
  const r = p.rng();
  const y = toYaml(obj);
  if (r < 0.25) return y.slice(0, p.int(0, y.length));
  if (r < 0.35) return y.replace(/^ {2}/gm, "\t");
  if (r < 0.45) {
    // Alias fan-out ("billion laughs").
    let s = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n";
    for (let i = 1; i < 9; i++) s += `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(",")}]\n`;
    return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: laughs\n${s}`;
  }
  if (r < 0.55) return `${y}\n---\n${y}`;
  if (r < 0.65) return p.one(["[".repeat(20_000), "{a: ".repeat(20_000), "- ".repeat(5000) + "x", `${"  ".repeat(3000)}a: b`]);
  if (r < 0.75) {
    return p.one([
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: !!binary AAAA\n  b: !!float .nan\n  c: !!timestamp 2001-12-14\n",
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  name: y\n",
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  ? [complex, key]\n  : v\n",
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  1: 2\n  true: false\n  null: ~\n",
      "%YAML 1.1\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
      "apiVersion: v1\nkind: ConfigMap\nmetadata: &m {name: x, labels: *m}\n",
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  <<: {name: x}\n  labels: {<<: [{a: b}]}\n",
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: 1e400, b: 0x1F, c: 0o17, d: 123456789012345678901234567890}\n",
      "apiVersion: v1\nkind: !!js/function 'function(){}'\n",
      "\ufeffapiVersion: v1\nkind: ConfigMap\nmetadata: {name: bom}\n",
      "",
      "~",
      "- a\n- b\n",
      "'just a string'",
    ]);
  }
  return mutateText(p, y).toString("latin1");
}

function protobufBody(p: Pick): Buffer {
  const magic = Buffer.from([0x6b, 0x38, 0x73, 0x00]);
  const r = p.rng();
  if (r < 0.3) return p.bytes(p.int(0, 200));
  if (r < 0.7) return Buffer.concat([magic, p.bytes(p.int(0, 300))]);
  // A runtime.Unknown with a plausible TypeMeta and a garbage raw payload (or lengths that lie).
  const str = (field: number, s: string): Buffer => Buffer.concat([Buffer.from([(field << 3) | 2, s.length]), Buffer.from(s)]);
  const typeMeta = Buffer.concat([str(1, p.one(["v1", "apps/v1", "", "x".repeat(100)])), str(2, p.one(["ConfigMap", "Deployment", "Secret", "Nope", ""]))]);
  const raw = p.chance(0.5) ? p.bytes(p.int(0, 100)) : Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]);
  const unknown = Buffer.concat([Buffer.from([0x0a, typeMeta.length]), typeMeta, Buffer.from([0x12, raw.length]), raw]);
  return Buffer.concat([magic, p.chance(0.2) ? unknown.subarray(0, p.int(0, unknown.length)) : unknown]);
}

const jsonTypes = ["application/json", "application/json; charset=utf-8", "APPLICATION/JSON", "application/json;foo=bar", "application/json ; charset=latin1"];
const yamlTypes = ["application/yaml", "application/x-yaml", "text/yaml", "application/yaml; charset=utf-8"];
const badTypes = ["text/plain", "application/xml", "multipart/form-data; boundary=x", "text/html", "image/png", "application/octet-stream", "application/x-www-form-urlencoded"];
const oddTypes = ["", "*/*", "application/", "/json", "application/json-patch+json", "application/merge-patch+json", "%%%", "application/json,text/plain", ";", "a".repeat(2000), "application/vnd.kubernetes.protobuf;stream=watch", "application/cbor"];
const patchTypes = ["application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json", "application/apply-patch+yaml"];

function jsonHeaders(body: unknown): Record<string, string> {
  return body === undefined ? {} : { "content-type": "application/json" };
}

export type Generator = (p: Pick, index: number) => Omit<FuzzCase, "index" | "generator">;

function objectTarget(p: Pick, k: Kind, method: string): string {
  if (method === "POST") return k.collection;
  return `${k.collection}/${p.chance(0.7) ? seedName(k) : `fz-${p.str(6, "abcdefghij")}`}`;
}

const garbledJson: Generator = (p) => {
  const k = p.one(kinds);
  const method = p.chance(0.6) ? "POST" : "PUT";
  const base = k.make(method === "PUT" ? seedName(k) : `fz-${p.str(8, "abcdefghijklmnop")}`);
  const tree = mutateTree(p, base, p.int(0, 4));
  const text = JSON.stringify(tree);
  const body = p.chance(0.6) ? mutateText(p, text) : Buffer.from(text);
  const q = p.one(["", "?fieldValidation=Strict", "?fieldValidation=Warn", "?fieldValidation=Ignore", "?dryRun=All", "?fieldValidation=bogus"]);
  return { transport: "any", spec: { method, path: objectTarget(p, k, method) + q, headers: { "content-type": p.one(jsonTypes) }, body } };
};

const deepBody: Generator = (p) => {
  const k = p.one(kinds.slice(0, 5));
  return { transport: "any", spec: { method: "POST", path: `${p.chance(0.7) ? kinds[0]!.collection : k.collection}${p.one(["", "?fieldValidation=Strict", "?fieldValidation=Ignore"])}`, headers: { "content-type": "application/json" }, body: deepJson(p) } };
};

const garbledYaml: Generator = (p) => {
  const k = p.one(kinds);
  const method = p.chance(0.7) ? "POST" : "PUT";
  const tree = mutateTree(p, k.make(method === "PUT" ? seedName(k) : `fz-${p.str(8, "abcdefghijklmnop")}`), p.int(0, 3));
  return { transport: "any", spec: { method, path: objectTarget(p, k, method), headers: { "content-type": p.one(yamlTypes) }, body: Buffer.from(yamlBody(p, tree), "latin1") } };
};

const garbledProtobuf: Generator = (p) => {
  const k = p.one(kinds);
  const method = p.chance(0.8) ? "POST" : "PUT";
  return { transport: "any", spec: { method, path: objectTarget(p, k, method), headers: { "content-type": "application/vnd.kubernetes.protobuf", accept: "application/json" }, body: protobufBody(p) } };
};

/** Bodies past the 3 MiB limit: always 413, whether the length is declared or chunked. */
const bigBody: Generator = (p) => {
  const k = p.one(kinds.slice(0, 5));
  const method = p.one(["POST", "PUT", "PATCH"]);
  const size = MAX_BODY + p.int(1, 256 * 1024);
  const filler = "x".repeat(size);
  const body = Buffer.from(JSON.stringify({ apiVersion: k.apiVersion, kind: k.kind, metadata: { name: seedName(k) }, data: { big: filler } }));
  const chunked = p.chance(0.4);
  const ct = method === "PATCH" ? "application/merge-patch+json" : "application/json";
  return {
    transport: chunked ? "h1" : "any",
    spec: { method, path: method === "POST" ? k.collection : `${k.collection}/${seedName(k)}`, headers: { "content-type": ct }, body, chunked },
    expect: { codes: [413], reason: "RequestEntityTooLarge" },
  };
};

const pathSegments = [
  "api", "apis", "v1", "v2", "apps", "v1beta1", "namespaces", FUZZ_NS, "default", "kube-system", "configmaps", "pods", "deployments",
  "status", "scale", "log", "exec", "binding", "eviction", "proxy", "finalize", "..", ".", "%2F", "%2e%2e", "%2E", "a%2Fb", "%00", "%ZZ", "%",
  "~", "%C0%AF", "%E2%80%AE", "%F0%9F%98%80", "*", "'", "(", ")", "$", "!", "@", ";", ":", "=", "&", "+", ",", "seed", "%3F", "%23",
  "%20", "\u00e9", "watch", "openapi", "v3", "version", "healthz", "readyz", "livez", "metrics", "ui", "",
];

function encodeLatin1(s: string): string {
  // Node's HTTP/1 client refuses raw non-ASCII or control characters in the path.
  return s.replace(/[^\x21-\x7e]/g, (c) => encodeURIComponent(c));
}

const randomPath: Generator = (p) => {
  const n = p.int(0, 9);
  const segs: string[] = [];
  for (let i = 0; i < n; i++) segs.push(p.chance(0.15) ? p.str(p.int(1, 20), "abcdefghijklmnopqrstuvwxyz%0123456789.-_~") : p.one(pathSegments));
  let path = `/${segs.join(p.chance(0.1) ? "//" : "/")}`;
  if (p.chance(0.1)) path += "/";
  if (p.chance(0.05)) path = `/api/v1/namespaces/${FUZZ_NS}/configmaps/${"x".repeat(p.int(300, 6000))}`;
  if (p.chance(0.05)) path = "/" + "a/".repeat(p.int(100, 1500));
  if (p.chance(0.2)) path += `?${p.one(["watch=1", "limit=1", "a=b&a=c", "%", "=", "&&&", "labelSelector=%", "x=%ZZ"])}`;
  const method = p.one(["GET", "GET", "GET", "POST", "PUT", "PATCH", "HEAD", "OPTIONS"]);
  const body = method === "GET" || method === "HEAD" ? undefined : Buffer.from(JSON.stringify(kinds[0]!.make("fz-path")));
  const headers: Record<string, string> = body ? { "content-type": method === "PATCH" ? "application/merge-patch+json" : "application/json" } : {};
  return { transport: "any", spec: { method, path: encodeLatin1(path), headers, body, streamGraceMs: 150 } };
};

/** Well-formed paths to groups, versions or resources that do not exist: exactly upstream's 404. */
const unknownResource: Generator = (p) => {
  const word = p.str(p.int(3, 10), "abcdefghijklmnopqrstuvwxyz");
  const path = p.one([
    `/api/v1/${word}s`,
    `/api/v1/namespaces/${FUZZ_NS}/${word}s`,
    `/api/v1/namespaces/${FUZZ_NS}/${word}s/x`,
    `/api/v2/namespaces/${FUZZ_NS}/configmaps`,
    `/api/${word}/pods`,
    `/apis/${word}.example.com/v1/${word}s`,
    `/apis/${word}.example.com/v1/namespaces/${FUZZ_NS}/${word}s/x`,
    `/apis/apps/v9/namespaces/${FUZZ_NS}/deployments`,
    `/apis/apps/v1/namespaces/${FUZZ_NS}/${word}s`,
    `/apis/apps/v1/namespaces/${FUZZ_NS}/deployments/seed/${word}`,
    `/api/v1/namespaces/${FUZZ_NS}/configmaps/seed/${word}`,
    `/apis/${word}.example.com`,
    `/apis/${word}.example.com/v1`,
    `/api/v7`,
    `/${word}`,
    `/${word}/v1/pods`,
  ]);
  const method = p.one(["GET", "GET", "POST", "PUT", "DELETE", "PATCH"]);
  const body = method === "GET" || method === "DELETE" ? undefined : Buffer.from(JSON.stringify(kinds[0]!.make("fz-unknown")));
  const headers: Record<string, string> = body ? { "content-type": method === "PATCH" ? "application/merge-patch+json" : "application/json" } : {};
  return { transport: "any", spec: { method, path, headers, body }, expect: { codes: [404], reason: "NotFound", message: NOT_FOUND_MESSAGE } };
};

/** Node's HTTP/1 parser knows a fixed list of methods; these it parses, the rest go over HTTP/2. */
const h1Methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "OPTIONS", "TRACE", "PROPFIND", "COPY", "MOVE", "LOCK", "MKCOL", "SEARCH", "REPORT", "PURGE", "LINK", "M-SEARCH", "NOTIFY"];
const h2OnlyMethods = ["FOO", "BREW", "get", "Patch", "X-DELETE", "QUERYX", "A".repeat(100)];

const randomMethod: Generator = (p) => {
  const k = p.one(kinds);
  const h2only = p.chance(0.35);
  const method = h2only ? p.one(h2OnlyMethods) : p.one(h1Methods);
  const path = p.chance(0.5) ? k.collection : `${k.collection}/${seedName(k)}`;
  const body = p.chance(0.5) ? Buffer.from(JSON.stringify(k.make(seedName(k)))) : undefined;
  return {
    transport: h2only ? "h2" : "any",
    spec: { method, path: p.chance(0.2) ? `${path}?watch=1&timeoutSeconds=1` : path, headers: jsonHeaders(body), body, streamGraceMs: 150 },
  };
};

const weirdHeaderSets: Record<string, string>[] = [
  { accept: "application/xml" },
  { accept: "application/json;as=Table;v=v9;g=meta.k8s.io" },
  { accept: "application/json;as=Table;v=v1;g=meta.k8s.io, application/json" },
  { accept: "application/json;as=Table" },
  { accept: "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io" },
  { accept: "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList" },
  { accept: "application/vnd.kubernetes.protobuf" },
  { accept: "*/*;q=0.1, text/html;q=x" },
  { accept: ";;;," },
  { "content-encoding": "gzip" },
  { "content-encoding": "br, deflate" },
  { authorization: "Bearer garbage" },
  { authorization: "Basic Zm9vOmJhcg==" },
  { authorization: "Bearer " + "x".repeat(4000) },
  { "impersonate-user": "system:anonymous" },
  { "impersonate-group": "nope" },
  { "user-agent": "" },
  { "user-agent": "kubectl/" + "v".repeat(3000) },
  { "user-agent": "\u00ff\u00fe" },
  { "x-forwarded-for": "1.2.3.4, ::1, garbage" },
  { "x-remote-user": "admin" },
  { "if-none-match": "\"garbage\"" },
  { "if-match": "*" },
  { range: "bytes=0-1" },
  { expect: "100-continue" },
  { te: "trailers" },
  { "accept-encoding": "gzip;q=x, *" },
  { "content-type": "application/json", "content-length": "0" },
  { cookie: "a=b; ".repeat(200) },
  { "x-very-long": "y".repeat(5000) },
];

const weirdHeaders: Generator = (p) => {
  const k = p.one(kinds);
  const method = p.one(["GET", "GET", "POST", "PUT", "PATCH"]);
  const headers: Record<string, string> = {};
  for (let i = p.int(1, 3); i > 0; i--) Object.assign(headers, p.one(weirdHeaderSets));
  let body: Buffer | undefined;
  if (method !== "GET") {
    body = Buffer.from(JSON.stringify(k.make(method === "POST" ? `fz-h-${p.str(6, "abcdefgh")}` : seedName(k))));
    headers["content-type"] ??= method === "PATCH" ? "application/merge-patch+json" : "application/json";
    if (headers["content-length"] !== undefined) delete headers["content-length"];
  }
  const path = method === "POST" ? k.collection : method === "GET" && p.chance(0.5) ? k.collection : `${k.collection}/${seedName(k)}`;
  return { transport: "any", spec: { method, path, headers, body } };
};

/** Create bodies with content types the server does not decode: exactly 415. */
const badContentType: Generator = (p) => {
  const k = p.one(kinds);
  const method = p.chance(0.7) ? "POST" : "PUT";
  return {
    transport: "any",
    spec: { method, path: objectTarget(p, k, method), headers: { "content-type": p.one(badTypes) }, body: JSON.stringify(k.make(method === "PUT" ? seedName(k) : "fz-ct")) },
    expect: { codes: [415], reason: "UnsupportedMediaType" },
  };
};

const oddContentType: Generator = (p) => {
  const k = p.one(kinds);
  const method = p.one(["POST", "PUT", "PATCH"]);
  return { transport: "any", spec: { method, path: objectTarget(p, k, method), headers: { "content-type": p.one(oddTypes) }, body: JSON.stringify(k.make(method === "POST" ? "fz-odd" : seedName(k))) } };
};

const jsonPatchPaths = [
  "/metadata/labels/x", "/metadata/labels", "/spec/replicas", "", "/", "/data/~2", "/data/~1a", "/a/b/c/d", "/metadata/name", "/kind", "/apiVersion",
  "/metadata/resourceVersion", "/metadata/uid", "/metadata/namespace", "/spec/template/spec/containers/-", "/spec/template/spec/containers/99",
  "/spec/containers/0/ports/-", "/spec/containers/-1", "/spec/containers/01", "no-slash", "/metadata/finalizers/-", "/status", "/metadata/managedFields",
  "/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration", "/spec/ports/0/port", "/data", "/stringData/x", "/rules/0/verbs/-",
  "/metadata/labels/" + "k".repeat(300), "/spec/schedule", "/type",
];

function jsonPatchBody(p: Pick): string {
  if (p.chance(0.1)) return JSON.stringify(weird(p));
  const ops: Json[] = [];
  for (let i = p.int(0, 5); i > 0; i--) {
    const op: { [k: string]: Json } = {};
    if (p.chance(0.95)) op.op = p.one(["add", "remove", "replace", "move", "copy", "test", "bogus", "", "ADD", 7]);
    if (p.chance(0.95)) op.path = p.chance(0.9) ? p.one(jsonPatchPaths) : weird(p);
    if (p.chance(0.7)) op.value = weird(p);
    if (p.chance(0.3)) op.from = p.chance(0.8) ? p.one(jsonPatchPaths) : weird(p);
    ops.push(p.chance(0.05) ? weird(p) : op);
  }
  return JSON.stringify(ops);
}

function mergePatchBody(p: Pick, k: Kind): string {
  const options: Json[] = [
    { metadata: { labels: { [p.str(5)]: weird(p) } } },
    { metadata: null },
    { metadata: { name: "other" } },
    { metadata: { resourceVersion: p.one(["1", "abc", "", "999999999"]) } },
    { kind: "Secret" },
    { apiVersion: "v9" },
    { spec: weird(p) },
    { data: weird(p) },
    { spec: { replicas: weird(p) } },
    { spec: { template: { spec: { containers: weird(p) } } } },
    { spec: { containers: [{ name: "c", image: weird(p) }] } },
    { status: { phase: weird(p) } },
    { metadata: { finalizers: weird(p) } },
    { metadata: { deletionTimestamp: "2020-01-01T00:00:00Z" } },
    { metadata: { ownerReferences: [{ apiVersion: "v1", kind: "Pod", name: "x", uid: weird(p), controller: true }] } },
    mutateTree(p, k.make("seed"), 2),
  ];
  return JSON.stringify(p.one(options));
}

function strategicPatchBody(p: Pick, k: Kind): string {
  const directive = (): { [k: string]: Json } => ({ $patch: p.one(["delete", "replace", "merge", "bogus", null, 1] as Json[]) });
  const options: Json[] = [
    directive(),
    { metadata: directive() },
    { spec: { template: { spec: { containers: [{ name: weird(p), ...directive() }] } } } },
    { spec: { template: { spec: { containers: [{ image: "no-name" }] } } } },
    { spec: { containers: [{ name: "c", env: [{ $patch: "delete" }], ports: [{ containerPort: weird(p) }] }] } },
    { spec: { "$setElementOrder/containers": weird(p), containers: [{ name: "c" }] } },
    { spec: { template: { spec: { "$setElementOrder/containers": [{ name: "zzz" }, { nope: 1 }] } } } },
    { metadata: { "$deleteFromPrimitiveList/finalizers": weird(p) } },
    { spec: { $retainKeys: weird(p), replicas: 2 } },
    { spec: { ports: [{ $patch: "replace" }, { port: weird(p) }] } },
    { rules: [{ $patch: "delete", verbs: ["get"] }] },
    { "$setElementOrder/metadata": [] },
    mutateTree(p, k.make("seed"), 3),
  ];
  return JSON.stringify(p.one(options));
}

function applyPatchBody(p: Pick, k: Kind): string {
  const obj = k.make(p.chance(0.8) ? seedName(k) : "other-name");
  if (p.chance(0.2)) obj.kind = p.one(["Secret", "", "ConfigMapList"]);
  if (p.chance(0.1)) obj.apiVersion = p.one(["v9", "apps/v1", ""]);
  const tree = mutateTree(p, obj, p.int(0, 3));
  return p.chance(0.5) ? JSON.stringify(tree) : yamlBody(p, tree);
}

const garbledPatch: Generator = (p) => {
  const k = p.one(kinds);
  const type = p.chance(0.9) ? p.one(patchTypes) : p.one([...badTypes, "application/json", ""]);
  let body: string;
  if (type === "application/json-patch+json") body = jsonPatchBody(p);
  else if (type === "application/merge-patch+json") body = mergePatchBody(p, k);
  else if (type === "application/strategic-merge-patch+json") body = strategicPatchBody(p, k);
  else body = applyPatchBody(p, k);
  const raw = p.chance(0.25) ? mutateText(p, body) : Buffer.from(body, "latin1");
  const query = p.one(["", "?fieldManager=fuzz", "?fieldManager=fuzz&force=true", "?fieldManager=", "?force=maybe", "?fieldValidation=Strict", "?dryRun=All", "?fieldManager=" + "m".repeat(300)]);
  const name = p.chance(0.85) ? seedName(k) : `fz-missing-${p.str(4, "abcd")}`;
  const sub = k.plural === "deployments" && p.chance(0.2) ? p.one(["/status", "/scale"]) : k.plural === "pods" && p.chance(0.15) ? "/status" : "";
  return { transport: "any", spec: { method: "PATCH", path: `${k.collection}/${name}${sub}${query}`, headers: { "content-type": type }, body: raw } };
};

const labelKeys = ["app", "a", "x/y", "example.com/key", "k".repeat(70), "Bad Key", "-a", "a-", "a..b/c", "", "/x", "x/", "a/b/c", "ä", "a_b", "tier"];
const labelValues = ["fuzz", "b", "", "v".repeat(70), "bad value", "-v", "v-", "(", ")", ",", "=", "!", "ü", "*"];
const labelOps = ["=", "==", "!=", " in ", " notin ", "", "!", " exists ", "=!", "===", " IN ", "<", ">", "~="];

function labelSelector(p: Pick): string {
  const reqs: string[] = [];
  for (let i = p.int(1, 4); i > 0; i--) {
    const key = p.one(labelKeys);
    const op = p.one(labelOps);
    if (op.includes("in")) {
      const vals = Array.from({ length: p.int(0, 3) }, () => p.one(labelValues));
      reqs.push(`${key}${op}${p.chance(0.85) ? "(" : ""}${vals.join(p.chance(0.9) ? "," : " ")}${p.chance(0.85) ? ")" : ""}`);
    } else if (op === "!") reqs.push(`!${key}`);
    else if (op === "") reqs.push(key);
    else reqs.push(`${key}${op}${p.one(labelValues)}`);
  }
  let s = reqs.join(p.chance(0.9) ? "," : p.one([";", " ", ",,", "&"]));
  if (p.chance(0.1)) s = p.str(p.int(1, 40), "abc=!(),in notin&|~*");
  return s;
}

function fieldSelector(p: Pick, k: Kind): string {
  const fields = ["metadata.name", "metadata.namespace", "spec.nodeName", "status.phase", "involvedObject.name", "involvedObject.kind", "spec.foo", "type", "", "metadata.labels", "spec.restartPolicy", "spec.schedulerName", "status.podIP"];
  const ops = ["=", "==", "!=", "", " in ", "~", "=="];
  const reqs: string[] = [];
  for (let i = p.int(1, 3); i > 0; i--) reqs.push(`${p.one(fields)}${p.one(ops)}${p.one(["seed", "", "Running", "x,y", "\\,", "a=b", "(", "\\"])}`);
  void k;
  return reqs.join(p.chance(0.9) ? "," : ";");
}

const selectors: Generator = (p) => {
  const k = p.one(kinds);
  const params = new URLSearchParams();
  if (p.chance(0.8)) params.set("labelSelector", labelSelector(p));
  if (p.chance(0.5)) params.set("fieldSelector", fieldSelector(p, k));
  const watch = p.chance(0.2);
  if (watch) {
    params.set("watch", "1");
    params.set("timeoutSeconds", "1");
  }
  if (p.chance(0.2)) params.set("limit", String(p.int(1, 3)));
  const base = p.chance(0.25) && k.kind !== "Namespace" ? k.collection.replace(`/namespaces/${FUZZ_NS}`, "") : k.collection;
  const method = p.chance(0.85) ? "GET" : "DELETE";
  // Deletes only ever touch objects labelled as victims, so the seeds survive the fuzz.
  if (method === "DELETE") params.set("labelSelector", `victim=yes,${params.get("labelSelector") ?? "a"}`);
  return {
    transport: "any",
    spec: { method, path: `${method === "DELETE" ? k.collection : base}?${params.toString()}`, headers: p.chance(0.3) ? { accept: "application/json;as=Table;v=v1;g=meta.k8s.io" } : {} as Record<string, string>, streamGraceMs: 150 },
  };
};

/** Label selectors that cannot parse: exactly 400 BadRequest. */
const badLabelSelector: Generator = (p) => {
  const bad = p.one(["a in (b", "a in b)", "!", "a=b=c", "=b", "a notin b", "a in (b,", "a,", ",a", "a!!=b", "a in", "Bad Key=x", "a=(", "k".repeat(64) + "=v", "x/y/z=1", "a=" + "v".repeat(64), "a=b c"]);
  const k = p.one(kinds);
  return {
    transport: "any",
    spec: { method: "GET", path: `${k.collection}?labelSelector=${encodeURIComponent(bad)}${p.chance(0.3) ? "&watch=1&timeoutSeconds=1" : ""}`, streamGraceMs: 150 },
    expect: { codes: [400], reason: "BadRequest" },
  };
};

const queryValues = ["-1", "0", "1", "abc", "", "99999999999999999999", "1e3", "%00", "true", "True", "yes", "false", "1.5", " 1", "0x10", "-0", "NaN", "x".repeat(500), "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6LTEsInN0YXJ0IjoiIn0", "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MSwic3RhcnQiOjF9", "%%%"];
const queryKeys = ["limit", "continue", "resourceVersion", "resourceVersionMatch", "timeoutSeconds", "watch", "allowWatchBookmarks", "fieldManager", "fieldValidation", "dryRun", "pretty", "propagationPolicy", "gracePeriodSeconds", "orphanDependents", "sendInitialEvents", "includeObject", "as", "force", "labelSelector", "fieldSelector", "exact", "export", "follow", "x"];

const queryParams: Generator = (p) => {
  const k = p.one(kinds);
  const parts: string[] = [];
  for (let i = p.int(1, 5); i > 0; i--) {
    const key = p.one(queryKeys);
    const value = p.one(queryValues);
    parts.push(`${key}=${p.chance(0.85) ? encodeURIComponent(value) : value.replace(/[^\x21-\x7e]/g, "")}`);
  }
  let method = p.one(["GET", "GET", "GET", "POST", "PUT", "PATCH", "DELETE"]);
  let path = p.chance(0.5) ? k.collection : `${k.collection}/${seedName(k)}`;
  let body: string | undefined;
  const headers: Record<string, string> = {};
  if (method === "DELETE") {
    // Deletes go to names nobody uses, so they can only 404 or fail on their parameters.
    path = `${k.collection}/fz-nothing-${p.str(4, "abcd")}`;
  } else if (method !== "GET") {
    if (method === "POST") path = k.collection;
    else if (path === k.collection) method = "GET";
  }
  if (method !== "GET" && method !== "DELETE") {
    body = JSON.stringify(k.make(method === "POST" ? `fz-q-${p.str(6, "abcdefgh")}` : seedName(k)));
    headers["content-type"] = method === "PATCH" ? "application/merge-patch+json" : "application/json";
  }
  if (method === "GET" && p.chance(0.3)) parts.push("watch=true");
  // A watch from a far-future resourceVersion: upstream waits, then 504 "Too large resource version".
  return { transport: "any", spec: { method, path: `${path}?${parts.join("&")}`, headers, body, streamGraceMs: 150 }, allow5xx: [504] };
};

/** Queries upstream rejects with 400 before doing anything. */
const badQuery: Generator = (p) => {
  const k = p.one(kinds);
  const q = p.one([
    "resourceVersion=abc", "resourceVersion=-5", "continue=garbage", "continue=" + encodeURIComponent("eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MSwic3RhcnQiOjF9"),
    "watch=true&resourceVersion=junk", "watch=1&timeoutSeconds=x", "limit=abc", "fieldValidation=bogus&dryRun=All",
  ]);
  const creates = q.startsWith("fieldValidation");
  return {
    transport: "any",
    spec: creates
      ? { method: "POST", path: `${k.collection}?${q}`, headers: { "content-type": "application/json" }, body: JSON.stringify(k.make("fz-bad-query")) }
      : { method: "GET", path: `${k.collection}?${q}`, streamGraceMs: 150 },
    // Upstream answers a malformed resourceVersion with 400 or (through storage) 422.
    expect: { codes: [400, 422] },
  };
};

/** kind or apiVersion in the body that disagree with the URL: exactly 400. */
const kindMismatch: Generator = (p) => {
  const k = p.one(kinds);
  const obj = k.make(p.chance(0.5) ? seedName(k) : "fz-mismatch");
  const other = p.one(kinds.filter((x) => x.kind !== k.kind));
  const r = p.rng();
  if (r < 0.35) obj.kind = other.kind;
  else if (r < 0.6) obj.apiVersion = p.one(["v2", "apps/v1beta1", "nope.example.com/v1", "v1beta1", k.apiVersion === "v1" ? "apps/v1" : "v1"]);
  else if (r < 0.75) { obj.kind = other.kind; obj.apiVersion = other.apiVersion; }
  else if (r < 0.85) delete obj.kind;
  else if (r < 0.9) delete obj.apiVersion;
  else obj.kind = p.one([7, null, ["ConfigMap"], { kind: "x" }, `${k.kind}List`, k.kind.toLowerCase()] as Json[]);
  const method = p.chance(0.6) ? "POST" : "PUT";
  const path = method === "POST" ? k.collection : `${k.collection}/${seedName(k)}`;
  if (method === "PUT") (obj.metadata as { [k: string]: Json }).name = seedName(k);
  const yaml = p.chance(0.2);
  return {
    transport: "any",
    spec: { method, path, headers: { "content-type": yaml ? "application/yaml" : "application/json" }, body: yaml ? toYaml(obj) : JSON.stringify(obj) },
    expect: { codes: [400], reason: "BadRequest" },
  };
};

/** PUT with a body naming another object: exactly 400. */
const nameMismatch: Generator = (p) => {
  const k = p.one(kinds);
  const other = p.one(["other", "seed-2", "fz-x", "Seed"]);
  return {
    transport: "any",
    spec: { method: "PUT", path: `${k.collection}/${seedName(k)}`, headers: { "content-type": "application/json" }, body: JSON.stringify(k.make(other)) },
    expect: { codes: [400], reason: "BadRequest", message: `the name of the object (${other}) does not match the name on the URL (${seedName(k)})` },
  };
};

const invalidNames = ["Bad_Name", "UPPER", "-lead", "trail-", "a..b", "a_b", "has space", "ü", "x".repeat(254), "a/b", "%", "a%2Fb", "*", "under_score.example", ".", ".."];

/** Names or labels that fail validation: exactly 422 Invalid with field causes. */
const invalidMeta: Generator = (p) => {
  const k = p.one(kinds.filter((x) => x.kind !== "Role"));
  const r = p.rng();
  let field: string;
  const obj = k.make(`fz-valid-${p.str(6, "abcdefgh")}`);
  const meta = obj.metadata as { [k: string]: Json };
  if (r < 0.45) {
    meta.name = p.one(k.kind === "Namespace" ? [...invalidNames, "a.b", "x".repeat(64)] : invalidNames);
    field = "metadata.name";
  } else if (r < 0.75) {
    meta.labels = { [p.one(["bad key!", "-a", "a-", "k".repeat(64), "x/y/z", "/x", "a..b/c", "ü"])]: "v" };
    field = "metadata.labels";
  } else if (r < 0.9) {
    meta.labels = { app: p.one(["bad value!", "-v", "v-", "v".repeat(64), "a b", "ü"]) };
    field = "metadata.labels";
  } else {
    meta.annotations = { [p.one(["bad key!", "-a", "k".repeat(64)])]: "v" };
    field = "metadata.annotations";
  }
  return {
    transport: "any",
    spec: { method: "POST", path: k.collection, headers: { "content-type": "application/json" }, body: JSON.stringify(obj) },
    expect: { codes: [422], reason: "Invalid", causeField: field },
  };
};

/** Valid objects labelled as victims, so deletes and deletecollections have something to act on. */
const victims: Generator = (p) => {
  const k = p.one(kinds.slice(0, 4));
  const obj = k.make(`victim-${p.str(8, "abcdefghijklmnop")}`);
  (obj.metadata as { labels: { [k: string]: Json } }).labels = { victim: "yes" };
  return { transport: "any", spec: { method: "POST", path: k.collection, headers: { "content-type": "application/json" }, body: JSON.stringify(obj) } };
};

const deleteOptionsBodies: Json[] = [
  { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: "Bogus" },
  { kind: "DeleteOptions", apiVersion: "v1", gracePeriodSeconds: -5 },
  { kind: "DeleteOptions", apiVersion: "v1", preconditions: { uid: 123 } },
  { kind: "DeleteOptions", apiVersion: "v1", preconditions: { uid: "wrong", resourceVersion: "1" } },
  { kind: "DeleteOptions", apiVersion: "v1", dryRun: ["All", "Nope"] },
  { kind: "ConfigMap", apiVersion: "v1" },
  { kind: "DeleteOptions", apiVersion: "v9" },
  { orphanDependents: true, propagationPolicy: "Foreground" },
  [],
  "x",
];

const deletes: Generator = (p) => {
  const k = p.one(kinds.slice(0, 4));
  const body = p.chance(0.6) ? (p.chance(0.8) ? JSON.stringify(p.one(deleteOptionsBodies)) : mutateText(p, JSON.stringify(p.one(deleteOptionsBodies)))) : undefined;
  const collection = p.chance(0.3);
  const q = p.one(["", "?propagationPolicy=Orphan", "?gracePeriodSeconds=x", "?dryRun=All", "?propagationPolicy=nope", "?gracePeriodSeconds=-1"]);
  const path = collection ? `${k.collection}?labelSelector=victim%3Dyes${q ? `&${q.slice(1)}` : ""}` : `${k.collection}/victim-${p.str(8, "abcdefghijklmnop")}${q}`;
  return { transport: "any", spec: { method: "DELETE", path, headers: jsonHeaders(body), body } };
};

/** name → [weight, generator]. */
export const generators: Record<string, [number, Generator]> = {
  garbledJson: [14, garbledJson],
  deepBody: [2, deepBody],
  garbledYaml: [7, garbledYaml],
  garbledProtobuf: [4, garbledProtobuf],
  bigBody: [1, bigBody],
  randomPath: [8, randomPath],
  unknownResource: [4, unknownResource],
  randomMethod: [5, randomMethod],
  weirdHeaders: [5, weirdHeaders],
  badContentType: [3, badContentType],
  oddContentType: [3, oddContentType],
  garbledPatch: [14, garbledPatch],
  selectors: [7, selectors],
  badLabelSelector: [3, badLabelSelector],
  queryParams: [7, queryParams],
  badQuery: [3, badQuery],
  kindMismatch: [4, kindMismatch],
  nameMismatch: [2, nameMismatch],
  invalidMeta: [4, invalidMeta],
  victims: [2, victims],
  deletes: [3, deletes],
};

/** Case `index` of the run with this seed. */
export function generateCase(seed: number, index: number): FuzzCase {
  const p = new Pick(caseRng(seed, index));
  const entries = Object.entries(generators);
  const total = entries.reduce((n, [, [w]]) => n + w, 0);
  let r = p.rng() * total;
  for (const [name, [w, gen]] of entries) {
    r -= w;
    if (r < 0) return { index, generator: name, ...gen(p, index) };
  }
  const [name, [, gen]] = entries[entries.length - 1]!;
  return { index, generator: name, ...gen(p, index) };
}
