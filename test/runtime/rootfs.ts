/**
 * A minimal root filesystem for container tests, made from busybox-static: the binary, one
 * symlink per applet, and the usual empty directories. No image store involved.
 */
import { copyFileSync, existsSync, mkdirSync, symlinkSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";

export const busyboxPath = "/bin/busybox";

export function busyboxRootfs(dir: string): string {
  for (const d of ["bin", "etc", "tmp", "proc", "sys", "dev", "root", "var"]) mkdirSync(join(dir, d), { recursive: true });
  copyFileSync(busyboxPath, join(dir, "bin", "busybox"));
  const applets = execFileSync(busyboxPath, ["--list"], { encoding: "utf8" }).split("\n").filter((a) => /^[\w.[-]+$/.test(a));
  for (const a of applets) {
    const p = join(dir, "bin", a);
    if (a !== "busybox" && !existsSync(p)) symlinkSync("busybox", p);
  }
  return dir;
}
