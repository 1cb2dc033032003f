import { test } from "node:test";
import assert from "node:assert/strict";
import { hostsFile, resolvConf } from "./etc-files.js";

test("hosts file: localhost, the pod's own address, then hostAliases", () => {
  const h = hostsFile({ ip: "10.244.0.5", hostname: "web-0", aliases: [{ ip: "1.2.3.4", hostnames: ["a", "b"] }] });
  assert.match(h, /^# Kubernetes-managed hosts file\.\n127\.0\.0\.1\tlocalhost\n/);
  assert.match(h, /\n10\.244\.0\.5\tweb-0\n/);
  assert.match(h, /# Entries added by HostAliases\.\n1\.2\.3\.4\ta\tb\n$/);
});

test("resolv.conf from dnsConfig, else the host's", () => {
  assert.equal(
    resolvConf({ nameservers: ["10.96.0.10"], searches: ["default.svc.cluster.local", "svc.cluster.local"], options: [{ name: "ndots", value: "5" }, { name: "edns0" }] }),
    "search default.svc.cluster.local svc.cluster.local\nnameserver 10.96.0.10\noptions ndots:5 edns0\n",
  );
  assert.equal(resolvConf(undefined, "/nonexistent/resolv.conf"), "");
});
