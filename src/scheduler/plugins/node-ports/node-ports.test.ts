import { test } from "node:test";
import assert from "node:assert/strict";
import { filterAll, frameworkWith, makeNode, makePod, type PodSpecLite } from "../../testing.js";

test("NodePorts: host port conflicts by protocol, port and IP (0.0.0.0 clashes with all)", () => {
  const nodes = [makeNode("any"), makeNode("ip"), makeNode("udp"), makeNode("free")];
  const existing = [
    makePod("e1", { node: "any", hostPorts: [8080] }),
    makePod("e2", { node: "ip", hostPorts: [{ port: 8080, ip: "10.0.0.1" }] }),
    makePod("e3", { node: "udp", hostPorts: [{ port: 8080, protocol: "UDP" }] }),
  ];
  const { fwk, snap } = frameworkWith(["NodePorts"], nodes, existing);
  const taken = "node(s) didn't have free ports for the requested pod ports";
  const cases: { name: string; ports: PodSpecLite["hostPorts"]; want: Record<string, string> }[] = [
    { name: "no host ports (skipped)", ports: [], want: { any: "", ip: "", udp: "", free: "" } },
    { name: "8080/TCP on all IPs", ports: [8080], want: { any: taken, ip: taken, udp: "", free: "" } },
    { name: "8080/TCP on another IP", ports: [{ port: 8080, ip: "10.0.0.2" }], want: { any: taken, ip: "", udp: "", free: "" } },
    { name: "8080/TCP on the same IP", ports: [{ port: 8080, ip: "10.0.0.1" }], want: { any: taken, ip: taken, udp: "", free: "" } },
    { name: "8080/UDP", ports: [{ port: 8080, protocol: "UDP" }], want: { any: "", ip: "", udp: taken, free: "" } },
    { name: "another port", ports: [9090], want: { any: "", ip: "", udp: "", free: "" } },
  ];
  for (const c of cases) assert.deepEqual(filterAll(fwk, snap, makePod("p", { hostPorts: c.ports })), c.want, c.name);
});
