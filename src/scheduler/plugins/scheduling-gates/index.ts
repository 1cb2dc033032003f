/** SchedulingGates: pods with spec.schedulingGates stay out of activeQ until the gates are removed. */
import type { PreEnqueuePlugin } from "../../framework/interfaces.js";
import { Status, type MaybeStatus } from "../../framework/status.js";
import type { Pod } from "../../framework/types.js";

export const name = "SchedulingGates";

export class SchedulingGates implements PreEnqueuePlugin {
  readonly name = name;

  preEnqueue(pod: Pod): MaybeStatus {
    const gates = pod.spec?.schedulingGates ?? [];
    if (gates.length === 0) return undefined;
    return Status.unresolvable(`waiting for scheduling gates: [${gates.map((g) => g.name).join(" ")}]`);
  }
}

export const factory = (): SchedulingGates => new SchedulingGates();
