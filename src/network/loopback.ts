/**
 * The pod "network" of the unprivileged process runtime: no namespaces, no links, just an
 * address per pod from a loopback range (all of 127.0.0.0/8 is local on Linux), persisted with
 * the same file-backed IPAM as the bridge. Processes may bind it, but nothing forces them to.
 */
import { join } from "node:path";
import { FileIpam, formatCidr, parseCidr } from "./ipam.js";

export interface LoopbackNetworkOptions {
  stateDir: string;
  /** Default "127.100.0.0/16". Must lie inside 127.0.0.0/8. */
  cidr?: string;
}

export class LoopbackNetwork {
  private readonly ipam: FileIpam;

  constructor(opts: LoopbackNetworkOptions) {
    const cidr = parseCidr(opts.cidr ?? "127.100.0.0/16");
    if (cidr.prefix < 8 || cidr.base >>> 24 !== 127) throw new Error(`loopback pod range ${formatCidr(cidr)} is not inside 127.0.0.0/8`);
    this.ipam = new FileIpam({ dir: join(opts.stateDir, "ipam", "loopback"), cidr: formatCidr(cidr) });
  }

  async setUp(sandboxId: string): Promise<{ ip: string }> {
    return { ip: this.ipam.allocate(sandboxId) };
  }

  async tearDown(sandboxId: string): Promise<void> {
    this.ipam.release(sandboxId);
  }

  lookup(sandboxId: string): string | undefined {
    return this.ipam.lookup(sandboxId);
  }

  async cleanupAll(): Promise<void> {
    this.ipam.reset();
  }
}
