/**
 * e2e: imperative changes — edit (scripted editor), patch (strategic, merge, json), scale,
 * label, annotate and delete in all its forms.
 */
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import { skip, useCluster } from "./harness.js";

interface Deploy {
  metadata: { resourceVersion: string; generation: number; labels?: Record<string, string> };
  spec: { replicas: number; template: { spec: { containers: { name: string; image: string }[] } } };
}

const twoContainers = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: pat
  labels: {app: pat}
spec:
  replicas: 1
  selector:
    matchLabels: {app: pat}
  template:
    metadata:
      labels: {app: pat}
    spec:
      containers:
      - name: app
        image: nginx:1.26
      - name: side
        image: busybox:1.36
`;

describe("e2e: edit, patch, label, annotate, delete", { skip }, () => {
  // Patch semantics of the API server itself: no controller may write the objects meanwhile.
  const c = useCluster({ components: false });
  const deploy = async (name: string): Promise<Deploy> => JSON.parse((await c.kubectl(["get", "deploy", name, "-o", "json"])).stdout) as Deploy;

  before(async () => {
    await c.kubectl(["create", "-f", await c.writeFile("pat.yaml", twoContainers)]);
  });

  it("edit applies the change the editor made", async () => {
    await c.kubectl(["create", "configmap", "ed", "--from-literal=color=red"]);
    const script = await c.writeFile("editor.sh", "#!/bin/sh\nsed -i 's/^  color: red$/  color: blue/' \"$1\"\n");
    await fs.chmod(script, 0o755);
    const r = await c.kubectl(["edit", "configmap", "ed"], { env: { KUBE_EDITOR: script } });
    assert.equal(r.stdout, "configmap/ed edited\n");
    assert.equal((await c.kubectl(["get", "cm", "ed", "-o", "jsonpath={.data.color}"])).stdout, "blue");

    // An editor that changes nothing: kubectl cancels without writing.
    const noop = await c.writeFile("noop.sh", "#!/bin/sh\ntrue\n");
    await fs.chmod(noop, 0o755);
    const r2 = await c.kubectl(["edit", "configmap", "ed"], { env: { KUBE_EDITOR: noop } });
    assert.match(r2.stderr, /Edit cancelled, no changes made\./);
  });

  it("edit of a deployment patches only what changed", async () => {
    const script = await c.writeFile("replicas.sh", "#!/bin/sh\nsed -i 's/^  replicas: 1$/  replicas: 4/' \"$1\"\n");
    await fs.chmod(script, 0o755);
    const r = await c.kubectl(["edit", "deployment", "pat"], { env: { KUBE_EDITOR: script } });
    assert.equal(r.stdout, "deployment.apps/pat edited\n");
    const d = await deploy("pat");
    assert.equal(d.spec.replicas, 4);
    assert.equal(d.spec.template.spec.containers.length, 2);
  });

  it("patch (strategic, the default) merges containers by name", async () => {
    const r = await c.kubectl(["patch", "deploy", "pat", "-p", '{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"nginx:1.27"}]}}}}']);
    assert.equal(r.stdout, "deployment.apps/pat patched\n");
    const d = await deploy("pat");
    assert.deepEqual(
      d.spec.template.spec.containers.map((x) => [x.name, x.image]),
      [
        ["app", "nginx:1.27"],
        ["side", "busybox:1.36"],
      ],
    );
    // The same patch again changes nothing.
    const again = await c.kubectl(["patch", "deploy", "pat", "-p", '{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"nginx:1.27"}]}}}}']);
    assert.equal(again.stdout, "deployment.apps/pat patched (no change)\n");
    assert.equal((await deploy("pat")).metadata.resourceVersion, d.metadata.resourceVersion);
  });

  it("patch --type=strategic honours $patch: delete", async () => {
    await c.kubectl(["patch", "deploy", "pat", "--type=strategic", "-p", '{"spec":{"template":{"spec":{"containers":[{"name":"side","$patch":"delete"}]}}}}']);
    const d = await deploy("pat");
    assert.deepEqual(d.spec.template.spec.containers.map((x) => x.name), ["app"]);
    // Put the sidecar back for the merge-patch test.
    await c.kubectl(["patch", "deploy", "pat", "-p", '{"spec":{"template":{"spec":{"containers":[{"name":"side","image":"busybox:1.36"}]}}}}']);
    assert.equal((await deploy("pat")).spec.template.spec.containers.length, 2);
  });

  it("patch --type=merge replaces lists and merges maps", async () => {
    const r = await c.kubectl([
      "patch",
      "deploy",
      "pat",
      "--type=merge",
      "-p",
      '{"metadata":{"labels":{"tier":"front"}},"spec":{"template":{"spec":{"containers":[{"name":"app","image":"nginx:1.28"}]}}}}',
    ]);
    assert.equal(r.stdout, "deployment.apps/pat patched\n");
    const d = await deploy("pat");
    assert.deepEqual(d.metadata.labels, { app: "pat", tier: "front" });
    assert.deepEqual(
      d.spec.template.spec.containers.map((x) => [x.name, x.image]),
      [["app", "nginx:1.28"]],
      "a merge patch replaces the whole list",
    );
    await c.kubectl(["patch", "deploy", "pat", "--type=merge", "-p", '{"metadata":{"labels":{"tier":null}}}']);
    assert.deepEqual((await deploy("pat")).metadata.labels, { app: "pat" });
  });

  it("patch --type=json applies RFC 6902 operations", async () => {
    const r = await c.kubectl([
      "patch",
      "deploy",
      "pat",
      "--type=json",
      "-p",
      '[{"op":"replace","path":"/spec/replicas","value":2},{"op":"add","path":"/metadata/labels/json","value":"yes"}]',
    ]);
    assert.equal(r.stdout, "deployment.apps/pat patched\n");
    const d = await deploy("pat");
    assert.equal(d.spec.replicas, 2);
    assert.equal(d.metadata.labels?.json, "yes");

    const bad = await c.kubectl(["patch", "deploy", "pat", "--type=json", "-p", '[{"op":"test","path":"/spec/replicas","value":9}]'], { expectFail: true });
    // Upstream answers a failed "test" op with 422; kubectl prints "The request is invalid: ...".
    assert.match(bad.stderr, /The request is invalid: .*test/);
    assert.equal((await deploy("pat")).spec.replicas, 2);
  });

  it("scale uses the scale subresource", async () => {
    assert.equal((await c.kubectl(["scale", "deploy", "pat", "--replicas=5"])).stdout, "deployment.apps/pat scaled\n");
    assert.equal((await deploy("pat")).spec.replicas, 5);
    const scale = JSON.parse((await c.kubectl(["get", "deploy", "pat", "--subresource=scale", "-o", "json"])).stdout) as {
      kind: string;
      apiVersion: string;
      spec: { replicas: number };
      status: { replicas: number; selector: string };
    };
    assert.equal(scale.kind, "Scale");
    assert.equal(scale.apiVersion, "autoscaling/v1");
    assert.equal(scale.spec.replicas, 5);
    assert.equal(scale.status.selector, "app=pat");
    const r = await c.kubectl(["scale", "deploy", "pat", "--replicas=6", "--current-replicas=1"], { expectFail: true });
    assert.match(r.stderr, /Expected replicas to be 1, was 5/);
  });

  it("label adds, refuses to overwrite, overwrites and removes", async () => {
    await c.kubectl(["create", "configmap", "lab"]);
    assert.equal((await c.kubectl(["label", "cm", "lab", "color=red", "size=s"])).stdout, "configmap/lab labeled\n");
    const refused = await c.kubectl(["label", "cm", "lab", "color=blue"], { expectFail: true });
    assert.match(refused.stderr, /^error: 'color' already has a value \(red\), and --overwrite is false$/m);
    assert.equal((await c.kubectl(["label", "cm", "lab", "color=blue", "--overwrite"])).stdout, "configmap/lab labeled\n");
    assert.equal((await c.kubectl(["label", "cm", "lab", "size-"])).stdout, "configmap/lab unlabeled\n");
    assert.equal((await c.kubectl(["get", "cm", "lab", "-o", "jsonpath={.metadata.labels}"])).stdout, '{"color":"blue"}');

    const invalid = await c.kubectl(["label", "cm", "lab", "bad=no spaces"], { expectFail: true });
    assert.match(invalid.stderr, /invalid label value|a valid label must be an empty string/);
  });

  it("label -l labels every match", async () => {
    await c.kubectl(["create", "configmap", "lab2"]);
    await c.kubectl(["label", "cm", "lab2", "color=green"]);
    const r = await c.kubectl(["label", "cm", "-l", "color", "group=paint"]);
    assert.equal(r.stdout, "configmap/lab labeled\nconfigmap/lab2 labeled\n");
  });

  it("annotate adds, refuses to overwrite, overwrites and removes", async () => {
    await c.kubectl(["create", "configmap", "ann"]);
    assert.equal((await c.kubectl(["annotate", "cm", "ann", "note=first"])).stdout, "configmap/ann annotated\n");
    const refused = await c.kubectl(["annotate", "cm", "ann", "note=second"], { expectFail: true });
    assert.match(refused.stderr, /--overwrite is false but found the following declared annotation\(s\): 'note' already has a value \(first\)/);
    assert.equal((await c.kubectl(["annotate", "cm", "ann", "note=second", "--overwrite"])).stdout, "configmap/ann annotated\n");
    assert.equal((await c.kubectl(["get", "cm", "ann", "-o", "jsonpath={.metadata.annotations.note}"])).stdout, "second");
    assert.equal((await c.kubectl(["annotate", "cm", "ann", "note-"])).stdout, "configmap/ann annotated\n");
    assert.equal((await c.kubectl(["get", "cm", "ann", "-o", "jsonpath={.metadata.annotations}"])).stdout, "");
  });

  it("delete by name", async () => {
    await c.kubectl(["create", "configmap", "del-me"]);
    const r = await c.kubectl(["delete", "configmap", "del-me"]);
    assert.equal(r.stdout, 'configmap "del-me" deleted\n');
    const gone = await c.kubectl(["get", "configmap", "del-me"], { expectFail: true });
    assert.match(gone.stderr, /^Error from server \(NotFound\): configmaps "del-me" not found$/m);
    const again = await c.kubectl(["delete", "configmap", "del-me"], { expectFail: true });
    assert.match(again.stderr, /^Error from server \(NotFound\): configmaps "del-me" not found$/m);
    const ignored = await c.kubectl(["delete", "configmap", "del-me", "--ignore-not-found"]);
    assert.equal(ignored.stdout, "");
  });

  it("delete an unscheduled pod returns at once", async () => {
    await c.kubectl(["run", "del-pod", "--image=busybox", "--restart=Never", "--", "sleep", "3600"]);
    const r = await c.kubectl(["delete", "pod", "del-pod"], { timeoutMs: 20_000 });
    assert.equal(r.stdout, 'pod "del-pod" deleted\n');
    await c.kubectl(["get", "pod", "del-pod"], { expectFail: true });
  });

  it("delete -f deletes what the file names", async () => {
    const f = await c.writeFile(
      "del.yaml",
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: del-f1\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: del-f2\nstringData:\n  a: b\n",
    );
    await c.kubectl(["apply", "-f", f]);
    const r = await c.kubectl(["delete", "-f", f]);
    assert.equal(r.stdout, 'configmap "del-f1" deleted\nsecret "del-f2" deleted\n');
    await c.kubectl(["get", "cm", "del-f1"], { expectFail: true });
    await c.kubectl(["get", "secret", "del-f2"], { expectFail: true });
  });

  it("delete -l deletes only the matching objects", async () => {
    await c.kubectl(["create", "namespace", "dl"]);
    for (const [name, app] of [["x1", "x"], ["x2", "x"], ["y1", "y"]] as const) {
      await c.kubectl(["create", "configmap", name, "-n", "dl"]);
      await c.kubectl(["label", "configmap", name, "-n", "dl", `app=${app}`]);
    }
    const r = await c.kubectl(["delete", "configmap", "-n", "dl", "-l", "app=x"]);
    assert.equal(r.stdout, 'configmap "x1" deleted\nconfigmap "x2" deleted\n');
    assert.equal((await c.kubectl(["get", "cm", "-n", "dl", "-o", "name"])).stdout, "configmap/y1\n");
  });

  it("delete --all empties the namespace of that type", async () => {
    await c.kubectl(["create", "namespace", "da"]);
    for (const name of ["a1", "a2", "a3"]) await c.kubectl(["create", "configmap", name, "-n", "da"]);
    await c.kubectl(["create", "secret", "generic", "keep", "-n", "da", "--from-literal=k=v"]);
    const r = await c.kubectl(["delete", "configmaps", "--all", "-n", "da"]);
    assert.equal(r.stdout, 'configmap "a1" deleted\nconfigmap "a2" deleted\nconfigmap "a3" deleted\n');
    const left = await c.kubectl(["get", "configmaps", "-n", "da"]);
    assert.match(left.stderr, /^No resources found in da namespace\.$/m);
    assert.equal((await c.kubectl(["get", "secrets", "-n", "da", "-o", "name"])).stdout, "secret/keep\n");
  });

  it("delete waits for finalizers; the object stays with a deletionTimestamp until they are gone", async () => {
    await c.kubectl(["create", "-f", "-"], { stdin: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: held\n  finalizers: [example.com/hold]\n" });
    const r = await c.kubectl(["delete", "configmap", "held", "--wait=false"]);
    assert.equal(r.stdout, 'configmap "held" deleted\n');
    const held = JSON.parse((await c.kubectl(["get", "configmap", "held", "-o", "json"])).stdout) as { metadata: { deletionTimestamp?: string; finalizers?: string[] } };
    assert.match(held.metadata.deletionTimestamp ?? "", /^\d{4}-\d\d-\d\dT/);
    assert.deepEqual(held.metadata.finalizers, ["example.com/hold"]);

    // A waiting delete (the default) watches until the object is really gone.
    const waiting = c.kubectlBackground(["delete", "configmap", "held"]);
    try {
      await new Promise((res) => setTimeout(res, 500));
      await c.kubectl(["patch", "configmap", "held", "--type=json", "-p", '[{"op":"remove","path":"/metadata/finalizers"}]']);
      assert.equal(await waiting.exited(), 0, "the waiting delete returns once the object is gone");
      assert.equal(waiting.stdout, 'configmap "held" deleted\n');
    } finally {
      await waiting.stop();
    }
    await c.kubectl(["get", "configmap", "held"], { expectFail: true });
  });

  it("delete a deployment", async () => {
    const r = await c.kubectl(["delete", "deployment", "pat"]);
    assert.equal(r.stdout, 'deployment.apps "pat" deleted\n');
    await c.kubectl(["get", "deployment", "pat"], { expectFail: true });
  });
});
