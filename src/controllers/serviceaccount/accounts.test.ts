import { test } from "node:test";
import assert from "node:assert/strict";
import type { KubeObject } from "../../machinery/object.js";
import { isActive, missingAccounts } from "./accounts.js";

const ns = (phase?: string, deleting = false): KubeObject => ({
  metadata: { name: "n", ...(deleting ? { deletionTimestamp: "2024-01-01T00:00:00Z" } : {}) },
  ...(phase ? { status: { phase } } : {}),
});

test("only active namespaces are managed", () => {
  assert.equal(isActive(ns("Active")), true);
  assert.equal(isActive(ns()), true);
  assert.equal(isActive(ns("Terminating")), false);
  assert.equal(isActive(ns("Active", true)), false);
});

test("missingAccounts lists what the namespace lacks", () => {
  const have = new Set(["builder"]);
  assert.deepEqual(missingAccounts(ns("Active"), ["default", "builder"], (n) => have.has(n)), ["default"]);
  assert.deepEqual(missingAccounts(ns("Active"), ["builder"], (n) => have.has(n)), []);
  assert.deepEqual(missingAccounts(ns("Terminating"), ["default"], () => false), []);
});
