/**
 * What a kind declares about itself. The API server derives routing, discovery, OpenAPI,
 * tables and field selectors from these definitions and keeps no other list.
 */
import type { FieldError } from "./errors.js";
import type { KubeObject } from "./object.js";

export type Verb = "get" | "list" | "watch" | "create" | "update" | "patch" | "delete" | "deletecollection";

export const allVerbs: Verb[] = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

export type ColumnType = "string" | "integer" | "number" | "boolean" | "date";

/** One column of the server-side `Table`, as metav1.TableColumnDefinition. */
export interface PrinterColumn {
  name: string;
  type: ColumnType;
  format?: string;
  description?: string;
  /** 0 = shown by default; 1 = only with `-o wide`. */
  priority?: number;
}

/** Where the scale subresource reads and writes replica counts (dotted paths). */
export interface ScaleSpec {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

/** Context given to strategy hooks. */
export interface StrategyContext {
  /** The time of the request, so that every timestamp of one request agrees. */
  now: Date;
}

export interface ResourceDef<T extends KubeObject = KubeObject> {
  group: string;
  version: string;
  kind: string;
  /** Lowercase plural, the URL segment: `deployments`. */
  plural: string;
  singular: string;
  shortNames?: string[];
  categories?: string[];
  namespaced: boolean;
  /** Defaults to `allVerbs`. */
  verbs?: Verb[];
  /**
   * The OpenAPI definition name, e.g. `io.k8s.api.apps.v1.Deployment`; ties the kind to its
   * schema (descriptions, patch merge keys, list types).
   */
  schema: string;
  subresources?: {
    /** The object has a `status` that only the status subresource writes. */
    status?: boolean;
    scale?: ScaleSpec;
    /** Extra subresources served by later components (log, exec, binding, eviction...). */
    others?: { name: string; kind: string; group?: string; version?: string; verbs: Verb[] }[];
  };
  /** Server-side printing. `row` returns one cell per column, in order. */
  columns: PrinterColumn[];
  row(obj: T): unknown[];
  /** Fills defaults in place on a fresh copy (create, update, patch results). */
  defaults?(obj: T): void;
  /** Validation on create. Name and metadata are validated generically beforehand. */
  validate?(obj: T): FieldError[];
  /** Validation on update; immutable fields are checked here. */
  validateUpdate?(obj: T, old: T): FieldError[];
  /** Changes the server makes on create before validation (clear status, set phase...). */
  prepareForCreate?(obj: T, ctx: StrategyContext): void;
  /** Changes on update before validation (carry status over when there is a status subresource...). */
  prepareForUpdate?(obj: T, old: T, ctx: StrategyContext): void;
  /**
   * Field selectors beyond metadata.name and metadata.namespace, as upstream's
   * GetAttrs: name → value read from the object.
   */
  fieldSelectors?: Record<string, (obj: T) => string | undefined>;
  /** Is `metadata.generation` bumped on spec changes (true for most kinds with spec). */
  tracksGeneration?: boolean;
  /** For kinds whose name is not a DNS subdomain (e.g. ConfigMap keys don't matter; RBAC allows path segments). */
  nameValidation?: "dns1123Subdomain" | "dns1123Label" | "dns1035Label" | "pathSegment";
  /**
   * Set when this version is served from another version's storage (autoscaling/v1 HPA is
   * stored as autoscaling/v2). The converters map between the two shapes.
   */
  storedAs?: {
    group: string;
    version: string;
    toStored(obj: T): KubeObject;
    fromStored(obj: KubeObject): T;
  };
}

export function verbsOf(def: ResourceDef): Verb[] {
  return def.verbs ?? allVerbs;
}
