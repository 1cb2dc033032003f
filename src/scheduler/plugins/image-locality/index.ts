/**
 * ImageLocality: favours nodes that already have the pod's images (node.status.images),
 * weighted by image size and by how widely the image is spread (to avoid piling onto the
 * few nodes that have it).
 */
import type { CycleState } from "../../framework/cycle-state.js";
import type { Handle, PreScorePlugin, ScorePlugin } from "../../framework/interfaces.js";
import { normalizedImageName, type NodeInfo } from "../../framework/node-info.js";
import type { PodInfo } from "../../framework/pod-info.js";
import { Status, type MaybeStatus } from "../../framework/status.js";

export const name = "ImageLocality";

const mb = 1024 * 1024;
const minThreshold = 23 * mb;
const maxContainerThreshold = 1000 * mb;

export class ImageLocality implements PreScorePlugin, ScorePlugin {
  readonly name = name;

  constructor(private readonly handle: Handle) {}

  /** Nodes that report no images all score 0: skip the work. */
  preScore(_state: CycleState, _pi: PodInfo, nodes: readonly NodeInfo[]): MaybeStatus {
    return nodes.some((n) => n.imageSizes.size > 0) ? undefined : Status.skip();
  }

  score(_state: CycleState, pi: PodInfo, ni: NodeInfo): number {
    if (ni.imageSizes.size === 0) return 0;
    const snap = this.handle.snapshot();
    const total = snap.list().length;
    const spec = pi.pod.spec;
    const containers = [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
    let sum = 0;
    for (const c of containers) {
      if (!c.image) continue;
      const img = normalizedImageName(c.image);
      const size = ni.imageSizes.get(img);
      if (size === undefined || total === 0) continue;
      sum += Math.trunc(size * (snap.imageNumNodes(img) / total));
    }
    const maxThreshold = maxContainerThreshold * containers.length;
    sum = Math.min(Math.max(sum, minThreshold), maxThreshold);
    return Math.trunc((100 * (sum - minThreshold)) / (maxThreshold - minThreshold));
  }
}

export const factory = (_args: unknown, h: Handle): ImageLocality => new ImageLocality(h);
