import { test } from "node:test";
import assert from "node:assert/strict";
import { builtinResources } from "../../api/index.js";
import { ResourceRegistry } from "../../machinery/registry.js";
import { StatusError } from "../../machinery/errors.js";
import { defaultSeams } from "../seams.js";
import type { HandlerContext } from "./context.js";
import { decodeObjectBody } from "./body.js";

const registry = new ResourceRegistry(builtinResources);
const seams = defaultSeams(registry);
const podDef = registry.lookup("", "v1", "pods")!;

function ctx(body: string, mode?: string): HandlerContext {
  const query = new URLSearchParams(mode ? { fieldValidation: mode } : {});
  return {
    registry, fieldValidator: seams.fieldValidator,
    req: { method: "POST", path: "/api/v1/namespaces/d/pods", query, headers: { "content-type": "application/json" }, body: Buffer.from(body) },
    info: { isResource: true, group: "", version: "v1", resource: "pods", namespace: "d", path: "" },
    def: podDef, warnings: [],
  } as unknown as HandlerContext;
}

test("JSON bodies: warnings are the document-order scan's, whether or not keys repeat", async () => {
  const bodies = [
    `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"},"spec":{"containers":[{"name":"c","image":"i"}]}}`,
    `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"},"spec":{"containerz":[]}}`,
    `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","name":"b"},"spec":{}}`,
    `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"},"spec":{"b":1,"a":2,"1":3}}`,
    `{"apiVersion":"v1","kind":"Pod","zz":1,"metadata":{"labels":{"x":"1","x":"2"},"bogus":true},"spec":{"containers":[{"name":"c","imagex":"i","imagex":"j"}]}}`,
    `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"},"spec":{"2":1,"10":2}}`,
    `{ "apiVersion" : "v1", "kind" : "Pod", "metadata" : { "name" : "a:b", "annotations" : { "k\\"": "v:" } }, "spec" : { "x" : "\\"" } }`,
  ];
  const scan = (raw: string) => seams.fieldValidator.strictFieldProblems(raw, podDef);
  let sawMany = false;
  for (const b of bodies) {
    const c = ctx(b);
    await decodeObjectBody(c);
    assert.deepEqual(c.warnings, scan(b), b);
    if (c.warnings.length > 1) sawMany = true;
    const strict = ctx(b, "Strict");
    const err = await decodeObjectBody(strict).then(() => undefined, (e: unknown) => e);
    if (scan(b).length) {
      assert.ok(err instanceof StatusError, b);
      assert.match(err.message, new RegExp(`strict decoding error: ${scan(b).join(", ").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`));
    } else assert.equal(err, undefined);
  }
  assert.ok(sawMany);
});
