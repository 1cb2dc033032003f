/**
 * Upstream's slowStartBatch: bulk creates go out in batches of 1, 2, 4, ... so that a call
 * that fails for every item (quota, admission, a bad template) fails after one request,
 * not after hundreds.
 */

/**
 * Calls `fn(i)` for i in [0, count), batch by batch, each batch concurrently and twice as large
 * as the one before (starting at `initialBatchSize`). Stops after the first batch in which a call
 * failed. Returns how many calls succeeded and the first error.
 */
export async function slowStartBatch(
  count: number,
  initialBatchSize: number,
  fn: (i: number) => Promise<void>,
): Promise<{ successes: number; error?: Error }> {
  let successes = 0;
  let next = 0;
  let size = Math.min(count, Math.max(1, initialBatchSize));
  while (size > 0) {
    const start = next;
    next += size;
    const results = await Promise.allSettled(Array.from({ length: size }, (_, j) => fn(start + j)));
    let error: Error | undefined;
    for (const r of results) {
      if (r.status === "fulfilled") successes++;
      else error ??= r.reason instanceof Error ? r.reason : new Error(String(r.reason));
    }
    if (error) return { successes, error };
    size = Math.min(2 * size, count - next);
  }
  return { successes };
}
