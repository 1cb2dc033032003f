/** The name → factory plugin registry (upstream's frameworkruntime.Registry). */
import type { PluginFactory } from "./interfaces.js";

export class Registry {
  private readonly factories = new Map<string, PluginFactory>();

  constructor(entries: Record<string, PluginFactory> = {}) {
    for (const [name, f] of Object.entries(entries)) this.register(name, f);
  }

  register(name: string, factory: PluginFactory): void {
    if (this.factories.has(name)) throw new Error(`a plugin named ${name} already exists`);
    this.factories.set(name, factory);
  }

  unregister(name: string): void {
    if (!this.factories.delete(name)) throw new Error(`no plugin named ${name} exists`);
  }

  get(name: string): PluginFactory | undefined {
    return this.factories.get(name);
  }

  /** Another registry's plugins added to a copy of this one. */
  merge(other: Registry): Registry {
    const r = new Registry();
    for (const [n, f] of this.factories) r.register(n, f);
    for (const [n, f] of other.factories) r.register(n, f);
    return r;
  }

  names(): string[] {
    return [...this.factories.keys()];
  }
}
