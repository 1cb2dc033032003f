import { test } from "node:test";
import assert from "node:assert/strict";
import { NodeIpam, cidrContains, formatCidr, nthSubnet, parseCidr, parseIPv4, formatIPv4, subnetCount } from "./ipam.js";

test("IPv4 and CIDR arithmetic", () => {
  assert.equal(formatIPv4(parseIPv4("10.244.3.7")), "10.244.3.7");
  assert.equal(parseIPv4("255.255.255.255"), 2 ** 32 - 1);
  assert.throws(() => parseIPv4("1.2.3"));
  assert.throws(() => parseIPv4("1.2.3.256"));
  assert.equal(formatCidr(parseCidr("10.244.7.9/16")), "10.244.0.0/16");
  assert.throws(() => parseCidr("10.0.0.0/33"));
  const range = parseCidr("10.244.0.0/16");
  assert.equal(subnetCount(range, 24), 256);
  assert.equal(subnetCount(range, 8), 0);
  assert.equal(formatCidr(nthSubnet(range, 24, 0)), "10.244.0.0/24");
  assert.equal(formatCidr(nthSubnet(range, 24, 255)), "10.244.255.0/24");
  assert.throws(() => nthSubnet(range, 24, 256), /no room/);
  assert.equal(formatCidr(nthSubnet(parseCidr("10.128.0.0/9"), 24, 5000)), "10.147.136.0/24");
  assert.ok(cidrContains(parseCidr("10.244.1.0/24"), "10.244.1.200"));
  assert.ok(!cidrContains(parseCidr("10.244.1.0/24"), "10.244.2.1"));
});

test("a node hands out .2 to .254, never twice, and frees on release", () => {
  const ipam = new NodeIpam("10.244.1.0/24");
  assert.equal(ipam.capacity, 253);
  assert.equal(ipam.allocate("a"), "10.244.1.2");
  assert.equal(ipam.allocate("a"), "10.244.1.2", "same key, same address");
  assert.equal(ipam.allocate("b"), "10.244.1.3");
  const seen = new Set(["10.244.1.2", "10.244.1.3"]);
  for (let i = 0; i < 251; i++) {
    const ip = ipam.allocate(`p${i}`);
    assert.ok(ip && !seen.has(ip), `fresh address ${ip}`);
    seen.add(ip);
  }
  assert.ok(!seen.has("10.244.1.0") && !seen.has("10.244.1.1") && !seen.has("10.244.1.255"));
  assert.equal(ipam.allocate("full"), undefined);
  assert.equal(ipam.allocated, 253);
  ipam.release("b");
  assert.equal(ipam.lookup("b"), undefined);
  assert.equal(ipam.allocate("c"), "10.244.1.3");
  ipam.release("nobody");
});

test("round robin: a freed address is not reused at once", () => {
  const ipam = new NodeIpam("10.244.1.0/24");
  assert.equal(ipam.allocate("a"), "10.244.1.2");
  ipam.release("a");
  assert.equal(ipam.allocate("b"), "10.244.1.3");
});

test("claims adopt addresses already in pod status", () => {
  const ipam = new NodeIpam("10.244.1.0/24");
  assert.ok(ipam.claim("a", "10.244.1.50"));
  assert.ok(ipam.claim("a", "10.244.1.50"));
  assert.ok(!ipam.claim("b", "10.244.1.50"), "held by another pod");
  assert.ok(!ipam.claim("b", "10.244.2.5"), "outside the block");
  assert.ok(!ipam.claim("b", "10.244.1.1"), "the gateway");
  assert.equal(ipam.lookup("a"), "10.244.1.50");
  assert.ok(ipam.claim("a", "10.244.1.51"), "moving frees the old one");
  assert.ok(ipam.claim("b", "10.244.1.50"));
});
