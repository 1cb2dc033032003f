/**
 * e2e: error replies, checked the way kubectl prints them (a Status with the right reason,
 * code, details and causes is what makes these lines come out right).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import path from "node:path";
import { skip, useCluster } from "./harness.js";

const RFC1123_SUBDOMAIN =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

describe("e2e: errors", { skip }, () => {
  const c = useCluster();

  it("NotFound", async () => {
    const r = await c.kubectl(["get", "pods", "nosuch"], { expectFail: true });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.equal(r.stderr.trim(), 'Error from server (NotFound): pods "nosuch" not found');
    const d = await c.kubectl(["get", "deployment", "nosuch"], { expectFail: true });
    assert.equal(d.stderr.trim(), 'Error from server (NotFound): deployments.apps "nosuch" not found');
    const ns = await c.kubectl(["get", "namespace", "nosuch"], { expectFail: true });
    assert.equal(ns.stderr.trim(), 'Error from server (NotFound): namespaces "nosuch" not found');
    // After the 404, kubectl 1.32 GETs the namespace itself and reports it when it is missing.
    const inNs = await c.kubectl(["get", "configmap", "x", "-n", "nosuchns"], { expectFail: true });
    assert.equal(inNs.stderr.trim(), 'Error from server (NotFound): namespaces "nosuchns" not found');
  });

  it("creating in a missing namespace is NotFound for the namespace", async () => {
    const r = await c.kubectl(["create", "configmap", "x", "-n", "nosuchns", "--from-literal=a=b"], { expectFail: true });
    assert.equal(r.stderr.trim(), 'error: failed to create configmap: namespaces "nosuchns" not found');
    const f = await c.writeFile("in-missing-ns.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: nosuchns\n");
    const r2 = await c.kubectl(["apply", "-f", f], { expectFail: true });
    assert.match(r2.stderr, /^Error from server \(NotFound\): error when creating ".*in-missing-ns\.yaml": namespaces "nosuchns" not found$/m);
  });

  it("an invalid name is a 422 with field causes", async () => {
    const f = await c.writeFile("bad-name.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\ndata:\n  a: b\n");
    const r = await c.kubectl(["create", "-f", f], { expectFail: true });
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), `The ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": ${RFC1123_SUBDOMAIN}`);

    // Same through the protobuf generator path; kubectl wraps the error text there.
    const r2 = await c.kubectl(["create", "configmap", "Bad_Name", "--from-literal=a=b"], { expectFail: true });
    assert.equal(
      r2.stderr.trim(),
      `error: failed to create configmap: ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": ${RFC1123_SUBDOMAIN}`,
    );
  });

  it("an invalid label value is a 422 naming metadata.labels", async () => {
    const f = await c.writeFile("bad-label.yaml", 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad-label\n  labels:\n    app: "not valid!"\n');
    const r = await c.kubectl(["apply", "-f", f], { expectFail: true });
    assert.match(
      r.stderr,
      /^The ConfigMap "bad-label" is invalid: metadata\.labels: Invalid value: "not valid!": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '\.', and must start and end with an alphanumeric character/m,
    );
  });

  it("several invalid fields are listed one per line", async () => {
    const f = await c.writeFile(
      "bad-deploy.yaml",
      `apiVersion: apps/v1
kind: Deployment
metadata:
  name: bad-deploy
spec:
  replicas: -1
  selector:
    matchLabels: {app: x}
  template:
    metadata:
      labels: {app: other}
    spec:
      containers:
      - name: app
        image: nginx
`,
    );
    const r = await c.kubectl(["create", "-f", f], { expectFail: true });
    assert.match(r.stderr, /^The Deployment "bad-deploy" is invalid: $/m);
    assert.match(r.stderr, /^\* spec\.replicas: Invalid value: -1: must be greater than or equal to 0$/m);
    assert.match(r.stderr, /^\* spec\.template\.metadata\.labels: Invalid value: map\[string\]string\{"app":"other"\}: `selector` does not match template `labels`$/m);
  });

  it("a missing required field is a 422", async () => {
    const f = await c.writeFile("no-containers.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: no-containers\nspec:\n  containers: []\n");
    const r = await c.kubectl(["create", "-f", f], { expectFail: true });
    assert.match(r.stderr, /^The Pod "no-containers" is invalid: spec\.containers: Required value$/m);
  });

  it("a Deployment's selector is immutable", async () => {
    const mk = (app: string): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: immut
spec:
  selector:
    matchLabels: {app: ${app}}
  template:
    metadata:
      labels: {app: ${app}}
    spec:
      containers:
      - name: app
        image: nginx
`;
    const f = await c.writeFile("immut.yaml", mk("one"));
    await c.kubectl(["apply", "-f", f]);
    await c.writeFile("immut.yaml", mk("two"));
    const r = await c.kubectl(["apply", "-f", f], { expectFail: true });
    assert.match(r.stderr, /The Deployment "immut" is invalid: spec\.selector: Invalid value: .*: field is immutable/);
  });

  it("an unknown resource type is reported by kubectl", async () => {
    const r = await c.kubectl(["get", "foos"], { expectFail: true });
    assert.equal(r.stderr.trim(), 'error: the server doesn\'t have a resource type "foos"');
  });

  it("a removed API version has no mapping", async () => {
    const f = await c.writeFile(
      "ext.yaml",
      "apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata:\n  name: old\nspec:\n  template:\n    metadata:\n      labels: {app: old}\n    spec:\n      containers:\n      - name: app\n        image: nginx\n",
    );
    const r = await c.kubectl(["apply", "-f", f], { expectFail: true });
    assert.match(
      r.stderr,
      /^error: resource mapping not found for name: "old" namespace: "" from ".*ext\.yaml": no matches for kind "Deployment" in version "extensions\/v1beta1"\nensure CRDs are installed first$/m,
    );
  });

  it("an unknown field is a strict decoding error", async () => {
    const f = await c.writeFile(
      "unknown-field.yaml",
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: unknown-field\n  labelz: {a: b}\ndata:\n  a: b\nspecial: true\n",
    );
    const r = await c.kubectl(["create", "-f", f], { expectFail: true });
    assert.match(r.stderr, /^Error from server \(BadRequest\): error when creating ".*unknown-field\.yaml": ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "metadata\.labelz", unknown field "special"$/m);
    await c.kubectl(["get", "cm", "unknown-field"], { expectFail: true });

    // --validate=warn sends fieldValidation=Warn: created, with a warning.
    const w = await c.kubectl(["create", "-f", f, "--validate=warn"]);
    assert.equal(w.stdout, "configmap/unknown-field created\n");
    assert.match(w.stderr, /Warning: unknown field "metadata\.labelz"/);
    assert.match(w.stderr, /Warning: unknown field "special"/);

    // --validate=false sends fieldValidation=Ignore: silently dropped.
    await c.kubectl(["delete", "cm", "unknown-field"]);
    const i = await c.kubectl(["create", "-f", f, "--validate=false"]);
    assert.equal(i.stderr, "");
  });

  it("a wrongly typed field is a BadRequest", async () => {
    const f = await c.writeFile("bad-type.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: bad-type\nspec:\n  replicas: three\n");
    const r = await c.kubectl(["create", "-f", f, "--validate=false"], { expectFail: true });
    assert.match(r.stderr, /^Error from server \(BadRequest\): error when creating ".*bad-type\.yaml": Deployment in version "v1" cannot be handled as a Deployment: /m);
    assert.match(r.stderr, /replicas/);
  });

  it("AlreadyExists on a second create", async () => {
    await c.kubectl(["create", "configmap", "twice"]);
    const r = await c.kubectl(["create", "configmap", "twice"], { expectFail: true });
    assert.equal(r.stderr.trim(), 'error: failed to create configmap: configmaps "twice" already exists');
    const r2 = await c.kubectl(["create", "namespace", "default"], { expectFail: true });
    assert.equal(r2.stderr.trim(), 'Error from server (AlreadyExists): namespaces "default" already exists');
  });

  it("replace with a stale resourceVersion is a Conflict", async () => {
    await c.kubectl(["create", "configmap", "stale", "--from-literal=a=1"]);
    const snapshot = (await c.kubectl(["get", "configmap", "stale", "-o", "yaml"])).stdout;
    const f = await c.writeFile("stale.yaml", snapshot.replace(/^  a: "1"$/m, '  a: "2"'));
    // Someone else writes first.
    await c.kubectl(["label", "configmap", "stale", "x=y"]);
    const r = await c.kubectl(["replace", "-f", f], { expectFail: true });
    assert.match(
      r.stderr,
      /^Error from server \(Conflict\): error when replacing ".*stale\.yaml": Operation cannot be fulfilled on configmaps "stale": the object has been modified; please apply your changes to the latest version and try again$/m,
    );
    // Without a resourceVersion, replace is unconditional.
    const fresh = await c.writeFile("fresh.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: stale\ndata:\n  a: '3'\n");
    assert.equal((await c.kubectl(["replace", "-f", fresh])).stdout, "configmap/stale replaced\n");
    assert.equal((await c.kubectl(["get", "cm", "stale", "-o", "jsonpath={.data.a}"])).stdout, "3");
  });

  it("an invalid label selector is a BadRequest", async () => {
    const r = await c.kubectl(["get", "pods", "-l", "a in (b"], { expectFail: true });
    assert.match(r.stderr, /^Error from server \(BadRequest\): Unable to find "\/v1, Resource=pods" that match label selector "a in \(b", field selector "": /m);
    const r2 = await c.kubectl(["get", "pods", "-l", "app=not valid"], { expectFail: true });
    assert.match(r2.stderr, /^Error from server \(BadRequest\): /m);
  });

  it("an unsupported field selector is a BadRequest", async () => {
    const r = await c.kubectl(["get", "configmaps", "--field-selector", "spec.nope=x"], { expectFail: true });
    assert.match(r.stderr, /^Error from server \(BadRequest\): Unable to find "\/v1, Resource=configmaps" that match label selector "", field selector "spec\.nope=x": field label not supported: spec\.nope$/m);
    // Pods support spec.nodeName and status.phase.
    await c.kubectl(["get", "pods", "--field-selector", "spec.nodeName=n1,status.phase=Running"]);
  });

  it("an unknown token is Unauthorized", async () => {
    const kc = path.join(c.workDir, "kubeconfig-bogus");
    await fs.copyFile(c.kubeconfigPath, kc);
    const env = { KUBECONFIG: kc };
    await c.kubectl(["config", "set-credentials", "bogus", "--token=not-a-real-token"], { env });
    const ctx = (await c.kubectl(["config", "current-context"], { env })).stdout.trim();
    await c.kubectl(["config", "set-context", ctx, "--user=bogus"], { env });
    const r = await c.kubectl(["get", "pods"], { env, expectFail: true });
    assert.match(r.stderr, /^error: You must be logged in to the server \(Unauthorized\)$/m);
  });
});
