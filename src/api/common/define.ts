/**
 * Building blocks every non-core kind uses: the typed-object alias, `defineResource`, the
 * common printer columns (NAME, AGE, CONTAINERS, IMAGES, SELECTOR), upstream's default table
 * (NAME, CREATED AT) for kinds without a printer, and the status-subresource strategy.
 */
import { field, type FieldError } from "../../machinery/errors.js";
import { deepCopy, isPlainObject, type KubeObject } from "../../machinery/object.js";
import type { PrinterColumn, ResourceDef } from "../../machinery/resource.js";

/**
 * A `kubernetes-types` shape as the registry handles it: our ObjectMeta, every other field
 * optional and writable (kubernetes-types marks status read-only).
 */
export type Obj<T> = KubeObject & { -readonly [K in Exclude<keyof T, "metadata" | "apiVersion" | "kind">]?: T[K] };

/**
 * Registers a typed definition in the untyped registry. Hooks get request bodies that only
 * JSON decoding has checked, so a malformed field can still throw a TypeError inside a hook:
 * validation then reports it as an Invalid field instead of a server error.
 */
export function defineResource<T extends KubeObject>(def: ResourceDef<T>): ResourceDef {
  const guard = (run: () => FieldError[]): FieldError[] => {
    try {
      return run();
    } catch (err) {
      if (!(err instanceof TypeError)) throw err;
      return [field.invalid(def.kind.toLowerCase(), "<malformed>", `could not be validated: ${err.message}`)];
    }
  };
  const quiet = (run: () => void): void => {
    try {
      run();
    } catch (err) {
      if (!(err instanceof TypeError)) throw err;
    }
  };
  const typed = { ...def };
  const { defaults, validate, validateUpdate, prepareForCreate, prepareForUpdate, row } = def;
  if (defaults) typed.defaults = (o) => quiet(() => defaults(o));
  if (validate) typed.validate = (o) => guard(() => validate(o));
  if (validateUpdate) typed.validateUpdate = (o, old) => guard(() => validateUpdate(o, old));
  if (prepareForCreate) typed.prepareForCreate = (o, ctx) => quiet(() => prepareForCreate(o, ctx));
  if (prepareForUpdate) typed.prepareForUpdate = (o, old, ctx) => quiet(() => prepareForUpdate(o, old, ctx));
  typed.row = (o) => {
    try {
      return row(o);
    } catch (err) {
      if (!(err instanceof TypeError)) throw err;
      return def.columns.map((_, i) => (i === 0 ? o.metadata.name : "<unknown>"));
    }
  };
  return typed as unknown as ResourceDef;
}

const nameDoc =
  "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
const creationDoc =
  "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

export const nameColumn: PrinterColumn = { name: "Name", type: "string", format: "name", description: nameDoc };
export const ageColumn: PrinterColumn = { name: "Age", type: "string", description: creationDoc };
export const containersColumn: PrinterColumn = { name: "Containers", type: "string", priority: 1, description: "Names of each container in the template." };
export const imagesColumn: PrinterColumn = { name: "Images", type: "string", priority: 1, description: "Images referenced by each container in the template." };

export function column(name: string, description: string, type: PrinterColumn["type"] = "string", priority?: number): PrinterColumn {
  const c: PrinterColumn = { name, type, description };
  if (priority) c.priority = priority;
  return c;
}

/** layoutContainerCells: container names and images, comma-joined. */
export function containerCells(containers: unknown): [names: string, images: string] {
  const list = Array.isArray(containers) ? containers.filter(isPlainObject) : [];
  return [list.map((c) => String(c.name ?? "")).join(","), list.map((c) => String(c.image ?? "")).join(",")];
}

/** rest.NewDefaultTableConvertor's columns, for kinds upstream has no printer for. */
export const defaultColumns: PrinterColumn[] = [nameColumn, { name: "Created At", type: "date", description: creationDoc }];

export function defaultRow(obj: KubeObject): unknown[] {
  return [obj.metadata.name, obj.metadata.creationTimestamp ?? "0001-01-01T00:00:00Z"];
}

/** A status subresource's create/update strategy: clients cannot write status through the main resource. */
export function statusStrategy<T extends KubeObject>(initial: () => Record<string, unknown> = () => ({})) {
  return {
    prepareForCreate(obj: T): void {
      (obj as KubeObject).status = initial();
    },
    prepareForUpdate(obj: T, old: T): void {
      const o: KubeObject = obj;
      if (old.status !== undefined) o.status = deepCopy(old.status);
      else delete o.status;
    },
  };
}

/**
 * Whether `validate` is looking at a create. The store runs `validate` on updates too, and
 * only an update carries the live object's resourceVersion by then; upstream has separate
 * create-only checks (an events.k8s.io Event's deprecated fields, a CronJob's name length).
 */
export function isCreate(obj: KubeObject): boolean {
  return !obj.metadata.resourceVersion;
}

/** The object's `spec` as a record when it is one (request bodies are unchecked JSON). */
export function specOf(obj: KubeObject): Record<string, unknown> | undefined {
  return isPlainObject(obj.spec) ? obj.spec : undefined;
}

/** `obj.spec`, created when absent so defaults have somewhere to go. */
export function ensureSpec<S>(obj: KubeObject & { spec?: S }): S | undefined {
  if (obj.spec === undefined || obj.spec === null) obj.spec = {} as S;
  return isPlainObject(obj.spec) ? obj.spec : undefined;
}
