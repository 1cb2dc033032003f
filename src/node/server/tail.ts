/**
 * Where the last N log lines of a CRI log file begin, found by reading the file backwards in
 * blocks, so `--tail` on a large log reads only its end. A line is one or more partial (P)
 * entries ended by a full (F) entry; trailing partial entries with no F yet count as one line.
 */
import type { FileHandle } from "node:fs/promises";

const BLOCK = 64 * 1024;

/** The entry's tag, F or P, without parsing the rest; undefined for a malformed line. */
function tagOf(line: Buffer): "F" | "P" | undefined {
  // `<time> <stream> <tag> ...`: the tag follows the second space.
  const a = line.indexOf(0x20);
  if (a < 0) return undefined;
  const b = line.indexOf(0x20, a + 1);
  if (b < 0) return undefined;
  const tag = line[b + 1];
  const after = line[b + 2];
  if (after !== undefined && after !== 0x20 && after !== 0x0a) return undefined;
  return tag === 0x46 ? "F" : tag === 0x50 ? "P" : undefined;
}

/** Byte offset at which the last `n` lines of the file's first `size` bytes start. */
export async function tailOffset(fh: FileHandle, size: number, n: number): Promise<number> {
  if (n <= 0) return size;
  let lines = 0;
  let trailingPartial = false;
  let seenFull = false;
  /** Called for each raw line from the end; returns the offset to start at when found. */
  const visit = (line: Buffer, end: number): number | undefined => {
    const tag = tagOf(line);
    if (tag === "P" && !seenFull) trailingPartial = true;
    if (tag !== "F") return undefined;
    seenFull = true;
    if (lines + (trailingPartial ? 1 : 0) >= n) return end;
    lines++;
    return undefined;
  };
  let pos = size;
  let rest = Buffer.alloc(0);
  while (pos > 0) {
    const start = Math.max(0, pos - BLOCK);
    const block = Buffer.alloc(pos - start);
    const { bytesRead } = await fh.read(block, 0, block.length, start);
    const data = Buffer.concat([block.subarray(0, bytesRead), rest]);
    let lineEnd = data.length;
    for (;;) {
      const nl = lineEnd >= 2 ? data.lastIndexOf(0x0a, lineEnd - 2) : -1;
      if (nl < 0) break;
      const found = visit(data.subarray(nl + 1, lineEnd), start + lineEnd);
      if (found !== undefined) return found;
      lineEnd = nl + 1;
    }
    rest = data.subarray(0, lineEnd);
    pos = start;
  }
  if (rest.length > 0) {
    const found = visit(rest, rest.length);
    if (found !== undefined) return found;
  }
  return 0;
}
