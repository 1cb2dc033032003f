/**
 * The default implementations of the API server's seams, wired from the modules that own
 * them: schemas (lazily loaded), OpenAPI, field validation, protobuf bodies, patching and
 * managedFields, and the computed kinds (access reviews). Everything expensive is built on
 * first use, so the server is ready before any of it is needed.
 */
import { builtinSchemas } from "../api/schemas.js";
import type { KubeObject } from "../machinery/object.js";
import type { ResourceRegistry } from "../machinery/registry.js";
import type { ResourceDef } from "../machinery/resource.js";
import { applyJsonPatch } from "../machinery/patch/json-patch.js";
import { applyMergePatch } from "../machinery/patch/merge-patch.js";
import { applyStrategicMergePatch } from "../machinery/patch/strategic.js";
import { serverSideApply } from "../machinery/patch/apply.js";
import { updateManagedFields } from "../machinery/patch/managed-fields.js";
import type { ApiServer, OpenAPIServer } from "./apiserver.js";
import { createFieldValidator } from "./fieldvalidation/index.js";
import { firstTypeError } from "./fieldvalidation/typecheck.js";
import type { FieldValidator, Patcher, ProtobufDecoder } from "./handlers/context.js";
import { buildOpenAPI, type OpenAPIV3 } from "./openapi/index.js";
import { alwaysAllow, selfSubjectAccessReview, type Authorizer } from "./reviews/access-review.js";
import { installPodSubresources } from "./subresources/index.js";
import type { FieldManager } from "./store.js";

export interface DefaultSeams {
  protobuf: ProtobufDecoder;
  fieldValidator: FieldValidator;
  patcher: Patcher;
  fieldManager: FieldManager;
  openapi: OpenAPIServer;
  /** Registers the computed kinds on a server built from these seams. */
  install(api: ApiServer): void;
}

function lazy<T>(make: () => T): () => T {
  let v: T | undefined;
  return () => (v ??= make());
}

export function defaultSeams(registry: ResourceRegistry, authorizer: Authorizer = alwaysAllow): DefaultSeams {
  const schemas = lazy(builtinSchemas);
  const validator = lazy(() => createFieldValidator(schemas()));
  const openapi = lazy<OpenAPIV3>(() => buildOpenAPI(registry.all, schemas()));
  const typeName = (def: ResourceDef): string => def.schema;
  // Through the main endpoint of a kind with a status subresource, nobody owns status.
  const ignoreFields = (def: ResourceDef, subresource: string | undefined): string[] | undefined =>
    def.subresources?.status && !subresource ? ["status"] : undefined;
  return {
    // protobufjs and the message tables load on the first protobuf body, not at start.
    protobuf: async (body) => (await import("./protobuf/index.js")).decodeProtobufObject(body),
    fieldValidator: {
      unknownFields: (obj, def) => validator().unknownFields(obj, def),
      strictFieldProblems: (raw, def) => validator().strictFieldProblems(raw, def),
      typeError: (obj, def) => firstTypeError(obj, def.schema, schemas()),
    },
    patcher: {
      json: (doc, patch) => applyJsonPatch(doc, patch) as KubeObject,
      merge: (doc, patch) => applyMergePatch(doc, patch) as KubeObject,
      strategic: (doc, patch, def) => applyStrategicMergePatch(doc, patch, { schemas: schemas(), typeName: typeName(def) }) as KubeObject,
      apply: ({ live, applied, manager, force, def, subresource, now }) => serverSideApply({
        live, applied, manager, force, subresource, now,
        apiVersion: def.group ? `${def.group}/${def.version}` : def.version,
        schemas: schemas(),
        typeName: typeName(def),
        ignoreFields: ignoreFields(def, subresource),
      }),
    },
    fieldManager: {
      recordUpdate: (def, live, next, manager, subresource, now) => updateManagedFields({
        live, updated: next, manager, operation: "Update", subresource, now,
        apiVersion: def.group ? `${def.group}/${def.version}` : def.version,
        schemas: schemas(),
        typeName: typeName(def),
        ignoreFields: ignoreFields(def, subresource),
      }),
    },
    openapi: { handle: (path, query, inm) => openapi().handle(path, query, inm) },
    install(api) {
      api.addVirtualCreate("authorization.k8s.io", "v1", "selfsubjectaccessreviews", selfSubjectAccessReview(authorizer));
      installPodSubresources(api);
    },
  };
}
