import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileIpam, cidrContains, gatewayOf, parseCidr, formatCidr } from "./ipam.js";

function tmp(t: { after: (fn: () => void) => void }): string {
  const d = mkdtempSync(join(tmpdir(), "ipam-"));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

test("CIDR helpers", () => {
  const c = parseCidr("10.244.3.7/24");
  assert.equal(formatCidr(c), "10.244.3.0/24");
  assert.equal(gatewayOf(c), "10.244.3.1");
  assert.ok(cidrContains(c, "10.244.3.254"));
  assert.ok(!cidrContains(c, "10.244.4.1"));
  assert.throws(() => parseCidr("10.0.0.0/33"), /invalid CIDR/);
});

test("allocates past the gateway, is idempotent per owner, frees on release", (t) => {
  const dir = tmp(t);
  const ipam = new FileIpam({ dir, cidr: "10.1.0.0/29" });
  const a = ipam.allocate("sb-a");
  assert.equal(a, "10.1.0.2");
  assert.equal(ipam.allocate("sb-a"), a);
  const b = ipam.allocate("sb-b");
  assert.equal(b, "10.1.0.3");
  assert.equal(ipam.release("sb-a"), a);
  assert.equal(ipam.lookup("sb-a"), undefined);
  // Walks on from the last handed-out address instead of reusing the freed one at once.
  assert.equal(ipam.allocate("sb-c"), "10.1.0.4");
});

test("survives a restart and never hands out the same address twice", (t) => {
  const dir = tmp(t);
  const first = new FileIpam({ dir, cidr: "10.1.0.0/29" });
  const got = new Set<string>();
  for (const o of ["a", "b", "c"]) got.add(first.allocate(o));
  const second = new FileIpam({ dir, cidr: "10.1.0.0/29" });
  assert.equal(second.lookup("b"), first.lookup("b"));
  for (const o of ["d", "e"]) got.add(second.allocate(o));
  assert.equal(got.size, 5); // .2-.6: the /29 is full now (.0 network, .1 gateway, .7 broadcast)
  assert.throws(() => second.allocate("f"), /no free address/);
  second.release("c");
  assert.equal(second.allocate("f"), first.lookup("f") ?? "10.1.0.4");
  assert.deepEqual(second.list().map((x) => x.owner).sort(), ["a", "b", "d", "e", "f"]);
});
