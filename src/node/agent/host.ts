/**
 * What the node agent reads about this machine: its name, CPU and memory, the disk under the
 * data dir, the OS, and the IDs kubelet reports (machine-id, boot_id, system UUID). Linux
 * sources (/proc, /etc) with portable fallbacks, so the process runtime works elsewhere too.
 */
import { readFileSync, statfsSync } from "node:fs";
import os from "node:os";

export interface HostFacts {
  hostname: string;
  cpus: number;
  memoryBytes: number;
  operatingSystem: string;
  architecture: string;
  kernelVersion: string;
  osImage: string;
  machineID: string;
  systemUUID: string;
  bootID: string;
}

export interface DiskFacts {
  capacityBytes: number;
  availableBytes: number;
}

export interface MemoryFacts {
  totalBytes: number;
  /** MemAvailable (what eviction's memory.available measures), or free memory elsewhere. */
  availableBytes: number;
}

/** Node's arch names → Go's GOARCH, which Kubernetes uses in labels and nodeInfo. */
const goArch: Record<string, string> = {
  x64: "amd64", arm64: "arm64", arm: "arm", ia32: "386", ppc64: "ppc64le", s390x: "s390x",
  riscv64: "riscv64", loong64: "loong64", mips: "mips", mipsel: "mipsle",
};
const goOS: Record<string, string> = { win32: "windows", sunos: "solaris" };

export function goArchitecture(arch: string = process.arch): string {
  return goArch[arch] ?? arch;
}

export function goOperatingSystem(platform: string = process.platform): string {
  return goOS[platform] ?? platform;
}

const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The Node name: as given, or the hostname lowercased; it must be a DNS-1123 subdomain, as kubelet requires. */
export function nodeNameFor(given: string | undefined, hostname: string = os.hostname()): string {
  const name = (given ?? hostname).trim().toLowerCase();
  if (name.length === 0 || name.length > 253 || !dns1123Subdomain.test(name)) {
    const what = given === undefined ? `this machine's hostname ${JSON.stringify(hostname)}` : JSON.stringify(given);
    throw new Error(
      `${what} is not a valid node name: it must be a lowercase RFC 1123 subdomain (letters, digits, '-' and '.', ` +
        `starting and ending with a letter or digit, at most 253 characters); choose one with --node-name`,
    );
  }
  return name;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** PRETTY_NAME of os-release(5), as kubelet's osImage. */
export function parseOsRelease(text: string): string | undefined {
  for (const line of text.split("\n")) {
    const m = /^PRETTY_NAME=(.*)$/.exec(line.trim());
    if (!m) continue;
    const v = m[1]!.trim();
    return v.replace(/^"(.*)"$/, "$1").replace(/^'(.*)'$/, "$1").replace(/\\(.)/g, "$1");
  }
  return undefined;
}

/** kubelet's machineID is /etc/machine-id as is (32 hex digits); systemUUID the DMI product UUID. */
function uuidOf(hex32: string): string {
  return `${hex32.slice(0, 8)}-${hex32.slice(8, 12)}-${hex32.slice(12, 16)}-${hex32.slice(16, 20)}-${hex32.slice(20, 32)}`;
}

export function readHostFacts(): HostFacts {
  const machineID = (readText("/etc/machine-id") ?? readText("/var/lib/dbus/machine-id") ?? "").trim();
  const productUUID = readText("/sys/class/dmi/id/product_uuid")?.trim().toLowerCase();
  const bootID = readText("/proc/sys/kernel/random/boot_id")?.trim() ?? "";
  const osRelease = readText("/etc/os-release") ?? readText("/usr/lib/os-release");
  return {
    hostname: os.hostname(),
    cpus: Math.max(1, os.cpus().length),
    memoryBytes: os.totalmem(),
    operatingSystem: goOperatingSystem(),
    architecture: goArchitecture(),
    kernelVersion: os.release(),
    osImage: (osRelease && parseOsRelease(osRelease)) ?? `${os.type()} ${os.release()}`,
    machineID,
    systemUUID: productUUID || (/^[0-9a-f]{32}$/.test(machineID) ? uuidOf(machineID) : ""),
    bootID,
  };
}

export function readDiskFacts(path: string): DiskFacts {
  const s = statfsSync(path);
  return { capacityBytes: s.blocks * s.bsize, availableBytes: s.bavail * s.bsize };
}

export function parseMeminfo(text: string): { totalBytes?: number; availableBytes?: number } {
  const field = (name: string): number | undefined => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(text);
    return m ? Number(m[1]) * 1024 : undefined;
  };
  return { totalBytes: field("MemTotal"), availableBytes: field("MemAvailable") };
}

export function readMemoryFacts(): MemoryFacts {
  const info = parseMeminfo(readText("/proc/meminfo") ?? "");
  return { totalBytes: info.totalBytes ?? os.totalmem(), availableBytes: info.availableBytes ?? os.freemem() };
}
