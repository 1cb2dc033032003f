/** IPv4 address and CIDR arithmetic, shared by IPAM, the service IP allocator and the node simulator. */

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

/** Parses `a.b.c.d/n`; the base is the network address (host bits cleared). */
export function parseCidr(s: string): Cidr {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(s);
  if (!m || Number(m[2]) > 32) throw new Error(`invalid CIDR ${JSON.stringify(s)}`);
  const prefix = Number(m[2]);
  const addr = parseIPv4(m[1]!);
  return { base: addr - (addr % blockSize(prefix)), prefix };
}

export function formatCidr(c: Cidr): string {
  return `${formatIPv4(c.base)}/${c.prefix}`;
}

/** How many addresses a `/prefix` block holds. */
export function blockSize(prefix: number): number {
  return 2 ** (32 - prefix);
}

export function cidrSize(c: Cidr): number {
  return blockSize(c.prefix);
}

export function cidrContains(c: Cidr, ip: string): boolean {
  const n = parseIPv4(ip);
  return n >= c.base && n < c.base + blockSize(c.prefix);
}

/** The first host address of a CIDR: where a bridge (gateway) or the `kubernetes` Service sits. */
export function gatewayOf(c: Cidr): string {
  return formatIPv4(c.base + 1);
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
