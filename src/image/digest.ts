/**
 * Content digests (`sha256:<hex>`): validation, hashing of buffers, files and streams, and
 * the layer chain IDs of the OCI image spec. Every byte the image code trusts passes here.
 */
import { createHash, type Hash } from "node:crypto";
import { createReadStream } from "node:fs";
import { Transform, type TransformCallback } from "node:stream";

const SHA256_RE = /^sha256:[a-f0-9]{64}$/;

/** Thrown when content does not hash to the digest that named it. */
export class DigestMismatchError extends Error {
  constructor(readonly expected: string, readonly actual: string, what = "content") {
    super(`digest mismatch for ${what}: expected ${expected}, got ${actual}`);
    this.name = "DigestMismatchError";
  }
}

export function isSha256Digest(d: string): boolean {
  return SHA256_RE.test(d);
}

/** Validates a digest this code can verify and returns its hex part (only sha256 is supported). */
export function digestHex(d: string): string {
  if (!SHA256_RE.test(d)) throw new Error(`unsupported or invalid digest ${JSON.stringify(d)} (only sha256 is supported)`);
  return d.slice("sha256:".length);
}

export function sha256Digest(data: Buffer | string): string {
  return "sha256:" + createHash("sha256").update(data).digest("hex");
}

export async function sha256File(path: string): Promise<{ digest: string; size: number }> {
  const h = createHash("sha256");
  let size = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    h.update(chunk);
    size += chunk.length;
  }
  return { digest: "sha256:" + h.digest("hex"), size };
}

/** A pass-through stream that hashes what flows through it; read `digest()` after the end. */
export class HashingStream extends Transform {
  private readonly hash: Hash;
  bytes = 0;
  constructor(seed?: Hash) {
    super();
    this.hash = seed ?? createHash("sha256");
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }
  digest(): string {
    return "sha256:" + this.hash.digest("hex");
  }
}

/** ChainIDs per the OCI image spec: chain[0] = diff[0]; chain[n] = sha256(chain[n-1] + " " + diff[n]). */
export function chainIDs(diffIDs: readonly string[]): string[] {
  const out: string[] = [];
  for (const d of diffIDs) {
    const prev = out[out.length - 1];
    out.push(prev === undefined ? d : sha256Digest(`${prev} ${d}`));
  }
  return out;
}
