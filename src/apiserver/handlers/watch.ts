/**
 * WATCH: a stream of newline-delimited JSON events (`ADDED`, `MODIFIED`, `DELETED`,
 * `BOOKMARK`, `ERROR`), fed by the shared WatchHub. Headers go out at once; the body follows.
 */
import { errors, StatusError } from "../../machinery/errors.js";
import { apiVersionOf, type KubeObject } from "../../machinery/object.js";
import { storagePrefix } from "../../machinery/registry.js";
import { CompactedError } from "../../storage/backend.js";
import { buildTable, parseIncludeObject, tableContentType, wantsTable } from "../tables.js";
import type { ApiResponse, StreamSink } from "../types.js";
import { HubEvent } from "../watch/hub.js";
import type { HandlerContext } from "./context.js";
import { filtersFromQuery } from "./filters.js";
import { parseBool } from "./respond.js";
import { parseRevision } from "../store.js";

/** Upstream's default watch lifetime is 30–60 min (min-request-timeout 1800 s, randomized). */
const defaultTimeoutSeconds = 1800;
const bookmarkIntervalMs = 30_000;

export async function handleWatch(ctx: HandlerContext): Promise<ApiResponse> {
  const { def, info, req, hub, store } = ctx;
  const q = req.query;
  const { filter, exactName } = filtersFromQuery(def, q);
  const rvParam = q.get("resourceVersion") ?? "";
  const start = rvParam === "" || rvParam === "0" ? undefined : parseRevision(rvParam);
  const tv = wantsTable(req.headers.accept);
  const include = parseIncludeObject(q.get("includeObject"));
  const bookmarks = parseBool(q.get("allowWatchBookmarks"));
  const timeoutParam = q.get("timeoutSeconds");
  const timeoutSeconds = timeoutParam ? Number(timeoutParam) : defaultTimeoutSeconds * (1 + Math.random());
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds < 0) throw errors.badRequest(`invalid timeoutSeconds: ${timeoutParam}`);
  let prefix = storagePrefix(def, info.namespace);
  if (exactName !== undefined && (info.namespace || !def.namespaced)) prefix += exactName;
  const exactKey = exactName !== undefined && (info.namespace || !def.namespaced) ? prefix : undefined;

  // A watch from a compacted revision answers 200 and then an ERROR event, as upstream does.
  let tooOld: StatusError | undefined;
  if (start !== undefined && start < (await store.backend.compactRevision())) {
    tooOld = errors.gone(`too old resource version: ${start} (${await store.backend.compactRevision()})`);
  }

  const convert = (o: KubeObject): KubeObject => (def.storedAs ? def.storedAs.fromStored(o) : o);
  const line = (type: string, ev: HubEvent | KubeObject): string => {
    if (tv) {
      const obj = ev instanceof HubEvent ? convert(ev.object()) : ev;
      const t = buildTable(def, [obj], include, { resourceVersion: obj.metadata.resourceVersion }, tv);
      return `{"type":"${type}","object":${JSON.stringify(t)}}\n`;
    }
    if (ev instanceof HubEvent) {
      return def.storedAs
        ? `{"type":"${type}","object":${JSON.stringify(convert(ev.object()))}}\n`
        : `{"type":"${type}","object":${ev.objectJson()}}\n`;
    }
    return `{"type":"${type}","object":${JSON.stringify(ev)}}\n`;
  };

  const typeOf = (ev: HubEvent): string | undefined => {
    if (exactKey && ev.key !== exactKey) return undefined;
    if (!filter) return ev.type === "delete" ? "DELETED" : ev.created ? "ADDED" : "MODIFIED";
    const now = filter(convert(ev.object()));
    if (ev.type === "delete") return now ? "DELETED" : undefined;
    const prev = ev.prevObject();
    const before = prev ? filter(convert(prev)) : false;
    if (now && before) return "MODIFIED";
    if (now) return "ADDED";
    return before ? "DELETED" : undefined;
  };

  const stream = {
    start(sink: StreamSink): () => void {
      let closed = false;
      let sub: { close(): void; live: boolean } | undefined;
      const timers: NodeJS.Timeout[] = [];
      let lastRv = start ?? 0;
      const stop = (): void => {
        if (closed) return;
        closed = true;
        sub?.close();
        for (const t of timers) clearTimeout(t);
        sink.end();
      };
      const fail = (err: unknown): void => {
        if (closed) return;
        const st = err instanceof StatusError ? err
          : err instanceof CompactedError ? errors.gone(`too old resource version: ${err.requested} (${err.compacted})`)
          : errors.internal(err instanceof Error ? err.message : String(err));
        sink.write(`{"type":"ERROR","object":${JSON.stringify(st.toStatus())}}\n`);
        stop();
      };
      if (tooOld) {
        queueMicrotask(() => fail(tooOld));
        return stop;
      }
      const subscribe = (after: number): void => {
        if (closed) return;
        try {
          sub = hub.subscribe(prefix, after, (events) => {
            if (closed) return;
            let out = "";
            for (const ev of events) {
              const type = typeOf(ev);
              if (type) out += line(type, ev);
              lastRv = Math.max(lastRv, ev.revision);
            }
            if (out) sink.write(out);
          }, fail);
        } catch (err) {
          fail(err);
        }
      };
      if (start === undefined) {
        // "" and "0": synthetic ADDED events for the current state, then changes after it.
        store.list(def, info.namespace, { filter: filter ?? (() => true), exactName }).then((res) => {
          if (closed) return;
          let out = "";
          for (const obj of res.objects ?? []) out += line("ADDED", obj);
          if (out) sink.write(out);
          lastRv = res.revision;
          subscribe(res.revision);
        }, fail);
      } else {
        subscribe(start);
      }
      if (bookmarks) {
        const tick = (): void => {
          if (closed) return;
          const rv = sub?.live ? Math.max(lastRv, hub.revision) : lastRv;
          sink.write(`{"type":"BOOKMARK","object":{"kind":"${def.kind}","apiVersion":"${apiVersionOf(def.group, def.version)}","metadata":{"resourceVersion":"${rv}"}}}\n`);
          timers.push(setTimeout(tick, bookmarkIntervalMs).unref());
        };
        timers.push(setTimeout(tick, bookmarkIntervalMs).unref());
      }
      timers.push(setTimeout(stop, timeoutSeconds * 1000).unref());
      req.signal?.addEventListener("abort", stop, { once: true });
      return stop;
    },
  };
  return {
    status: 200,
    headers: { "content-type": tv ? tableContentType : "application/json", "transfer-encoding": "chunked" },
    stream,
  };
}
