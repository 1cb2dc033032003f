/**
 * `kubectl logs` on this node: which CRI log file holds a container's current or previous
 * instance, with the API server's and kubelet's error messages.
 */
import { existsSync } from "node:fs";
import { StatusError, errors } from "../../machinery/errors.js";
import type { PodObj } from "../runtime/fake/pod-status.js";
import type { LogLocation, LogLocator } from "../types.js";
import type { PodState } from "./state.js";

export function logLocator(lookup: (namespace: string, name: string) => { pod?: PodObj; state?: PodState }): LogLocator {
  return {
    async locate(namespace, name, container, previous): Promise<LogLocation> {
      const { pod, state } = lookup(namespace, name);
      if (!pod) throw errors.notFound("pods", "", name);
      const apps = (pod.spec?.containers ?? []).map((c) => c.name);
      const inits = (pod.spec?.initContainers ?? []).map((c) => c.name);
      const ephemeral = (pod.spec?.ephemeralContainers ?? []).map((c) => c.name);
      let target = container;
      if (!target) {
        if (apps.length === 1) target = apps[0]!;
        else if (apps.length === 0) throw errors.badRequest(`a container name must be specified for pod ${name}`);
        else {
          let msg = `a container name must be specified for pod ${name}, choose one of: [${apps.join(" ")}]`;
          if (inits.length) msg += ` or one of the init containers: [${inits.join(" ")}]`;
          throw errors.badRequest(msg);
        }
      } else if (![...apps, ...inits, ...ephemeral].includes(target)) {
        throw errors.badRequest(`container ${target} is not valid for pod ${name}`);
      }
      const rec = state && state.uid === pod.metadata.uid ? state.containers[target] : undefined;
      if (previous) {
        // In back-off the current (exited) instance is the previous one kubelet shows.
        const prevPath = rec?.waiting && rec.status?.state === "exited" ? rec.logPath : rec?.last?.logPath;
        if (!prevPath || !existsSync(prevPath)) {
          throw new StatusError(400, "BadRequest", `previous terminated container "${target}" in pod "${name}" not found`);
        }
        return { path: prevPath, container: target };
      }
      if (!rec?.logPath || !existsSync(rec.logPath)) {
        const reason = rec?.waiting?.reason ?? (inits.length && !inits.includes(target) ? "PodInitializing" : "ContainerCreating");
        throw new StatusError(400, "BadRequest", `container "${target}" in pod "${name}" is waiting to start: ${reason}`);
      }
      return { path: rec.logPath, container: target };
    },
  };
}
