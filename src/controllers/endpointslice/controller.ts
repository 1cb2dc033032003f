/**
 * The EndpointSlice controller (upstream's pkg/controller/endpointslice): discovery.k8s.io/v1
 * EndpointSlices for every Service with a selector, named `<service>-<random>`, labelled with
 * the Service's name and this controller, owned by the Service (the garbage collector removes
 * them with it).
 *
 * Informers on Services, pods and EndpointSlices; handlers only enqueue Service keys (pods by
 * their old and new labels, slices by their service-name label). Reconcile plans (plan.ts)
 * and writes creates, then updates, then deletes. Slices get random names, so a cache that
 * has not yet seen this controller's own writes would make it create twice: the tracker
 * remembers each write's resourceVersion (or the delete) until the watch delivers it, and a
 * Service whose slices are not caught up waits for them (upstream's EndpointSliceTracker).
 */
import type { EndpointSlice } from "../../api/discovery/v1/endpointslice.js";
import type { PodObj } from "../../api/core/v1/pod-printer.js";
import type { ServiceObj } from "../../api/core/v1/service.js";
import { objectKey, splitKey } from "../../client/informer/index.js";
import { StatusError } from "../../machinery/errors.js";
import type { ControllerFactory } from "../runtime/index.js";
import { managesEndpoints, servicesOfPodHandler } from "../endpoints/podutil.js";
import { controllerName, defaultMaxEndpointsPerSlice, desiredEndpoints, managedByLabel, serviceNameLabel } from "./desired.js";
import { planSlices } from "./plan.js";
import { SliceTracker } from "./tracker.js";

export interface EndpointSliceControllerOptions {
  /** Upstream's --max-endpoints-per-slice (default 100). */
  maxEndpointsPerSlice?: number;
  workers?: number;
}

const byServiceIndex = "endpointslice-service";

function isStatus(err: unknown, code: number): boolean {
  return err instanceof StatusError && err.code === code;
}

function serviceKeyOf(slice: EndpointSlice): string | undefined {
  const labels = slice.metadata.labels ?? {};
  if (labels[managedByLabel] !== controllerName || !labels[serviceNameLabel]) return undefined;
  return `${slice.metadata.namespace ?? ""}/${labels[serviceNameLabel]}`;
}

export function endpointSliceController(opts: EndpointSliceControllerOptions = {}): ControllerFactory {
  const maxPerSlice = opts.maxEndpointsPerSlice ?? defaultMaxEndpointsPerSlice;
  return ({ client, informers }) => {
    const services = informers.forKind<ServiceObj>("v1", "Service");
    const pods = informers.forKind<PodObj>("v1", "Pod");
    const slices = informers.forKind<EndpointSlice>("discovery.k8s.io/v1", "EndpointSlice");
    slices.addIndexers({ [byServiceIndex]: (s) => { const k = serviceKeyOf(s); return k ? [k] : []; } });
    const tracker = new SliceTracker();
    const ops = client.endpointslices;

    return {
      name: "endpointslice",
      ...(opts.workers ? { workers: opts.workers } : {}),
      waitFor: [services, pods, slices],
      setup(q) {
        services.addHandler({
          onAdd: (s) => q.add(objectKey(s)),
          onUpdate: (_o, s) => q.add(objectKey(s)),
          onDelete: (s) => { tracker.forgetService(objectKey(s)); q.add(objectKey(s)); },
        });
        pods.addHandler(servicesOfPodHandler(services, (key) => q.add(key)));
        const onSlice = (s: EndpointSlice, deleted: boolean): void => {
          const k = serviceKeyOf(s);
          if (!k) return;
          tracker.observe(k, s, deleted);
          q.add(k);
        };
        slices.addHandler({
          onAdd: (s) => onSlice(s, false),
          onUpdate: (_o, s) => onSlice(s, false),
          onDelete: (s) => onSlice(s, true),
        });
      },
      async reconcile(key) {
        const { namespace } = splitKey(key);
        const ns = namespace ?? "";
        const svc = services.get(key);
        // The garbage collector deletes a gone Service's slices (they are owned by it).
        if (!svc || svc.metadata.deletionTimestamp || !managesEndpoints(svc)) return;
        const stale = tracker.pendingMs(key, (name) => slices.get(`${ns}/${name}`));
        if (stale !== undefined) return { requeueAfterMs: Math.max(50, 1000 - stale) };

        const existing = slices.byIndex(byServiceIndex, key);
        const plan = planSlices(svc, existing, desiredEndpoints(svc, pods.byIndex("namespace", ns)), maxPerSlice);
        try {
          for (const s of plan.create) tracker.wrote(key, await ops.create(ns, s));
          for (const s of plan.update) tracker.wrote(key, await ops.update(s));
          for (const s of plan.delete) {
            try {
              await ops.delete(ns, s.metadata.name ?? "", { preconditions: { uid: s.metadata.uid } });
              tracker.deleted(key, s);
            } catch (err) {
              if (!isStatus(err, 404)) throw err;
            }
          }
        } catch (err) {
          if (isStatus(err, 403) && (err as StatusError).details?.causes?.some((c) => c.reason === "NamespaceTerminating")) return;
          throw err;
        }
      },
    };
  };
}
