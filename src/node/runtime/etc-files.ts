/**
 * The per-pod files kubelet manages and every container of the pod sees: /etc/hosts (with
 * the pod's own address and its hostAliases), /etc/resolv.conf and /etc/hostname.
 */
import { readFileSync } from "node:fs";
import type { DnsConfig, HostAlias } from "./types.js";

export function hostsFile(opts: { ip?: string; hostname: string; aliases?: HostAlias[] }): string {
  const lines = [
    "# Kubernetes-managed hosts file.",
    "127.0.0.1\tlocalhost",
    "::1\tlocalhost ip6-localhost ip6-loopback",
    "fe00::0\tip6-localnet",
    "fe00::0\tip6-mcastprefix",
    "fe00::1\tip6-allnodes",
    "fe00::2\tip6-allrouters",
  ];
  if (opts.ip) lines.push(`${opts.ip}\t${opts.hostname}`);
  if (opts.aliases?.length) {
    lines.push("", "# Entries added by HostAliases.");
    for (const a of opts.aliases) lines.push(`${a.ip}\t${a.hostnames.join("\t")}`);
  }
  return lines.join("\n") + "\n";
}

/** The pod's resolv.conf: its dnsConfig, or else a copy of the host's (dnsPolicy Default). */
export function resolvConf(dns: DnsConfig | undefined, hostResolv = "/etc/resolv.conf"): string {
  if (!dns || (!dns.nameservers?.length && !dns.searches?.length && !dns.options?.length)) {
    try {
      return readFileSync(hostResolv, "utf8");
    } catch {
      return "";
    }
  }
  const lines: string[] = [];
  if (dns.searches?.length) lines.push(`search ${dns.searches.join(" ")}`);
  for (const ns of dns.nameservers ?? []) lines.push(`nameserver ${ns}`);
  if (dns.options?.length) lines.push(`options ${dns.options.map((o) => (o.value === undefined ? o.name : `${o.name}:${o.value}`)).join(" ")}`);
  return lines.join("\n") + "\n";
}
