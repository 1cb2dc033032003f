/**
 * A file-backed IPv4 address allocator for one pod network, in the manner of the CNI
 * host-local plugin: every allocated address is a file named by the address whose content is
 * the owner (a sandbox id). Files are created with O_EXCL, so two processes never hand out
 * the same address, and allocations survive restarts of the node agent. Allocation walks on
 * from the last address handed out (persisted too), so a freed address is not reused at once
 * while stale traffic to it may still be in flight.
 *
 * It never touches the system's network: it only reads and writes files under `dir`.
 */
import { mkdirSync, openSync, closeSync, writeSync, readdirSync, readFileSync, rmSync, writeFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { cidrContains, cidrSize, formatCidr, formatIPv4, gatewayOf, parseCidr, parseIPv4, type Cidr } from "../machinery/cidr.js";

export { cidrContains, cidrSize, formatCidr, formatIPv4, gatewayOf, parseCidr, parseIPv4, type Cidr };


export interface IpamOptions {
  /** Directory holding one file per allocated address (created if missing). */
  dir: string;
  /** The range addresses come from, e.g. "10.244.0.0/24". */
  cidr: string;
  /** Addresses never handed out besides the network and broadcast addresses. Default: the gateway (.1). */
  reserved?: string[];
}

export interface Allocation {
  ip: string;
  owner: string;
}

const lastFile = "last_reserved_ip";

export class FileIpam {
  readonly cidr: Cidr;
  private readonly dir: string;
  private readonly reserved: Set<number>;

  constructor(opts: IpamOptions) {
    this.cidr = parseCidr(opts.cidr);
    if (cidrSize(this.cidr) < 4) throw new Error(`pod CIDR ${opts.cidr} is too small`);
    this.dir = opts.dir;
    this.reserved = new Set((opts.reserved ?? [gatewayOf(this.cidr)]).map(parseIPv4));
    mkdirSync(this.dir, { recursive: true });
  }

  /** The owner's address, allocating one if it has none yet (so a retried setup is idempotent). */
  allocate(owner: string): string {
    if (!owner || /[\r\n]/.test(owner)) throw new Error(`invalid IPAM owner ${JSON.stringify(owner)}`);
    const existing = this.lookup(owner);
    if (existing) return existing;
    mkdirSync(this.dir, { recursive: true });
    const size = cidrSize(this.cidr);
    const first = this.cidr.base + 1;
    const last = this.cidr.base + size - 2;
    const span = last - first + 1;
    let start = first;
    const prev = this.readLast();
    if (prev !== undefined && prev >= first && prev <= last) start = prev + 1;
    for (let i = 0; i < span; i++) {
      const n = first + ((start - first + i) % span);
      if (this.reserved.has(n)) continue;
      const ip = formatIPv4(n);
      let fd: number;
      try {
        fd = openSync(join(this.dir, ip), "wx", 0o644);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "EEXIST") continue;
        throw e;
      }
      try {
        writeSync(fd, owner);
      } finally {
        closeSync(fd);
      }
      this.writeLast(n);
      return ip;
    }
    throw new Error(`no free address left in ${formatCidr(this.cidr)}`);
  }

  /** Frees the owner's address; returns it, or undefined when it had none. */
  release(owner: string): string | undefined {
    const ip = this.lookup(owner);
    if (ip) rmSync(join(this.dir, ip), { force: true });
    return ip;
  }

  lookup(owner: string): string | undefined {
    return this.list().find((a) => a.owner === owner)?.ip;
  }

  /** Every current allocation inside this range (files for other ranges are ignored). */
  list(): Allocation[] {
    const out: Allocation[] = [];
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return out;
      throw e;
    }
    for (const name of names) {
      if (name === lastFile || name.startsWith(".")) continue;
      let inRange = false;
      try {
        inRange = cidrContains(this.cidr, name);
      } catch {
        continue;
      }
      if (!inRange) continue;
      try {
        out.push({ ip: name, owner: readFileSync(join(this.dir, name), "utf8").trim() });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      }
    }
    return out;
  }

  /** Forgets every allocation (tests and `cleanupAll`). */
  reset(): void {
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(this.dir, { recursive: true });
  }

  private readLast(): number | undefined {
    try {
      return parseIPv4(readFileSync(join(this.dir, lastFile), "utf8").trim());
    } catch {
      return undefined;
    }
  }

  private writeLast(n: number): void {
    const tmp = join(this.dir, `.${lastFile}.${process.pid}`);
    writeFileSync(tmp, formatIPv4(n));
    renameSync(tmp, join(this.dir, lastFile));
  }
}
