import { test } from "node:test";
import assert from "node:assert/strict";
import { ago, rowByName, simulateCreate, simulateUpdate } from "../../common/testing.js";
import { clusterRoleBindingResource, roleBindingResource } from "./binding.js";
import { clusterRoleResource, roleResource } from "./role.js";

test("Role: rules need verbs, groups and resources; default table", () => {
  const ok = simulateCreate(roleResource, { metadata: { name: "pod-reader" }, rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] }] });
  assert.deepEqual(ok.errs, []);
  assert.deepEqual(roleResource.columns.map((c) => [c.name, c.type]), [["Name", "string"], ["Created At", "date"]]);
  assert.deepEqual(roleResource.row(ok.obj), ["pod-reader", "2025-01-01T00:00:00Z"]);
  const bad = simulateCreate(roleResource, { metadata: { name: "x" }, rules: [{ resources: ["pods"] }, { nonResourceURLs: ["/healthz"], verbs: ["get"] }] });
  assert.deepEqual(bad.messages, [
    "rules[0].verbs: Required value: verbs must contain at least one value",
    "rules[0].apiGroups: Required value: resource rules must supply at least one api group",
    'rules[1].nonResourceURLs: Invalid value: ["/healthz"]: namespaced rules cannot apply to non-resource URLs',
  ]);
  assert.equal(roleResource.nameValidation, "pathSegment");
  const cr = simulateCreate(clusterRoleResource, { metadata: { name: "system:health" }, rules: [{ nonResourceURLs: ["/healthz"], verbs: ["get"] }] });
  assert.deepEqual(cr.errs, []);
});

test("RoleBinding: roleRef defaults, is required and immutable; columns", () => {
  const rb = {
    metadata: { name: "read-pods" },
    roleRef: { kind: "Role", name: "pod-reader" },
    subjects: [{ kind: "User", name: "jane" }, { kind: "ServiceAccount", name: "bot", namespace: "default" }, { kind: "Group", name: "devs" }],
  };
  const { obj, errs } = simulateCreate(roleBindingResource, rb);
  assert.deepEqual(errs, []);
  assert.equal((obj.roleRef as { apiGroup: string }).apiGroup, "rbac.authorization.k8s.io");
  obj.metadata.creationTimestamp = ago(4000);
  assert.deepEqual(rowByName(roleBindingResource, obj), { Name: "read-pods", Role: "Role/pod-reader", Age: "4s", Users: "jane", Groups: "devs", ServiceAccounts: "default/bot" });
  const missing = simulateCreate(roleBindingResource, { metadata: { name: "x" } });
  assert.deepEqual(missing.messages, ['roleRef.kind: Unsupported value: "": supported values: "Role", "ClusterRole"', "roleRef.name: Required value"]);
  const upd = simulateUpdate(roleBindingResource, obj, { ...obj, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" } });
  const e = upd.errs.find((x) => x.field === "roleRef");
  assert.equal(e?.detail, "cannot change roleRef");
  assert.equal((e?.value as { goString(): string }).goString(), 'rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"view"}');
  const crb = simulateCreate(clusterRoleBindingResource, { metadata: { name: "x" }, roleRef: { kind: "ClusterRole", name: "view" }, subjects: [{ kind: "ServiceAccount", name: "bot" }] });
  assert.deepEqual(crb.messages, ["subjects[0].namespace: Required value"]);
});
