/**
 * One pass over a JSON text that finds duplicate keys, and, given a schema, unknown fields,
 * in document order, as upstream's strict JSON decoder reports them into typed objects:
 * - a duplicate of a declared field or map key is `duplicate field "<path>"`;
 * - an undeclared field is `unknown field "<path>"` once, and its value is not looked into;
 * - values upstream decodes with custom unmarshalers (RawExtension, FieldsV1, ...) are skipped.
 * Without a schema every object is free-form JSON, as for unstructured (custom) resources.
 * A syntax error ends the scan; the caller's JSON parser reports it.
 */
import type { SchemaNode } from "../../machinery/schema.js";
import { duplicateFieldMessage, unknownFieldMessage } from "./messages.js";
import { indexPath, joinPath, type Shape, type Shapes } from "./shape.js";
import { maxProblems } from "./unknown.js";

class SyntaxStop extends Error {}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

const freeShape: Shape = { kind: "free" };

export function scanStrict(raw: string, shapes: Shapes | undefined, root: SchemaNode | undefined): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const report = (msg: string) => {
    if (out.length < maxProblems && !seen.has(msg)) {
      seen.add(msg);
      out.push(msg);
    }
  };
  let pos = 0;
  const len = raw.length;

  const ws = () => {
    while (pos < len) {
      const c = raw.charCodeAt(pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++;
      else return;
    }
  };
  const expect = (c: number) => {
    ws();
    if (raw.charCodeAt(pos) !== c) throw new SyntaxStop();
    pos++;
  };
  /** Reads a string starting at the opening quote and returns its value. */
  const str = (): string => {
    if (raw.charCodeAt(pos) !== QUOTE) throw new SyntaxStop();
    const start = pos + 1;
    // indexOf keeps long values (ConfigMap data, certificates) cheap to pass over.
    let from = start;
    let end: number;
    for (;;) {
      end = raw.indexOf('"', from);
      if (end < 0) throw new SyntaxStop();
      let backslashes = 0;
      for (let b = end - 1; b >= start && raw.charCodeAt(b) === BACKSLASH; b--) backslashes++;
      if (backslashes % 2 === 0) break;
      from = end + 1;
    }
    pos = end + 1;
    const firstEscape = raw.indexOf("\\", start);
    if (firstEscape < 0 || firstEscape > end) return raw.slice(start, end);
    try {
      return JSON.parse(raw.slice(start - 1, end + 1)) as string;
    } catch {
      throw new SyntaxStop();
    }
  };
  /** Skips any value without looking inside. */
  const skip = () => {
    ws();
    const c = raw.charCodeAt(pos);
    if (c === QUOTE) {
      str();
      return;
    }
    if (c !== OPEN_BRACE && c !== OPEN_BRACKET) {
      while (pos < len) {
        const d = raw.charCodeAt(pos);
        if (d === COMMA || d === CLOSE_BRACE || d === CLOSE_BRACKET || d === 0x20 || d === 0x0a || d === 0x0d || d === 0x09) break;
        pos++;
      }
      return;
    }
    let depth = 0;
    while (pos < len) {
      const d = raw.charCodeAt(pos);
      if (d === QUOTE) {
        str();
        continue;
      }
      if (d === OPEN_BRACE || d === OPEN_BRACKET) depth++;
      else if (d === CLOSE_BRACE || d === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) {
          pos++;
          return;
        }
      }
      pos++;
    }
    throw new SyntaxStop();
  };

  const value = (shape: Shape, path: string): void => {
    ws();
    const c = raw.charCodeAt(pos);
    if (c === OPEN_BRACE) object(shape, path);
    else if (c === OPEN_BRACKET) array(shape, path);
    else skip();
  };

  const childShape = (node: SchemaNode | undefined): Shape => (shapes && node ? shapes.of(node) : freeShape);

  const object = (shape: Shape, path: string) => {
    if (shape.kind === "opaque" || shape.kind === "array") {
      skip();
      return;
    }
    pos++;
    const keys = new Set<string>();
    ws();
    if (raw.charCodeAt(pos) === CLOSE_BRACE) {
      pos++;
      return;
    }
    for (;;) {
      ws();
      const key = str();
      expect(COLON);
      const p = joinPath(path, key);
      let next: Shape | undefined;
      if (shape.kind === "object") {
        if (shape.props.has(key)) next = childShape(shape.props.get(key));
        else if (shape.rest === "unknown") report(unknownFieldMessage(p));
        else next = shape.rest === "any" ? freeShape : childShape(shape.rest);
      } else if (shape.kind === "map") next = childShape(shape.value);
      else next = freeShape;
      if (next) {
        if (keys.has(key)) report(duplicateFieldMessage(p));
        else keys.add(key);
        value(next, p);
      } else skip();
      ws();
      const d = raw.charCodeAt(pos++);
      if (d === CLOSE_BRACE) return;
      if (d !== COMMA) throw new SyntaxStop();
    }
  };

  const array = (shape: Shape, path: string) => {
    if (shape.kind !== "array" && shape.kind !== "free") {
      skip();
      return;
    }
    const items = shape.kind === "array" ? childShape(shape.items) : freeShape;
    pos++;
    ws();
    if (raw.charCodeAt(pos) === CLOSE_BRACKET) {
      pos++;
      return;
    }
    for (let i = 0; ; i++) {
      value(items, indexPath(path, i));
      ws();
      const d = raw.charCodeAt(pos++);
      if (d === CLOSE_BRACKET) return;
      if (d !== COMMA) throw new SyntaxStop();
    }
  };

  try {
    value(shapes && root ? shapes.ofResource(root) : freeShape, "");
  } catch (err) {
    if (!(err instanceof SyntaxStop)) throw err;
  }
  return out;
}
