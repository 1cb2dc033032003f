/** Score helpers several plugins share (upstream's helper.DefaultNormalizeScore). */
import type { NodeScore } from "../framework/interfaces.js";

/** Scales scores to [0, max] by the highest one; `reverse` flips them (max − score). */
export function defaultNormalizeScore(max: number, reverse: boolean, scores: NodeScore[]): void {
  let highest = 0;
  for (const s of scores) if (s.score > highest) highest = s.score;
  if (highest === 0) {
    if (reverse) for (const s of scores) s.score = max;
    return;
  }
  for (const s of scores) {
    let v = Math.trunc((max * s.score) / highest);
    if (reverse) v = max - v;
    s.score = v;
  }
}
