/**
 * The endpoints controller (upstream's pkg/controller/endpoint): for every Service with a
 * selector, an Endpoints object of the same name listing the pods the selector matches.
 *
 * Informers on Services, pods and Endpoints. Handlers only enqueue Service keys: a Service
 * itself; for a pod, every Service of its namespace whose selector matches its old or its
 * new labels (so a relabelled pod leaves one Service and joins another); for Endpoints, the
 * Service of the same name (a user edit or delete is put right). Reconcile computes the
 * subsets (subsets.ts) and writes only when subsets or labels differ. A Service gone takes
 * its Endpoints with it; a Service without a selector keeps its user-managed Endpoints.
 */
import type { EndpointsObj } from "../../api/core/v1/endpoints.js";
import type { PodObj } from "../../api/core/v1/pod-printer.js";
import type { ServiceObj } from "../../api/core/v1/service.js";
import { objectKey, splitKey } from "../../client/informer/index.js";
import { StatusError } from "../../machinery/errors.js";
import { isDeepStrictEqual } from "node:util";
import type { ControllerFactory } from "../runtime/index.js";
import { endpointLabels, managesEndpoints, sameStringMap, servicesOfPodHandler } from "./podutil.js";
import { desiredSubsets } from "./subsets.js";

export const lastChangeTriggerTimeAnnotation = "endpoints.kubernetes.io/last-change-trigger-time";

export interface EndpointsControllerOptions {
  /** Default: the manager's. */
  workers?: number;
}

function isStatus(err: unknown, code: number): boolean {
  return err instanceof StatusError && err.code === code;
}

/** Strips what JSON round trips drop, so a cached and a computed subset compare equal. */
function normalized(subsets: EndpointsObj["subsets"]): unknown {
  return JSON.parse(JSON.stringify(subsets ?? []));
}

export function endpointsController(opts: EndpointsControllerOptions = {}): ControllerFactory {
  return ({ client, informers }) => {
    const services = informers.forKind<ServiceObj>("v1", "Service");
    const pods = informers.forKind<PodObj>("v1", "Pod");
    const endpoints = informers.forKind<EndpointsObj>("v1", "Endpoints");

    return {
      name: "endpoint",
      ...(opts.workers ? { workers: opts.workers } : {}),
      waitFor: [services, pods, endpoints],
      setup(q) {
        services.addHandler({
          onAdd: (s) => q.add(objectKey(s)),
          onUpdate: (_o, s) => q.add(objectKey(s)),
          onDelete: (s) => q.add(objectKey(s)),
        });
        pods.addHandler(servicesOfPodHandler(services, (key) => q.add(key)));
        endpoints.addHandler({
          onAdd: (ep) => q.add(objectKey(ep)),
          onUpdate: (_o, ep) => q.add(objectKey(ep)),
          onDelete: (ep) => q.add(objectKey(ep)),
        });
      },
      async reconcile(key) {
        const { namespace, name } = splitKey(key);
        const ns = namespace ?? "";
        const svc = services.get(key);
        const current = endpoints.get(key);
        if (!svc) {
          if (!current) return;
          try {
            await client.endpoints.delete(ns, name);
          } catch (err) {
            if (!isStatus(err, 404)) throw err;
          }
          return;
        }
        if (!managesEndpoints(svc)) return;

        const { subsets, triggerTime } = desiredSubsets(svc, pods.byIndex("namespace", ns));
        const labels = endpointLabels(svc);
        if (current && isDeepStrictEqual(normalized(current.subsets), normalized(subsets)) && sameStringMap(current.metadata.labels, labels)) return;

        const annotations: Record<string, string> = { ...(current?.metadata.annotations ?? {}) };
        delete annotations[lastChangeTriggerTimeAnnotation];
        const trigger = triggerTime ?? svc.metadata.creationTimestamp;
        if (trigger) annotations[lastChangeTriggerTimeAnnotation] = trigger;
        const body: EndpointsObj = {
          apiVersion: "v1", kind: "Endpoints",
          metadata: {
            name, namespace: ns, labels, annotations,
            ...(current ? { resourceVersion: current.metadata.resourceVersion } : {}),
          },
          subsets,
        };
        try {
          if (current) await client.endpoints.update(body);
          else await client.endpoints.create(ns, body);
        } catch (err) {
          // The namespace is going away: nothing to keep up to date.
          if (isStatus(err, 403) && (err as StatusError).details?.causes?.some((c) => c.reason === "NamespaceTerminating")) return;
          // A stale cache (409) or an Endpoints deleted meanwhile (404): the watch brings the news, retry.
          throw err;
        }
      },
    };
  };
}
