/**
 * The closed set of outcomes every extension point returns (upstream's framework.Code), with
 * the reasons shown to users. `undefined` stands for Success on hot paths, so that a passing
 * plugin allocates nothing.
 */

export type Code = "Success" | "Error" | "Unschedulable" | "UnschedulableAndUnresolvable" | "Wait" | "Skip";

export class Status {
  /** The plugin that returned it (set by the framework). */
  plugin = "";

  constructor(readonly code: Code, readonly reasons: readonly string[] = [], readonly error?: Error) {}

  static error(err: unknown): Status {
    const e = err instanceof Error ? err : new Error(String(err));
    return new Status("Error", [e.message], e);
  }

  static unschedulable(...reasons: string[]): Status {
    return new Status("Unschedulable", reasons);
  }

  static unresolvable(...reasons: string[]): Status {
    return new Status("UnschedulableAndUnresolvable", reasons);
  }

  static skip(): Status {
    return new Status("Skip");
  }

  withPlugin(name: string): this {
    this.plugin = name;
    return this;
  }

  message(): string {
    return this.reasons.join(", ");
  }

  isSuccess(): boolean {
    return this.code === "Success";
  }

  /** Unschedulable or UnschedulableAndUnresolvable: the pod does not fit, nothing broke. */
  isRejected(): boolean {
    return this.code === "Unschedulable" || this.code === "UnschedulableAndUnresolvable";
  }

  asError(): Error {
    return this.error ?? new Error(this.message() || this.code);
  }
}

export type MaybeStatus = Status | undefined;

export function codeOf(s: MaybeStatus): Code {
  return s?.code ?? "Success";
}

export function isSuccess(s: MaybeStatus): boolean {
  return s === undefined || s.code === "Success";
}

/**
 * The status of every node a pod was filtered against; nodes not in the map (skipped by a
 * PreFilter result, or not evaluated) read as `absent`.
 */
export class NodeToStatus {
  private readonly map = new Map<string, Status>();
  absent: Status = new Status("UnschedulableAndUnresolvable");

  get(name: string): Status {
    return this.map.get(name) ?? this.absent;
  }

  set(name: string, s: Status): void {
    this.map.set(name, s);
  }

  has(name: string): boolean {
    return this.map.has(name);
  }

  get size(): number {
    return this.map.size;
  }

  entries(): IterableIterator<[string, Status]> {
    return this.map.entries();
  }
}
