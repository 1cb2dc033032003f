import { test } from "node:test";
import assert from "node:assert/strict";
import type { ApiRequest, ApiResponse, StreamSink } from "../apiserver/types.js";
import { StatusError } from "../machinery/errors.js";
import { inProcessTransport } from "./inprocess.js";

test("requests carry method, path, query, headers and body; replies come back as text", async () => {
  let seen: ApiRequest | undefined;
  const t = inProcessTransport(async (req) => {
    seen = req;
    return { status: 201, headers: { "content-type": "application/json" }, body: Buffer.from('{"ok":true}') };
  }, { userAgent: "sched/v1" });
  const res = await t.request({ method: "PATCH", path: "/api/v1/namespaces/a/pods/p", query: { fieldManager: "m", x: undefined }, body: { a: 1 }, contentType: "application/merge-patch+json" });
  assert.equal(res.status, 201);
  assert.equal(res.body, '{"ok":true}');
  assert.equal(seen!.method, "PATCH");
  assert.equal(seen!.path, "/api/v1/namespaces/a/pods/p");
  assert.equal(seen!.query.toString(), "fieldManager=m");
  assert.equal(seen!.headers["content-type"], "application/merge-patch+json");
  assert.equal(seen!.headers["user-agent"], "sched/v1");
  assert.equal(seen!.body!.toString(), '{"a":1}');
});

/** A handler whose watch stream the test drives by hand. */
function streaming(): { handle: (req: ApiRequest) => Promise<ApiResponse>; sink: () => StreamSink | undefined; stopped: () => number; signal: () => AbortSignal | undefined } {
  let sink: StreamSink | undefined;
  let stops = 0;
  let signal: AbortSignal | undefined;
  return {
    handle: async (req) => {
      signal = req.signal;
      return { status: 200, headers: {}, stream: { start: (s) => { sink = s; return () => { stops++; }; } } };
    },
    sink: () => sink,
    stopped: () => stops,
    signal: () => signal,
  };
}

test("streams: chunks become lines, end calls onEnd once", async () => {
  const h = streaming();
  const t = inProcessTransport(h.handle);
  const lines: string[] = [];
  const ended = new Promise<Error | undefined>((resolve) => t.stream({ method: "GET", path: "/x" }, (l) => lines.push(l), resolve));
  await new Promise((r) => setImmediate(r));
  h.sink()!.write('{"type":"ADDED"');
  h.sink()!.write(',"object":{}}\n{"type":"DELETED","object":{}}\n');
  h.sink()!.end();
  assert.equal(await ended, undefined);
  assert.deepEqual(lines, ['{"type":"ADDED","object":{}}', '{"type":"DELETED","object":{}}']);
});

test("streams: close() stops the server side and silences callbacks", async () => {
  const h = streaming();
  const t = inProcessTransport(h.handle);
  let calls = 0;
  const s = t.stream({ method: "GET", path: "/x" }, () => calls++, () => calls++);
  await new Promise((r) => setImmediate(r));
  s.close();
  assert.equal(h.stopped(), 1);
  assert.equal(h.signal()!.aborted, true);
  h.sink()!.write("{}\n");
  h.sink()!.end();
  assert.equal(calls, 0);
});

test("streams: a non-2xx reply ends with its StatusError", async () => {
  const t = inProcessTransport(async () => ({ status: 403, headers: {}, body: JSON.stringify({ kind: "Status", code: 403, reason: "Forbidden", message: "no" }) }));
  const err = await new Promise<Error | undefined>((resolve) => t.stream({ method: "GET", path: "/x" }, () => {}, resolve));
  assert.ok(err instanceof StatusError && err.code === 403 && err.reason === "Forbidden");
});

test("streams: a consumer that throws ends its own stream with that error", async () => {
  const h = streaming();
  const t = inProcessTransport(h.handle);
  const ended = new Promise<Error | undefined>((resolve) => t.stream({ method: "GET", path: "/x" }, () => { throw new Error("bad consumer"); }, resolve));
  await new Promise((r) => setImmediate(r));
  assert.doesNotThrow(() => h.sink()!.write("{}\n"));
  assert.equal((await ended)?.message, "bad consumer");
  assert.equal(h.stopped(), 1);
});
