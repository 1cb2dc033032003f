/** What every verb handler receives, and the seams the API server is composed from. */
import type { KubeObject } from "../../machinery/object.js";
import type { ResourceRegistry } from "../../machinery/registry.js";
import type { ResourceDef } from "../../machinery/resource.js";
import type { SchemaSet } from "../../machinery/schema.js";
import type { ResourceRequestInfo } from "../request-info.js";
import type { ResourceStore } from "../store.js";
import type { ApiRequest } from "../types.js";
import type { WatchHub } from "../watch/hub.js";

/** Decodes `k8s\0`-framed protobuf bodies (kubectl's typed clients send them). */
export type ProtobufDecoder = (body: Uint8Array) => Promise<{ apiVersion: string; kind: string; object: Record<string, unknown> }>;

/** Finds fields the schema does not know, for fieldValidation=Strict|Warn. */
export interface FieldValidator {
  /** Upstream-style strings, e.g. `unknown field "spec.replica"`. */
  unknownFields(obj: unknown, def: ResourceDef): string[];
  /** The first Go decoding type error (e.g. a string where an int32 belongs), if any. */
  typeError(obj: unknown, def: ResourceDef): string | undefined;
  /** Duplicate and unknown fields of a JSON body, in document order (upstream's strict decoding). */
  strictFieldProblems(raw: string, def: ResourceDef): string[];
}

export interface Patcher {
  json(doc: KubeObject, patch: unknown): KubeObject;
  merge(doc: KubeObject, patch: unknown): KubeObject;
  strategic(doc: KubeObject, patch: unknown, def: ResourceDef): KubeObject;
  /** Server-side apply; throws a 409 StatusError on conflicts unless force. */
  apply(args: { live?: KubeObject; applied: KubeObject; manager: string; force: boolean; def: ResourceDef; subresource?: string; now: Date }): KubeObject;
}

/** The TLS identity the API server presents to node agents (pods/log), and the CA their serving certificates chain to. */
export interface NodeClientTls {
  caPem: string;
  certPem: string;
  keyPem: string;
}

export interface ServerSeams {
  registry: ResourceRegistry;
  store: ResourceStore;
  hub: WatchHub;
  schemas?: SchemaSet;
  protobuf?: ProtobufDecoder;
  fieldValidator?: FieldValidator;
  patcher?: Patcher;
  /** Without it, pods/log answers that this server cannot reach nodes. */
  nodeClient?: NodeClientTls;
}

export interface HandlerContext extends ServerSeams {
  req: ApiRequest;
  info: ResourceRequestInfo;
  def: ResourceDef;
  /** Response headers handlers want to add (e.g. `Warning`). */
  warnings: string[];
}
