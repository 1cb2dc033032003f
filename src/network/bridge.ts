/**
 * The pod network of one node: a Linux bridge (`timonel0` by default) holding the gateway
 * address of the node's pod CIDR, and per pod sandbox a network namespace
 * (`/var/run/netns/<prefix><sandboxId>`) joined to the bridge by a veth pair (hairpin on, so
 * a pod reaches itself through a Service), with an address from the file-backed IPAM, lo up
 * and a default route via the bridge.
 *
 * Safety (shared/MACHINE-NOTES.md): the service CIDR is routed to the bridge so it never
 * follows the host's default route; an nftables table drops everything forwarded from the
 * bridge to any other interface; nothing is masqueraded. Everything made here is removed by
 * `tearDown` (one pod) or `cleanupAll` (the whole network).
 *
 * Only iproute2 (`ip`) and nftables (`nft`) are used, as child processes; needs root.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { existsSync } from "node:fs";
import { FileIpam, formatCidr, gatewayOf, parseCidr, type Cidr } from "./ipam.js";
import { run, runIgnoring } from "./sys.js";

export interface PodBridgeOptions {
  /** The node's pod CIDR, e.g. "10.244.0.0/24"; the bridge takes its first address. */
  podCidr: string;
  /** Where IPAM allocations are persisted (`<stateDir>/ipam/<bridge>`). */
  stateDir: string;
  /** Default "timonel0". At most 15 characters (a Linux interface name). */
  bridgeName?: string;
  /** Routed to the bridge so Service traffic never leaves the machine. Default "10.96.0.0/12". */
  serviceCidr?: string;
  /** The nftables table (family inet) holding the forward filter. Default "timonel". */
  nftTable?: string;
  /** Network namespace names are `<prefix><sandboxId>`. Default "timonel-". */
  netnsPrefix?: string;
}

export interface PodAttachment {
  ip: string;
  gateway: string;
  prefixLength: number;
  netnsName: string;
  /** What a container's config.json puts in `linux.namespaces[network].path`. */
  netnsPath: string;
  hostVeth: string;
}

export const netnsDir = "/var/run/netns";

export class PodBridge {
  readonly bridgeName: string;
  readonly podCidr: Cidr;
  readonly gateway: string;
  readonly serviceCidr: string;
  readonly nftTable: string;
  readonly netnsPrefix: string;
  private readonly ipam: FileIpam;
  private ensured: Promise<void> | undefined;

  constructor(opts: PodBridgeOptions) {
    this.bridgeName = opts.bridgeName ?? "timonel0";
    if (!/^[A-Za-z0-9_.-]{1,15}$/.test(this.bridgeName)) throw new Error(`invalid bridge name ${JSON.stringify(this.bridgeName)}`);
    this.podCidr = parseCidr(opts.podCidr);
    this.gateway = gatewayOf(this.podCidr);
    this.serviceCidr = formatCidr(parseCidr(opts.serviceCidr ?? "10.96.0.0/12"));
    this.nftTable = opts.nftTable ?? "timonel";
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(this.nftTable)) throw new Error(`invalid nftables table name ${JSON.stringify(this.nftTable)}`);
    this.netnsPrefix = opts.netnsPrefix ?? "timonel-";
    this.ipam = new FileIpam({ dir: join(opts.stateDir, "ipam", this.bridgeName), cidr: formatCidr(this.podCidr), reserved: [this.gateway] });
  }

  /** Creates (or repairs) the bridge, its address, the service route and the forward filter. Idempotent. */
  ensure(): Promise<void> {
    this.ensured ??= this.doEnsure().catch((e: unknown) => {
      this.ensured = undefined;
      throw e;
    });
    return this.ensured;
  }

  private async doEnsure(): Promise<void> {
    const br = this.bridgeName;
    await runIgnoring("ip", ["link", "add", br, "type", "bridge"], /File exists/);
    await run("ip", ["addr", "replace", `${this.gateway}/${this.podCidr.prefix}`, "dev", br]);
    await run("ip", ["link", "set", br, "up"]);
    // Another Timonel bridge may already own the service route; then traffic is already safe.
    const routes = JSON.parse((await run("ip", ["-j", "route", "show", "exact", this.serviceCidr])) || "[]") as unknown[];
    if (routes.length === 0) await runIgnoring("ip", ["route", "add", this.serviceCidr, "dev", br], /File exists/);
    await run("nft", ["-f", "-"], { input: this.nftRuleset() });
  }

  /** The forward filter: bridge → bridge is fine (pod to pod, hairpin), bridge → anything else is dropped. */
  nftRuleset(): string {
    const t = this.nftTable;
    const br = JSON.stringify(this.bridgeName);
    return [
      `table inet ${t} {}`,
      `flush table inet ${t}`,
      `table inet ${t} {`,
      `  chain forward {`,
      `    type filter hook forward priority filter; policy accept;`,
      `    iifname ${br} oifname ${br} accept`,
      `    iifname ${br} drop`,
      `  }`,
      `}`,
      "",
    ].join("\n");
  }

  netnsName(sandboxId: string): string {
    return `${this.netnsPrefix}${sandboxId}`;
  }

  private hostVeth(sandboxId: string): string {
    return `tv${createHash("sha1").update(this.netnsName(sandboxId)).digest("hex").slice(0, 11)}`;
  }

  /** Gives the sandbox its namespace, veth and address. A retry after a crash starts over cleanly. */
  async setUp(sandboxId: string): Promise<PodAttachment> {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(sandboxId)) throw new Error(`invalid sandbox id ${JSON.stringify(sandboxId)}`);
    await this.ensure();
    const ns = this.netnsName(sandboxId);
    const veth = this.hostVeth(sandboxId);
    if (existsSync(join(netnsDir, ns))) await this.deleteNetns(sandboxId);
    const ip = this.ipam.allocate(sandboxId);
    try {
      await run("ip", ["-batch", "-"], {
        input: [
          `netns add ${ns}`,
          `link add ${veth} type veth peer name eth0 netns ${ns}`,
          `link set ${veth} master ${this.bridgeName} up`,
          `link set ${veth} type bridge_slave hairpin on`,
          "",
        ].join("\n"),
      });
      await run("ip", ["-n", ns, "-batch", "-"], {
        input: [
          `addr add ${ip}/${this.podCidr.prefix} dev eth0`,
          `link set eth0 up`,
          `link set lo up`,
          `route add default via ${this.gateway}`,
          "",
        ].join("\n"),
      });
    } catch (e) {
      await this.deleteNetns(sandboxId).catch(() => undefined);
      this.ipam.release(sandboxId);
      throw e;
    }
    return { ip, gateway: this.gateway, prefixLength: this.podCidr.prefix, netnsName: ns, netnsPath: join(netnsDir, ns), hostVeth: veth };
  }

  /** Removes the sandbox's namespace (which takes its veth pair with it) and frees its address. */
  async tearDown(sandboxId: string): Promise<void> {
    await this.deleteNetns(sandboxId);
    this.ipam.release(sandboxId);
  }

  /** The sandbox's address, if it has one (e.g. after an agent restart). */
  lookup(sandboxId: string): string | undefined {
    return this.ipam.lookup(sandboxId);
  }

  private async deleteNetns(sandboxId: string): Promise<void> {
    await runIgnoring("ip", ["netns", "del", this.netnsName(sandboxId)], /No such file|Cannot remove namespace file/);
    await runIgnoring("ip", ["link", "del", this.hostVeth(sandboxId)], /Cannot find device|does not exist|No such device/);
  }

  /** Removes every namespace with this bridge's prefix, every port, the bridge, its route and nft table, and the IPAM state. */
  async cleanupAll(): Promise<void> {
    const list = JSON.parse((await run("ip", ["-j", "netns", "list"])) || "[]") as Array<{ name: string }>;
    for (const { name } of list) {
      if (name.startsWith(this.netnsPrefix)) await runIgnoring("ip", ["netns", "del", name], /No such file/);
    }
    let ports: Array<{ ifname: string }> = [];
    try {
      ports = JSON.parse((await run("ip", ["-j", "link", "show", "master", this.bridgeName])) || "[]") as Array<{ ifname: string }>;
    } catch {
      // no bridge, no ports
    }
    for (const p of ports) await runIgnoring("ip", ["link", "del", p.ifname], /Cannot find device/);
    await runIgnoring("ip", ["route", "del", this.serviceCidr, "dev", this.bridgeName], /No such process|Cannot find device|not found/);
    await runIgnoring("ip", ["link", "del", this.bridgeName], /Cannot find device/);
    await runIgnoring("nft", ["delete", "table", "inet", this.nftTable], /No such file or directory/);
    this.ipam.reset();
    this.ensured = undefined;
  }
}
