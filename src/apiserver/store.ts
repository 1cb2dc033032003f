/**
 * The generic registry store (upstream's genericregistry.Store): create, get, list, update and
 * delete for any ResourceDef on top of a Backend, with upstream's metadata semantics — uid,
 * generateName, generation, resourceVersion preconditions, finalizers and graceful deletion,
 * dry run, and managedFields through the injected field manager.
 */
import { randomUUID, randomInt } from "node:crypto";
import type { Backend, KeyValue } from "../storage/backend.js";
import { CompactedError, FutureRevisionError, KeyExistsError, KeyNotFoundError, RevisionMismatchError } from "../storage/backend.js";
import { errors, field, StatusError, type FieldError } from "../machinery/errors.js";
import { apiVersionOf, deepCopy, nowRFC3339, type KubeObject } from "../machinery/object.js";
import type { ResourceDef } from "../machinery/resource.js";
import { storageKey, storagePrefix } from "../machinery/registry.js";
import { decodeKV, encodeForStorage, withResourceVersion } from "./codec.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "./meta-validation.js";

/** Records who set which fields (server-side apply's bookkeeping); see machinery/patch. */
export interface FieldManager {
  /** Updates `next.metadata.managedFields` for a non-apply write. */
  recordUpdate(def: ResourceDef, live: KubeObject | undefined, next: KubeObject, manager: string, subresource: string | undefined, now: Date): void;
}

/** Checks and changes a write before it is stored (namespace lifecycle, IP allocation...). */
export interface AdmissionPlugin {
  name: string;
  admit(attrs: AdmissionAttributes): void | Promise<void>;
}

export interface AdmissionAttributes {
  operation: "CREATE" | "UPDATE" | "DELETE";
  def: ResourceDef;
  object: KubeObject;
  old?: KubeObject;
  subresource?: string;
  dryRun: boolean;
  store: ResourceStore;
}

export interface WriteOptions {
  dryRun?: boolean;
  fieldManager?: string;
  subresource?: string;
  now?: Date;
}

export interface ListOptions {
  limit?: number;
  continueToken?: string;
  /** The list's resourceVersion parameter: "" = latest, "0" = any, N = at least/exactly N. */
  resourceVersion?: string;
  resourceVersionMatch?: string;
  /** Returns true to keep an object; the store parses objects only when a filter is given. */
  filter?: (obj: KubeObject) => boolean;
  /** A field selector pinned metadata.name: read that one key instead of the prefix. */
  exactName?: string;
}

export interface ListResult {
  revision: number;
  /** Stored values with their revisions; decode with `decodeKV` or splice with withResourceVersion. */
  kvs: KeyValue[];
  /** Parsed objects when a filter ran (same order as kvs). */
  objects?: KubeObject[];
  continueToken?: string;
  remaining?: number;
}

export interface DeleteOptions {
  propagationPolicy?: "Orphan" | "Background" | "Foreground";
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
  now?: Date;
}

const generateNameChars = "bcdfghjklmnpqrstvwxz2456789";

/** Tries of an optimistic update loop before reporting a conflict. */
const maxUpdateAttempts = 8;

export class ResourceStore {
  constructor(
    readonly backend: Backend,
    private readonly fieldManager?: FieldManager,
    readonly admission: AdmissionPlugin[] = [],
  ) {}

  async get(def: ResourceDef, namespace: string | undefined, name: string): Promise<KubeObject> {
    const { kv } = await this.backend.get(storageKey(def, namespace, name));
    if (!kv) throw errors.notFound(def.plural, def.group, name);
    return this.fromStorage(def, kv);
  }

  /** Reads the stored form (for kinds served from another version's storage: converted). */
  fromStorage(def: ResourceDef, kv: KeyValue): KubeObject {
    const obj = decodeKV(kv);
    return def.storedAs ? withRv(def.storedAs.fromStored(obj), kv.modRevision) : obj;
  }

  async create(def: ResourceDef, namespace: string | undefined, input: KubeObject, opts: WriteOptions = {}): Promise<KubeObject> {
    return (await this.createWithJson(def, namespace, input, opts)).object;
  }

  /**
   * create, also returning the created object as JSON (the stored bytes with the new
   * resourceVersion spliced in) when that is what a client is sent, so the reply is not
   * encoded a second time. `adopt`: the caller hands `input` over (a freshly decoded body)
   * and the store changes it in place instead of copying it.
   */
  async createWithJson(
    def: ResourceDef, namespace: string | undefined, input: KubeObject, opts: WriteOptions & { adopt?: boolean } = {},
  ): Promise<{ object: KubeObject; json?: string }> {
    const now = opts.now ?? new Date();
    const obj = opts.adopt ? input : deepCopy(input);
    obj.metadata ??= {};
    const meta = obj.metadata;
    if (def.namespaced) {
      if (meta.namespace && namespace && meta.namespace !== namespace) {
        throw errors.badRequest("the namespace of the provided object does not match the namespace sent on the request");
      }
      meta.namespace = namespace ?? meta.namespace;
    } else {
      delete meta.namespace;
    }
    if (!meta.name && meta.generateName) meta.name = generateName(meta.generateName);
    meta.uid = randomUUID();
    meta.creationTimestamp = nowRFC3339(now);
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.selfLink;
    if (def.tracksGeneration) meta.generation = 1;
    else delete meta.generation;
    obj.apiVersion = apiVersionOf(def.group, def.version);
    obj.kind = def.kind;
    def.prepareForCreate?.(obj, { now });
    def.defaults?.(obj);
    this.throwIfInvalid(def, obj, [...validateObjectMeta(def, obj), ...(def.validate?.(obj) ?? [])]);
    for (const p of this.admission) await p.admit({ operation: "CREATE", def, object: obj, dryRun: !!opts.dryRun, store: this, subresource: opts.subresource });
    if (opts.fieldManager) this.fieldManager?.recordUpdate(def, undefined, obj, opts.fieldManager, opts.subresource, now);
    dropEmptyMeta(obj);
    if (opts.dryRun) return { object: obj };
    const key = storageKey(def, meta.namespace, meta.name!);
    try {
      const stored = encodeForStorage(this.toStorage(def, obj));
      const { kv } = await this.backend.create(key, stored);
      // A kind stored as another version is served in its own form: that JSON is not the reply.
      return { object: withRv(obj, kv.modRevision), json: def.storedAs ? undefined : withResourceVersion(stored, kv.modRevision) };
    } catch (err) {
      if (err instanceof KeyExistsError) throw errors.alreadyExists(def.plural, def.group, meta.name!);
      throw err;
    }
  }

  /**
   * Reads the live object, asks `tryUpdate` for the next state, applies upstream's update
   * strategy and stores it with compare-and-swap, retrying on races unless the caller pinned
   * a resourceVersion. When the object is missing, `createIfMissing` (server-side apply)
   * supplies one to create instead.
   */
  async update(
    def: ResourceDef,
    namespace: string | undefined,
    name: string,
    tryUpdate: (live: KubeObject) => KubeObject | Promise<KubeObject>,
    opts: WriteOptions & { createIfMissing?: () => KubeObject | Promise<KubeObject> } = {},
  ): Promise<{ object: KubeObject; created: boolean }> {
    const key = storageKey(def, namespace, name);
    for (let attempt = 0; ; attempt++) {
      const now = opts.now ?? new Date();
      const { kv } = await this.backend.get(key);
      if (!kv) {
        if (opts.createIfMissing) {
          const obj = await opts.createIfMissing();
          return { object: await this.create(def, namespace, obj, { ...opts, now }), created: true };
        }
        throw errors.notFound(def.plural, def.group, name);
      }
      const live = this.fromStorage(def, kv);
      const proposed = await tryUpdate(deepCopy(live));
      const pinned = proposed.metadata?.resourceVersion;
      if (pinned && pinned !== live.metadata.resourceVersion) {
        throw errors.conflict(def.plural, def.group, name, "the object has been modified; please apply your changes to the latest version and try again");
      }
      const next = this.prepareUpdate(def, live, proposed, opts.subresource, now);
      for (const p of this.admission) await p.admit({ operation: "UPDATE", def, object: next, old: live, dryRun: !!opts.dryRun, store: this, subresource: opts.subresource });
      if (opts.fieldManager) this.fieldManager?.recordUpdate(def, live, next, opts.fieldManager, opts.subresource, now);
      dropEmptyMeta(next);
      if (sameIgnoringManagedFields(live, next)) return { object: live, created: false };
      if (opts.dryRun) return { object: next, created: false };
      try {
        if (isDeletable(next)) {
          // The last finalizer is gone from an object being deleted: it goes away now.
          await this.backend.delete(key, kv.modRevision);
          return { object: next, created: false };
        }
        const res = await this.backend.update(key, encodeForStorage(this.toStorage(def, next)), kv.modRevision);
        return { object: withRv(next, res.kv.modRevision), created: false };
      } catch (err) {
        if ((err instanceof RevisionMismatchError || err instanceof KeyNotFoundError) && !pinned && attempt < maxUpdateAttempts) continue;
        if (err instanceof RevisionMismatchError) {
          throw errors.conflict(def.plural, def.group, name, "the object has been modified; please apply your changes to the latest version and try again");
        }
        if (err instanceof KeyNotFoundError) throw errors.notFound(def.plural, def.group, name);
        throw err;
      }
    }
  }

  /** Upstream's update strategy, shared by PUT, PATCH and the subresources. */
  private prepareUpdate(def: ResourceDef, live: KubeObject, proposed: KubeObject, subresource: string | undefined, now: Date): KubeObject {
    let next: KubeObject;
    if (subresource === "status") {
      // The status subresource writes status; spec and labels stay as they are. Annotations
      // may move with it, as upstream's status strategies allow (a Deployment's revision).
      next = deepCopy(live);
      if (proposed.status !== undefined) next.status = proposed.status;
      else delete next.status;
      const annotations = proposed.metadata?.annotations;
      if (annotations !== undefined) next.metadata.annotations = annotations;
    } else {
      next = proposed;
      next.metadata ??= {};
      if (def.subresources?.status) {
        if (live.status !== undefined) next.status = live.status;
        else delete next.status;
      }
    }
    next.apiVersion = apiVersionOf(def.group, def.version);
    next.kind = def.kind;
    const m = next.metadata;
    const lm = live.metadata;
    m.name = lm.name;
    // An update naming another uid is meant for another incarnation of the object (a
    // precondition, as upstream treats it): refuse rather than silently retarget it.
    if (m.uid && m.uid !== lm.uid) {
      throw errors.invalid(def.kind, def.group, lm.name ?? "", [field.invalid("metadata.uid", m.uid, "field is immutable")]);
    }
    m.uid = lm.uid;
    m.creationTimestamp = lm.creationTimestamp;
    if (def.namespaced) m.namespace = lm.namespace;
    else delete m.namespace;
    if (lm.deletionTimestamp) m.deletionTimestamp = lm.deletionTimestamp;
    else delete m.deletionTimestamp;
    if (lm.deletionGracePeriodSeconds !== undefined) m.deletionGracePeriodSeconds = lm.deletionGracePeriodSeconds;
    else delete m.deletionGracePeriodSeconds;
    if (lm.generateName !== undefined) m.generateName = lm.generateName;
    m.resourceVersion = lm.resourceVersion;
    delete m.selfLink;
    m.generation = lm.generation;
    // The kind's update strategy belongs to the main resource: it would undo what the status
    // and finalize subresources are there to write.
    if (subresource !== "status" && subresource !== "finalize") def.prepareForUpdate?.(next, live, { now });
    def.defaults?.(next);
    if (def.tracksGeneration) {
      // A kind's hook may raise generation itself (Deployment does on some annotation changes).
      const base = lm.generation ?? 1;
      const bumped = specChanged(live, next) || (m.generation ?? base) > base;
      m.generation = bumped ? base + 1 : base;
    } else {
      if (lm.generation !== undefined) m.generation = lm.generation;
      else delete m.generation;
    }
    this.throwIfInvalid(def, next, [
      ...validateObjectMeta(def, next),
      ...validateObjectMetaUpdate(next, live),
      // A kind's validateUpdate includes its create validation, as upstream's ValidateUpdate does.
      ...(def.validateUpdate ? def.validateUpdate(next, live) : def.validate?.(next) ?? []),
    ]);
    // An object being deleted may lose finalizers but not gain new ones (upstream forbids adding).
    if (lm.deletionTimestamp) {
      const before = new Set(lm.finalizers ?? []);
      const added = (m.finalizers ?? []).filter((f) => !before.has(f));
      if (added.length) {
        throw errors.forbidden(`Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}`);
      }
    }
    return next;
  }

  async list(def: ResourceDef, namespace: string | undefined, opts: ListOptions = {}): Promise<ListResult> {
    const prefix = storagePrefix(def, def.namespaced ? namespace : undefined);
    let revision = 0;
    let startAfter: string | undefined;
    if (opts.continueToken) {
      const tok = decodeContinue(opts.continueToken);
      revision = tok.rv;
      startAfter = prefix + tok.start;
      if (!startAfter.startsWith(prefix)) throw errors.badRequest("continue key is not valid for this list");
    } else if (opts.resourceVersion) {
      const rv = parseRevision(opts.resourceVersion);
      if (opts.resourceVersionMatch === "Exact") {
        if (rv === 0) throw errors.badRequest("resourceVersionMatch: Forbidden: resourceVersionMatch \"Exact\" is forbidden for resourceVersion \"0\"");
        revision = rv;
      }
    }
    if (opts.resourceVersionMatch && !opts.resourceVersion) {
      throw errors.badRequest("resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided");
    }
    if (opts.resourceVersionMatch && opts.resourceVersionMatch !== "Exact" && opts.resourceVersionMatch !== "NotOlderThan") {
      throw errors.badRequest(`resourceVersionMatch: Unsupported value: ${JSON.stringify(opts.resourceVersionMatch)}: supported values: "Exact", "NotOlderThan"`);
    }
    if (opts.exactName !== undefined && !opts.continueToken && (namespace || !def.namespaced)) {
      return this.listOne(def, prefix + opts.exactName, revision, opts.filter);
    }
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    const kvs: KeyValue[] = [];
    const objects: KubeObject[] = [];
    let more = false;
    let remaining: number | undefined;
    // With a filter, keep reading pages until the limit is filled, as upstream does.
    for (;;) {
      let res;
      try {
        res = await this.backend.list(prefix, { revision, limit, startAfter });
      } catch (err) {
        if (err instanceof CompactedError) {
          throw opts.continueToken
            ? errors.gone("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.")
            : errors.gone(`The resourceVersion for the provided list is too old.`);
        }
        if (err instanceof FutureRevisionError) throw errors.timeout(`Too large resource version: ${err.requested}, current: ${err.current}`);
        throw err;
      }
      revision = res.revision;
      for (const kv of res.kvs) {
        if (opts.filter) {
          const obj = this.fromStorage(def, kv);
          if (!opts.filter(obj)) continue;
          objects.push(obj);
        }
        kvs.push(kv);
        if (limit && kvs.length >= limit) break;
      }
      const last = kvs[kvs.length - 1]?.key ?? res.kvs[res.kvs.length - 1]?.key;
      const stoppedEarly = limit > 0 && kvs.length >= limit && kvs[kvs.length - 1]?.key !== res.kvs[res.kvs.length - 1]?.key;
      more = res.more || stoppedEarly;
      if (!limit || !more || kvs.length >= limit) {
        if (more) remaining = opts.filter ? undefined : res.remaining;
        startAfter = last;
        break;
      }
      startAfter = res.kvs[res.kvs.length - 1]?.key;
    }
    const result: ListResult = { revision, kvs };
    if (opts.filter) result.objects = objects;
    if (more && startAfter) {
      result.continueToken = encodeContinue(revision, startAfter.slice(prefix.length));
      if (remaining !== undefined) result.remaining = remaining;
    }
    return result;
  }

  async delete(def: ResourceDef, namespace: string | undefined, name: string, opts: DeleteOptions = {}): Promise<{ object: KubeObject; deleted: boolean }> {
    const key = storageKey(def, namespace, name);
    for (let attempt = 0; ; attempt++) {
      const now = opts.now ?? new Date();
      const { kv } = await this.backend.get(key);
      if (!kv) throw errors.notFound(def.plural, def.group, name);
      const live = this.fromStorage(def, kv);
      const pre = opts.preconditions;
      if (pre?.uid && pre.uid !== live.metadata.uid) {
        throw errors.conflict(def.plural, def.group, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${live.metadata.uid}`);
      }
      if (pre?.resourceVersion && pre.resourceVersion !== live.metadata.resourceVersion) {
        throw errors.conflict(def.plural, def.group, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${live.metadata.resourceVersion}`);
      }
      for (const p of this.admission) await p.admit({ operation: "DELETE", def, object: live, old: live, dryRun: !!opts.dryRun, store: this });
      const next = deepCopy(live);
      const finalizers = new Set(next.metadata.finalizers ?? []);
      if (opts.propagationPolicy === "Orphan") { finalizers.add("orphan"); finalizers.delete("foregroundDeletion"); }
      if (opts.propagationPolicy === "Foreground") { finalizers.add("foregroundDeletion"); finalizers.delete("orphan"); }
      if (opts.propagationPolicy === "Background") { finalizers.delete("orphan"); finalizers.delete("foregroundDeletion"); }
      const grace = gracefulSeconds(def, live, opts.gracePeriodSeconds);
      const spec = next.spec as { finalizers?: string[] } | undefined;
      const namespaceFinalizers = def.kind === "Namespace" && def.group === "" ? spec?.finalizers ?? [] : [];
      const mustWait = finalizers.size > 0 || grace > 0 || namespaceFinalizers.length > 0;
      if (mustWait) {
        // Graceful: mark the object; finalizers (or the node agent) finish the deletion.
        if (live.metadata.deletionTimestamp && (live.metadata.deletionGracePeriodSeconds ?? 0) <= grace && sameFinalizers(live, finalizers)) {
          return { object: live, deleted: false };
        }
        next.metadata.finalizers = finalizers.size ? [...finalizers] : undefined;
        if (!next.metadata.finalizers) delete next.metadata.finalizers;
        if (!live.metadata.deletionTimestamp || grace < (live.metadata.deletionGracePeriodSeconds ?? Infinity)) {
          next.metadata.deletionTimestamp = nowRFC3339(new Date(now.getTime() + grace * 1000));
          next.metadata.deletionGracePeriodSeconds = grace;
        }
        if (def.kind === "Namespace" && def.group === "") {
          next.status = { ...(next.status as object | undefined), phase: "Terminating" };
        }
        if (opts.dryRun) return { object: next, deleted: false };
        try {
          const res = await this.backend.update(key, encodeForStorage(this.toStorage(def, next)), kv.modRevision);
          return { object: withRv(next, res.kv.modRevision), deleted: false };
        } catch (err) {
          if ((err instanceof RevisionMismatchError || err instanceof KeyNotFoundError) && attempt < maxUpdateAttempts) continue;
          throw err;
        }
      }
      if (opts.dryRun) return { object: live, deleted: true };
      try {
        const res = await this.backend.delete(key, kv.modRevision);
        return { object: withRv(live, res.revision), deleted: true };
      } catch (err) {
        if ((err instanceof RevisionMismatchError || err instanceof KeyNotFoundError) && attempt < maxUpdateAttempts) continue;
        if (err instanceof KeyNotFoundError) throw errors.notFound(def.plural, def.group, name);
        throw err;
      }
    }
  }

  private async listOne(def: ResourceDef, key: string, revision: number, filter?: (o: KubeObject) => boolean): Promise<ListResult> {
    const res = await this.backend.get(key, revision || undefined).catch((err: unknown) => {
      if (err instanceof CompactedError) throw errors.gone("The resourceVersion for the provided list is too old.");
      throw err;
    });
    const kvs = res.kv ? [res.kv] : [];
    if (!filter) return { revision: res.revision, kvs };
    const objects = kvs.map((kv) => this.fromStorage(def, kv)).filter(filter);
    return { revision: res.revision, kvs: objects.length ? kvs : [], objects };
  }

  private toStorage(def: ResourceDef, obj: KubeObject): KubeObject {
    return def.storedAs ? def.storedAs.toStored(obj) : obj;
  }

  private throwIfInvalid(def: ResourceDef, obj: KubeObject, errs: FieldError[]): void {
    if (errs.length) throw errors.invalid(def.kind, def.group, obj.metadata.name ?? obj.metadata.generateName ?? "", errs);
  }
}

/**
 * Go's `omitempty` drops empty maps and lists from metadata when upstream serialises; a
 * managedFields entry that owns nothing any more is dropped too.
 */
function dropEmptyMeta(obj: KubeObject): void {
  const m = obj.metadata;
  for (const k of ["labels", "annotations"] as const) if (m[k] && Object.keys(m[k]!).length === 0) delete m[k];
  for (const k of ["finalizers", "ownerReferences"] as const) if (m[k] && m[k]!.length === 0) delete m[k];
  if (m.managedFields) {
    m.managedFields = m.managedFields.filter((e) => e.fieldsV1 === undefined || Object.keys(e.fieldsV1).length > 0);
    if (m.managedFields.length === 0) delete m.managedFields;
  }
}

function withRv(obj: KubeObject, rev: number): KubeObject {
  obj.metadata.resourceVersion = String(rev);
  return obj;
}

function generateName(base: string): string {
  let s = base.length > 58 ? base.slice(0, 58) : base;
  for (let i = 0; i < 5; i++) s += generateNameChars[randomInt(generateNameChars.length)];
  return s;
}

/** Pods bound to a node are deleted gracefully: the node agent confirms the end. */
function gracefulSeconds(def: ResourceDef, obj: KubeObject, requested: number | undefined): number {
  if (!(def.group === "" && def.kind === "Pod")) return 0;
  const spec = obj.spec as { nodeName?: string; terminationGracePeriodSeconds?: number } | undefined;
  const phase = (obj.status as { phase?: string } | undefined)?.phase;
  if (!spec?.nodeName || phase === "Succeeded" || phase === "Failed") return 0;
  const grace = requested ?? spec.terminationGracePeriodSeconds ?? 30;
  return Math.max(0, grace);
}

function sameFinalizers(obj: KubeObject, set: Set<string>): boolean {
  const f = obj.metadata.finalizers ?? [];
  return f.length === set.size && f.every((x) => set.has(x));
}

/** An object marked for deletion with nothing left to wait for. */
function isDeletable(obj: KubeObject): boolean {
  if (!obj.metadata.deletionTimestamp) return false;
  if ((obj.metadata.finalizers ?? []).length) return false;
  if (obj.kind === "Namespace" && ((obj.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []).length) return false;
  if (obj.kind === "Pod" && (obj.metadata.deletionGracePeriodSeconds ?? 0) > 0) return false;
  return true;
}

/** Everything but metadata and status counts as spec for generation purposes. */
function specChanged(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject): string => {
    const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = o;
    return JSON.stringify(rest);
  };
  return strip(a) !== strip(b);
}

function sameIgnoringManagedFields(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject): string => {
    const { managedFields: _mf, ...meta } = o.metadata;
    return JSON.stringify({ ...o, metadata: meta });
  };
  return strip(a) === strip(b);
}

export function parseRevision(rv: string): number {
  if (!/^\d+$/.test(rv)) throw errors.badRequest(`invalid resource version: ${JSON.stringify(rv)}`);
  return Number(rv);
}

function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: "meta.k8s.io/v1", rv, start })).toString("base64url");
}

function decodeContinue(token: string): { rv: number; start: string } {
  try {
    const t = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { v?: string; rv?: unknown; start?: unknown };
    if (t.v !== "meta.k8s.io/v1" || typeof t.rv !== "number" || typeof t.start !== "string") throw new Error("bad");
    return { rv: t.rv, start: t.start };
  } catch {
    throw errors.badRequest("continue key is not valid: the token is malformed; start a new list without the continue parameter");
  }
}

export { StatusError, field };
