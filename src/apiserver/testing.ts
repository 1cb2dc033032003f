/** Small ResourceDefs for unit tests of the API server's generic machinery. */
import type { ResourceDef } from "../machinery/resource.js";

export function testDef(over: Partial<ResourceDef> = {}): ResourceDef {
  return {
    group: "example.com",
    version: "v1",
    kind: "Widget",
    plural: "widgets",
    singular: "widget",
    namespaced: true,
    schema: "com.example.v1.Widget",
    columns: [{ name: "Name", type: "string" }, { name: "Size", type: "integer" }],
    row: (o) => [o.metadata.name, (o.spec as { size?: number } | undefined)?.size ?? 0],
    tracksGeneration: true,
    subresources: { status: true, scale: { specReplicasPath: "spec.size", statusReplicasPath: "status.size" } },
    fieldSelectors: { "spec.color": (o) => (o.spec as { color?: string } | undefined)?.color },
    ...over,
  };
}

export const namespaceTestDef: ResourceDef = {
  group: "",
  version: "v1",
  kind: "Namespace",
  plural: "namespaces",
  singular: "namespace",
  namespaced: false,
  schema: "io.k8s.api.core.v1.Namespace",
  columns: [{ name: "Name", type: "string" }],
  row: (o) => [o.metadata.name],
  subresources: { status: true },
  nameValidation: "dns1123Label",
  defaults: (o) => {
    o.spec = { finalizers: ["kubernetes"], ...(o.spec as object | undefined) };
    o.status = { phase: "Active", ...(o.status as object | undefined) };
  },
};
