/**
 * Unknown fields of an already decoded object (a create/update body, or the result of a
 * patch), as upstream's strict decoding reports them.
 */
import type { SchemaNode } from "../../machinery/schema.js";
import { unknownFieldMessage } from "./messages.js";
import { indexPath, joinPath, type Shapes } from "./shape.js";

/** Upstream stops collecting strict errors at 100. */
export const maxProblems = 100;

/** `format` turns a field path into what is reported (upstream's message by default). */
export function collectUnknown(shapes: Shapes, root: SchemaNode | undefined, obj: unknown, format: (path: string) => string = unknownFieldMessage): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const report = (path: string) => {
    if (out.length >= maxProblems) return;
    const msg = format(path);
    if (!seen.has(msg)) {
      seen.add(msg);
      out.push(msg);
    }
  };

  const walk = (value: unknown, node: SchemaNode | undefined, path: string, resource: boolean): void => {
    if (value === null || typeof value !== "object") return;
    const shape = resource ? shapes.ofResource(node) : shapes.of(node);
    switch (shape.kind) {
      case "object": {
        if (Array.isArray(value)) return;
        for (const [key, v] of Object.entries(value)) {
          const p = joinPath(path, key);
          if (shape.props.has(key)) {
            const child = shape.props.get(key);
            if (child) walk(v, child, p, false);
          } else if (shape.rest === "unknown") report(p);
          else if (shape.rest !== "any") walk(v, shape.rest, p, false);
        }
        return;
      }
      case "map":
        if (Array.isArray(value)) return;
        for (const [key, v] of Object.entries(value)) walk(v, shape.value, joinPath(path, key), false);
        return;
      case "array":
        if (!Array.isArray(value) || !shape.items) return;
        for (let i = 0; i < value.length; i++) walk(value[i], shape.items, indexPath(path, i), false);
        return;
      default:
        return;
    }
  };

  walk(obj, root, "", true);
  return out;
}
