/**
 * What the pod manager remembers about each pod it runs, one JSON file per pod UID under
 * `<stateDir>/pods/`, so a restarted agent adopts running containers with their restart
 * counts, last terminations and log files instead of starting them again.
 */
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ContainerStatus as RuntimeStatus } from "../runtime/types.js";

/** A container instance that terminated (the source of `lastState` and `logs --previous`). */
export interface TerminatedInstance {
  containerId: string;
  exitCode: number;
  reason: string;
  message?: string;
  startedAt?: string;
  finishedAt: string;
  logPath: string;
  /** Its rootfs directory, released when the instance is removed. */
  dir?: string;
}

export interface ContainerRecord {
  name: string;
  init: boolean;
  /** Container instances started so far, minus one (kubelet's restartCount). */
  restartCount: number;
  /** The current runtime container (absent before the first start). */
  id?: string;
  logPath?: string;
  /** The rootfs directory of the current instance (released when it is removed). */
  dir?: string;
  /** The image as the runtime reports it (`docker.io/library/busybox:latest`) and its ID. */
  imageRef?: string;
  imageID?: string;
  /** The last status read from the runtime for `id` (kept when the runtime forgets it). */
  status?: RuntimeStatus;
  /** The instance before the current one, once it terminated. */
  last?: TerminatedInstance;
  /** Why the container is not running now (ErrImagePull, CrashLoopBackOff, ...). */
  waiting?: { reason: string; message?: string };
  /** When the last image pull failed (ms), for ImagePullBackOff. */
  pullFailedAt?: number;
}

export interface PodState {
  uid: string;
  namespace: string;
  name: string;
  sandboxId?: string;
  podIP?: string;
  startTime: string;
  containers: Record<string, ContainerRecord>;
}

export class PodStateStore {
  private readonly dir: string;

  constructor(stateDir: string) {
    this.dir = join(stateDir, "pods");
    mkdirSync(this.dir, { recursive: true });
  }

  save(s: PodState): void {
    const file = join(this.dir, `${s.uid}.json`);
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, JSON.stringify(s));
    renameSync(tmp, file);
  }

  remove(uid: string): void {
    rmSync(join(this.dir, `${uid}.json`), { force: true });
  }

  loadAll(): PodState[] {
    const out: PodState[] = [];
    for (const f of readdirSync(this.dir)) {
      if (!f.endsWith(".json")) continue;
      try {
        out.push(JSON.parse(readFileSync(join(this.dir, f), "utf8")) as PodState);
      } catch {
        // A torn or foreign file: the pod will be set up again from the API.
        rmSync(join(this.dir, f), { force: true });
      }
    }
    return out;
  }
}
