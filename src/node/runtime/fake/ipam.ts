/**
 * IPv4 address arithmetic and the per-node pod IP allocator of simulated nodes. Each node owns
 * one block carved out of a cluster pod range (node i gets the i-th block, as the node IPAM
 * controller's range allocator hands them out); pod IPs come from that block, skipping the
 * network address, the gateway (.1) and the broadcast address, and are freed when the pod
 * goes away. Memory per node is a small bitmap plus one map entry per live pod.
 */

export interface Cidr {
  /** The network address as an unsigned 32-bit integer. */
  base: number;
  prefix: number;
}

export function parseIPv4(s: string): number {
  const parts = s.split(".");
  if (parts.length !== 4) throw new Error(`invalid IPv4 address ${JSON.stringify(s)}`);
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) throw new Error(`invalid IPv4 address ${JSON.stringify(s)}`);
    n = n * 256 + Number(p);
  }
  return n;
}

export function formatIPv4(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

export function parseCidr(s: string): Cidr {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(s);
  if (!m) throw new Error(`invalid CIDR ${JSON.stringify(s)}`);
  const prefix = Number(m[2]);
  if (prefix > 32) throw new Error(`invalid CIDR ${JSON.stringify(s)}`);
  const addr = parseIPv4(m[1]!);
  return { base: addr - (addr % blockSize(prefix)), prefix };
}

export function formatCidr(c: Cidr): string {
  return `${formatIPv4(c.base)}/${c.prefix}`;
}

export function blockSize(prefix: number): number {
  return 2 ** (32 - prefix);
}

export function cidrContains(c: Cidr, ip: string): boolean {
  const n = parseIPv4(ip);
  return n >= c.base && n < c.base + blockSize(c.prefix);
}

/** How many `maskSize` blocks the range holds. */
export function subnetCount(range: Cidr, maskSize: number): number {
  return maskSize < range.prefix ? 0 : 2 ** (maskSize - range.prefix);
}

/** The `index`-th `maskSize` block of `range`. */
export function nthSubnet(range: Cidr, maskSize: number, index: number): Cidr {
  if (!Number.isInteger(index) || index < 0 || index >= subnetCount(range, maskSize)) {
    throw new Error(`pod CIDR ${formatCidr(range)} has no room for a /${maskSize} block number ${index}`);
  }
  return { base: range.base + index * blockSize(maskSize), prefix: maskSize };
}

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
