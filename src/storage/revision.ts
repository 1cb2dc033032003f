/**
 * Small rules every backend shares: which revision a read runs at, and how a key prefix
 * becomes a key range. Kept here so memory and sqlite cannot drift apart on them.
 */

import { CompactedError, FutureRevisionError } from "./backend.js";

/**
 * The revision a read runs at. 0 or absent means the current one; anything older than the
 * compact revision is gone, anything newer than the current one does not exist yet.
 */
export function readRevision(requested: number | undefined, current: number, compacted: number): number {
  if (!requested) return current;
  if (requested < compacted) throw new CompactedError(requested, compacted);
  if (requested > current) throw new FutureRevisionError(requested, current);
  return requested;
}

/**
 * The smallest string greater than every string that starts with `prefix`, or undefined when
 * there is none we can write (empty prefix, or a prefix ending in a surrogate or U+FFFF).
 * Incrementing the last UTF-16 unit also orders correctly in UTF-8 byte order (SQLite's
 * BINARY collation) because UTF-8 preserves code point order for the BMP.
 */
export function prefixEnd(prefix: string): string | undefined {
  if (prefix === "") return undefined;
  const last = prefix.charCodeAt(prefix.length - 1);
  if (last >= 0xd7ff && last <= 0xdfff) return undefined;
  if (last === 0xffff) return undefined;
  return prefix.slice(0, -1) + String.fromCharCode(last + 1);
}
