/**
 * Checks the hand-written schema against the descriptors compiled into the real kubectl
 * v1.32 binary: every field we declare has upstream's number, type and cardinality, and
 * every message reachable from the accepted kinds declares every upstream field.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import protobuf from "protobufjs";
import type { Type } from "protobufjs";
import { schemaRoot, protobufKinds, unknownType } from "./schema/index.js";
import { readGoDescriptors, type DescribedMessage } from "./testing/go-descriptors.js";

const KUBECTL_132 = "/usr/lib/google-cloud-sdk/bin/kubectl.1.32";

function describeOurs(type: Type): Map<string, { number: number; type: string; repeated: boolean; mapKey?: string }> {
  const out = new Map<string, { number: number; type: string; repeated: boolean; mapKey?: string }>();
  for (const f of type.fieldsArray) {
    const t = f.resolvedType ? f.resolvedType.fullName.slice(1) : f.type;
    const mapKey = f instanceof protobuf.MapField ? f.keyType : undefined;
    out.set(f.name, { number: f.id, type: t, repeated: f.repeated, ...(mapKey ? { mapKey } : {}) });
  }
  return out;
}

test("schema matches the descriptors compiled into kubectl 1.32", { skip: !existsSync(KUBECTL_132) && "kubectl.1.32 not installed" }, () => {
  const upstream = readGoDescriptors(KUBECTL_132);
  assert.ok(upstream.size > 1000, `expected many descriptors, found ${upstream.size}`);
  const problems: string[] = [];
  const seen = new Set<string>();
  const queue: Type[] = [unknownType(), ...protobufKinds.map((k) => schemaRoot().lookupType(k.message))];
  while (queue.length > 0) {
    const type = queue.pop()!;
    const name = type.fullName.slice(1);
    if (seen.has(name)) continue;
    seen.add(name);
    const theirs: DescribedMessage | undefined = upstream.get(name);
    if (!theirs) {
      problems.push(`${name}: not in kubectl's descriptors`);
      continue;
    }
    const ours = describeOurs(type);
    for (const [field, mine] of ours) {
      const up = theirs.fields.get(field);
      if (!up) problems.push(`${name}.${field}: not an upstream field`);
      else {
        const upShape = { number: up.number, type: up.type, repeated: up.repeated, ...(up.mapKey ? { mapKey: up.mapKey } : {}) };
        if (JSON.stringify(upShape) !== JSON.stringify(mine)) problems.push(`${name}.${field}: ours ${JSON.stringify(mine)} upstream ${JSON.stringify(upShape)}`);
      }
    }
    for (const field of theirs.fields.keys()) if (!ours.has(field)) problems.push(`${name}.${field}: missing`);
    for (const f of type.fieldsArray) if (f.resolvedType instanceof protobuf.Type) queue.push(f.resolvedType);
  }
  assert.deepEqual(problems, []);
  assert.ok(seen.size > 200, `checked ${seen.size} messages`);
});
