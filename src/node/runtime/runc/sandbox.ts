/**
 * What a pod sandbox is on disk for the runc runtime, without a pause container: persistent
 * IPC and UTS namespaces (bind-mounted nsfs files made with util-linux `unshare`, the UTS one
 * with the pod's hostname set inside), a tmpfs for the pod's shared /dev/shm, and the pod's
 * hosts, resolv.conf and hostname files. Containers join these by path. The network
 * namespace comes from the PodNetwork.
 */
import { mkdirSync, writeFileSync, rmSync, existsSync } from "node:fs";
import { join } from "node:path";
import { hostname as osHostname } from "node:os";
import { hostsFile, resolvConf } from "../etc-files.js";
import { tool, toolIgnoring } from "../store.js";
import type { SandboxSpec } from "../types.js";
import type { PodPaths } from "./spec.js";

export function podPaths(dir: string, hostNetwork: boolean, netNs: string | undefined): PodPaths {
  return {
    hosts: join(dir, "hosts"),
    resolvConf: join(dir, "resolv.conf"),
    hostnameFile: join(dir, "hostname"),
    shm: join(dir, "shm"),
    ipcNs: join(dir, "ns", "ipc"),
    utsNs: hostNetwork ? undefined : join(dir, "ns", "uts"),
    netNs,
  };
}

/** Creates namespaces, /dev/shm and the /etc files. On error, whatever was made is left for `destroyPodFiles`. */
export async function createPodFiles(dir: string, spec: SandboxSpec, paths: PodPaths, ip: string | undefined): Promise<void> {
  mkdirSync(join(dir, "ns"), { recursive: true });
  mkdirSync(paths.shm, { recursive: true });
  const hostNetwork = spec.hostNetwork === true;
  const hostname = hostNetwork ? osHostname() : spec.hostname;
  writeFileSync(paths.hosts, hostNetwork ? hostsFile({ hostname }) : hostsFile({ ip, hostname, aliases: spec.hosts }));
  writeFileSync(paths.resolvConf, resolvConf(spec.dnsConfig));
  writeFileSync(paths.hostnameFile, `${hostname}\n`);
  const nsArgs: string[] = [];
  for (const f of [paths.ipcNs, paths.utsNs]) if (f) writeFileSync(f, "");
  nsArgs.push(`--ipc=${paths.ipcNs}`);
  if (paths.utsNs) nsArgs.push(`--uts=${paths.utsNs}`, "hostname", spec.hostname);
  else nsArgs.push("true");
  await tool("unshare", nsArgs);
  await tool("mount", ["-t", "tmpfs", "-o", "nosuid,nodev,noexec,mode=1777,size=65536k", "shm", paths.shm]);
}

/** Unmounts and deletes everything `createPodFiles` made. Idempotent. */
export async function destroyPodFiles(dir: string, paths: PodPaths): Promise<void> {
  for (const p of [paths.shm, paths.ipcNs, paths.utsNs]) {
    if (p && existsSync(p)) await toolIgnoring("umount", [p], /not mounted|no mount point|No such file/);
  }
  rmSync(dir, { recursive: true, force: true });
}
