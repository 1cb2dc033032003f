/**
 * The node agent's housekeeping knobs (container log rotation, image GC): kubelet's defaults
 * and checks. Kept apart from the modules that do the work so that the CLI can check its flags
 * without loading the image store.
 */
import { parseQuantity } from "../../api/core/v1/quantity.js";

export const defaultContainerLogMaxSize = 10 * 1024 * 1024;
export const defaultContainerLogMaxFiles = 5;
export const defaultLogRotationIntervalMs = 10_000;
export const defaultImageGCHighPercent = 85;
export const defaultImageGCLowPercent = 80;

/** `10Mi`, `64Ki`, `1G` or a byte count: bytes, as kubelet's --container-log-max-size reads it. */
export function parseLogMaxSize(v: string | number): number {
  const q = typeof v === "number" ? parseQuantity(v) : parseQuantity(v.trim());
  const bytes = q ? Number(q.nano / 1_000_000_000n) : NaN;
  if (!q || q.nano % 1_000_000_000n !== 0n || !(bytes > 0) || !Number.isSafeInteger(bytes)) {
    throw new Error(`container log max size must be a positive quantity of bytes such as 10Mi, got ${JSON.stringify(v)}`);
  }
  return bytes;
}

export function checkLogPolicy(p: { maxSize: number; maxFiles: number }): void {
  if (!(Number.isSafeInteger(p.maxSize) && p.maxSize > 0)) throw new Error(`container log max size must be a positive whole number of bytes, got ${p.maxSize}`);
  // kubelet: one current file and at least one rotated one.
  if (!(Number.isInteger(p.maxFiles) && p.maxFiles >= 2)) throw new Error(`container log max files must be a whole number >= 2, got ${p.maxFiles}`);
}

export function checkImageGCThresholds(high: number, low: number): void {
  for (const [flag, v] of [["--image-gc-high-threshold", high], ["--image-gc-low-threshold", low]] as const) {
    if (!(Number.isInteger(v) && v >= 0 && v <= 100)) throw new Error(`${flag} must be a whole percent between 0 and 100, got ${v}`);
  }
  // kubelet's validation: the low threshold must be below the high one.
  if (low >= high) throw new Error(`--image-gc-low-threshold (${low}) must be less than --image-gc-high-threshold (${high})`);
}
