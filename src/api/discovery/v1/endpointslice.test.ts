import { test } from "node:test";
import assert from "node:assert/strict";
import { ago, simulateCreate, simulateUpdate } from "../../common/testing.js";
import { endpointSliceResource } from "./endpointslice.js";

test("EndpointSlice: defaults, validation, columns", () => {
  const { obj, errs } = simulateCreate(endpointSliceResource, {
    metadata: { name: "web-abc", labels: { "kubernetes.io/service-name": "web" } },
    addressType: "IPv4",
    endpoints: [{ addresses: ["10.1.0.5"] }, { addresses: ["10.1.0.6"] }, { addresses: ["10.1.0.7"] }, { addresses: ["10.1.0.8"] }],
    ports: [{ port: 80 }],
  });
  assert.deepEqual(errs, []);
  assert.deepEqual((obj.ports as object[])[0], { port: 80, name: "", protocol: "TCP" });
  obj.metadata.creationTimestamp = ago(1000);
  assert.deepEqual(endpointSliceResource.row(obj), ["web-abc", "IPv4", "80", "10.1.0.5,10.1.0.6,10.1.0.7 + 1 more...", "1s"]);
  const bad = simulateCreate(endpointSliceResource, { metadata: { name: "x" }, addressType: "IPv4", endpoints: [{ addresses: ["not-an-ip"] }, { addresses: [] }] });
  assert.deepEqual(bad.messages, ['endpoints[0].addresses[0]: Invalid value: "not-an-ip": must be a valid IPv4 address', "endpoints[1].addresses: Required value: must contain at least 1 address"]);
  const upd = simulateUpdate(endpointSliceResource, obj, { ...obj, addressType: "IPv6", endpoints: [] });
  assert.ok(upd.messages.includes('addressType: Invalid value: "IPv6": field is immutable'));
  const empty = simulateCreate(endpointSliceResource, { metadata: { name: "e" }, addressType: "IPv4" }).obj;
  assert.deepEqual(endpointSliceResource.row(empty).slice(1, 4), ["IPv4", "<unset>", "<unset>"]);
});
