/** PrioritySort: the activeQ order — higher priority first, then the pod queued earlier. */
import type { QueuedPodInfo, QueueSortPlugin } from "../../framework/interfaces.js";

export const name = "PrioritySort";

export class PrioritySort implements QueueSortPlugin {
  readonly name = name;

  less(a: QueuedPodInfo, b: QueuedPodInfo): boolean {
    return a.pi.priority > b.pi.priority || (a.pi.priority === b.pi.priority && a.timestamp < b.timestamp);
  }
}

export const factory = (): PrioritySort => new PrioritySort();
