/**
 * kubelet's flag syntax for what a simulated node registers with, so `timonel up` can take
 * the same strings: `--node-labels k=v,k2=v2` and `--register-with-taints k=v:Effect,k2:Effect`.
 */
import type { Taint } from "kubernetes-types/core/v1.js";
import { isQualifiedName, isValidLabelValue } from "../../../machinery/validation.js";

const taintEffects = new Set(["NoSchedule", "PreferNoSchedule", "NoExecute"]);

export function parseNodeLabels(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const term of s.split(",").map((x) => x.trim()).filter(Boolean)) {
    const eq = term.indexOf("=");
    if (eq <= 0) throw new Error(`invalid node label ${JSON.stringify(term)}: expected key=value`);
    const key = term.slice(0, eq);
    const value = term.slice(eq + 1);
    const errs = [...isQualifiedName(key), ...isValidLabelValue(value)];
    if (errs.length) throw new Error(`invalid node label ${JSON.stringify(term)}: ${errs.join("; ")}`);
    out[key] = value;
  }
  return out;
}

export function parseTaints(s: string): Taint[] {
  const out: Taint[] = [];
  for (const term of s.split(",").map((x) => x.trim()).filter(Boolean)) {
    const colon = term.lastIndexOf(":");
    if (colon <= 0) throw new Error(`invalid taint ${JSON.stringify(term)}: expected key[=value]:Effect`);
    const effect = term.slice(colon + 1);
    if (!taintEffects.has(effect)) throw new Error(`invalid taint ${JSON.stringify(term)}: effect must be one of NoSchedule, PreferNoSchedule, NoExecute`);
    const kv = term.slice(0, colon);
    const eq = kv.indexOf("=");
    const key = eq < 0 ? kv : kv.slice(0, eq);
    const value = eq < 0 ? undefined : kv.slice(eq + 1);
    const errs = [...isQualifiedName(key), ...(value ? isValidLabelValue(value) : [])];
    if (errs.length) throw new Error(`invalid taint ${JSON.stringify(term)}: ${errs.join("; ")}`);
    out.push(value ? { key, value, effect } : { key, effect });
  }
  return out;
}
