/**
 * The seams between the node agent's parts (`agent/` registers the Node and composes the
 * rest, `pods/` drives pods through a runtime, `server/` is the node's HTTPS endpoint that the
 * API server proxies `pods/log` to). Types only; nothing here does I/O.
 */
import type { ApiClient } from "../client/index.js";
import type { ContainerRuntime } from "./runtime/types.js";
import type { ImageStore, PullOptions } from "../image/index.js";
import type { KubeObject } from "../machinery/object.js";

/** Records Events about an object (the controllers' recorder has this shape). */
export interface NodeEventRecorder {
  event(obj: KubeObject, type: "Normal" | "Warning", reason: string, message: string): void;
  flush(): Promise<void>;
}

/** Where a container's CRI-format log file is, for `kubectl logs`. */
export interface LogLocation {
  path: string;
  /** The container the log belongs to (the pod's only container when none was named). */
  container: string;
  /**
   * Whether the container still runs: `follow` ends at the end of the file once this says
   * false. Absent, a follow lasts until the client goes away. (Not asked for `previous`.)
   */
  running?: () => boolean | Promise<boolean>;
}

export interface LogLocator {
  /**
   * The current log of a container, or with `previous` the log of its last terminated
   * instance. Throws a StatusError (machinery/errors) with upstream's message when the pod
   * is not on this node (404), the container name is missing for a multi-container pod or
   * unknown (400), or there is no previous instance (400).
   */
  locate(namespace: string, pod: string, container: string | undefined, previous: boolean): Promise<LogLocation>;
}

export interface PodManagerOptions {
  client: ApiClient;
  nodeName: string;
  /** The node's InternalIP: status.hostIP, and podIP for hostNetwork pods. */
  nodeIP: string;
  runtime: ContainerRuntime;
  images: ImageStore;
  /** Base options for pulls (registry client, platform); pull secrets are added per pod. */
  pullOptions?: PullOptions;
  recorder: NodeEventRecorder;
  /** Where the pod manager keeps its own state (container records across restarts). */
  stateDir: string;
}

export interface PodManager {
  /** Stops watching and working. Containers keep running: an agent restart adopts them. */
  stop(): Promise<void>;
  logs: LogLocator;
  /** Pods this node is running now (Node status and tests). */
  runningPods(): number;
}

export type StartPodManager = (opts: PodManagerOptions) => Promise<PodManager>;
