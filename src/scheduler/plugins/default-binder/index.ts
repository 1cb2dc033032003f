/** DefaultBinder: binds through the pods/binding subresource. */
import type { BindPlugin, Handle } from "../../framework/interfaces.js";
import type { CycleState } from "../../framework/cycle-state.js";
import type { PodInfo } from "../../framework/pod-info.js";
import { Status, type MaybeStatus } from "../../framework/status.js";

export const name = "DefaultBinder";

export class DefaultBinder implements BindPlugin {
  readonly name = name;

  constructor(private readonly handle: Handle) {}

  async bind(_state: CycleState, pi: PodInfo, nodeName: string): Promise<MaybeStatus> {
    try {
      await this.handle.api.bind(pi.pod, nodeName);
      return undefined;
    } catch (err) {
      return Status.error(err);
    }
  }
}

export const factory = (_args: unknown, h: Handle): DefaultBinder => new DefaultBinder(h);
