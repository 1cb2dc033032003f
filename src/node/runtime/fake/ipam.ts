/**
 * IPv4 address arithmetic and the per-node pod IP allocator of simulated nodes. Each node owns
 * one block carved out of a cluster pod range (node i gets the i-th block, as the node IPAM
 * controller's range allocator hands them out); pod IPs come from that block, skipping the
 * network address, the gateway (.1) and the broadcast address, and are freed when the pod
 * goes away. Memory per node is a small bitmap plus one map entry per live pod.
 */
import { blockSize, cidrContains, formatCidr, formatIPv4, nthSubnet, parseCidr, parseIPv4, subnetCount, type Cidr } from "../../../machinery/cidr.js";

export { blockSize, cidrContains, formatCidr, formatIPv4, nthSubnet, parseCidr, parseIPv4, subnetCount, type Cidr };

/**
 * Pod IPs of one node. `allocate` hands out the next free address after the last one given
 * (round robin, as host-local IPAM does), so a freed address is not reused at once.
 */
export class NodeIpam {
  readonly cidr: Cidr;
  private readonly used: Uint8Array;
  private readonly size: number;
  private readonly byKey = new Map<string, number>();
  private cursor = 0;

  constructor(cidr: Cidr | string) {
    this.cidr = typeof cidr === "string" ? parseCidr(cidr) : cidr;
    this.size = blockSize(this.cidr.prefix);
    this.used = new Uint8Array(Math.ceil(this.size / 8));
    // Network address, gateway and broadcast are never handed out (a /31 or /32 has none spare).
    if (this.size >= 4) {
      this.mark(0);
      this.mark(1);
      this.mark(this.size - 1);
    }
  }

  /** Addresses a pod could get. */
  get capacity(): number {
    return this.size >= 4 ? this.size - 3 : this.size;
  }

  get allocated(): number {
    return this.byKey.size;
  }

  /** The address of `key`, allocating one if it has none; undefined when the block is full. */
  allocate(key: string): string | undefined {
    const have = this.byKey.get(key);
    if (have !== undefined) return formatIPv4(this.cidr.base + have);
    for (let i = 0; i < this.size; i++) {
      const off = (this.cursor + i) % this.size;
      if (!this.isUsed(off)) {
        this.mark(off);
        this.byKey.set(key, off);
        this.cursor = (off + 1) % this.size;
        return formatIPv4(this.cidr.base + off);
      }
    }
    return undefined;
  }

  /**
   * Records that `key` already holds `ip` (a pod adopted after a restart). False when the
   * address is outside the block or held by another key.
   */
  claim(key: string, ip: string): boolean {
    if (!cidrContains(this.cidr, ip)) return false;
    const off = parseIPv4(ip) - this.cidr.base;
    const have = this.byKey.get(key);
    if (have === off) return true;
    if (this.isUsed(off)) return false;
    if (have !== undefined) this.unmark(have);
    this.mark(off);
    this.byKey.set(key, off);
    return true;
  }

  /** The address `key` holds, if any. */
  lookup(key: string): string | undefined {
    const off = this.byKey.get(key);
    return off === undefined ? undefined : formatIPv4(this.cidr.base + off);
  }

  release(key: string): void {
    const off = this.byKey.get(key);
    if (off === undefined) return;
    this.byKey.delete(key);
    this.unmark(off);
  }

  private isUsed(off: number): boolean {
    return (this.used[off >> 3] & (1 << (off & 7))) !== 0;
  }

  private mark(off: number): void {
    this.used[off >> 3] |= 1 << (off & 7);
  }

  private unmark(off: number): void {
    this.used[off >> 3] &= ~(1 << (off & 7));
  }
}
