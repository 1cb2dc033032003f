/**
 * CycleState: what plugins computed for one pod in one scheduling cycle (PreFilter results
 * read by Filter, PreScore by Score...). Preemption clones it to try what-if changes.
 */

export interface StateData {
  clone(): StateData;
}

export class CycleState {
  private readonly data = new Map<string, StateData>();
  /** Plugins whose PreFilter returned Skip: their Filter is not run for this pod. */
  skipFilterPlugins = new Set<string>();
  /** Plugins whose PreScore returned Skip. */
  skipScorePlugins = new Set<string>();

  read<T extends StateData>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }

  write(key: string, v: StateData): void {
    this.data.set(key, v);
  }

  delete(key: string): void {
    this.data.delete(key);
  }

  clone(): CycleState {
    const c = new CycleState();
    for (const [k, v] of this.data) c.data.set(k, v.clone());
    c.skipFilterPlugins = this.skipFilterPlugins;
    c.skipScorePlugins = this.skipScorePlugins;
    return c;
  }
}
