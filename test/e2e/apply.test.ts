/**
 * e2e: declarative writes — create -f, client-side apply (3-way strategic merge), and
 * server-side apply with field-manager conflicts.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { findRow, skip, useCluster } from "./harness.js";

interface Container {
  name: string;
  image: string;
  env?: { name: string; value?: string }[];
}
interface DeploymentJson {
  metadata: {
    name: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    generation?: number;
    resourceVersion?: string;
    managedFields?: { manager: string; operation: string; fieldsV1?: unknown }[];
  };
  spec: { replicas: number; template: { spec: { containers: Container[] } } };
}

const deployment = (opts: { replicas: number; image: string; env: Record<string, string>; annotations?: Record<string, string> }): string => `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
${opts.annotations ? `  annotations:\n${Object.entries(opts.annotations).map(([k, v]) => `    ${k}: "${v}"`).join("\n")}\n` : ""}spec:
  replicas: ${opts.replicas}
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: app
        image: ${opts.image}
        env:
${Object.entries(opts.env).map(([k, v]) => `        - name: ${k}\n          value: "${v}"`).join("\n")}
`;

describe("e2e: create -f and apply", { skip }, () => {
  const c = useCluster();

  const getJson = async <T>(args: string[]): Promise<T> => JSON.parse((await c.kubectl([...args, "-o", "json"])).stdout) as T;

  it("create -f creates the objects in the file and prints them", async () => {
    const f = await c.writeFile(
      "create.yaml",
      `apiVersion: v1
kind: ConfigMap
metadata:
  name: created-cm
  labels:
    made-by: create
data:
  greeting: hola
---
apiVersion: v1
kind: Service
metadata:
  name: created-svc
spec:
  selector:
    app: created
  ports:
  - port: 80
    targetPort: 8080
`,
    );
    const { stdout } = await c.kubectl(["create", "-f", f]);
    assert.equal(stdout, "configmap/created-cm created\nservice/created-svc created\n");
    const cm = await getJson<{ data: Record<string, string>; metadata: { uid: string; resourceVersion: string; creationTimestamp: string } }>(["get", "cm", "created-cm"]);
    assert.deepEqual(cm.data, { greeting: "hola" });
    assert.match(cm.metadata.uid, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.match(cm.metadata.resourceVersion, /^\d+$/);
    assert.match(cm.metadata.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const svc = findRow((await c.kubectl(["get", "svc", "created-svc"])).stdout, "created-svc");
    assert.ok(svc);
    assert.equal(svc.TYPE, "ClusterIP");
    assert.match(svc["CLUSTER-IP"] ?? "", /^10\.(9[6-9]|1[01]\d)\.\d+\.\d+$/, "ClusterIP allocated from 10.96.0.0/12");
    assert.equal(svc["EXTERNAL-IP"], "<none>");
    assert.equal(svc["PORT(S)"], "80/TCP");
  });

  it("create -f - reads the manifest from stdin", async () => {
    const r = await c.kubectl(["create", "-f", "-"], { stdin: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-stdin\ndata:\n  a: b\n" });
    assert.equal(r.stdout, "configmap/from-stdin created\n");
    assert.equal((await c.kubectl(["get", "cm", "from-stdin", "-o", "jsonpath={.data.a}"])).stdout, "b");
  });

  it("create -f of an existing object fails with AlreadyExists", async () => {
    const f = await c.writeFile("dup.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dup\ndata:\n  a: b\n");
    await c.kubectl(["create", "-f", f]);
    const r = await c.kubectl(["create", "-f", f], { expectFail: true });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Error from server \(AlreadyExists\): error when creating ".*dup\.yaml": configmaps "dup" already exists$/m);
  });

  it("apply -f creates, then a changed file is 3-way merged, then an unchanged file is a no-op", async () => {
    const f = await c.writeFile(
      "web.yaml",
      deployment({ replicas: 2, image: "nginx:1.26", env: { KEEP: "1", DROP: "2" }, annotations: { team: "blue" } }),
    );
    const first = await c.kubectl(["apply", "-f", f]);
    assert.equal(first.stdout, "deployment.apps/web created\n");

    const created = await getJson<DeploymentJson>(["get", "deploy", "web"]);
    const lastApplied = created.metadata.annotations?.["kubectl.kubernetes.io/last-applied-configuration"];
    assert.ok(lastApplied, "apply stores the last-applied-configuration annotation");
    assert.equal(JSON.parse(lastApplied).spec.replicas, 2);
    assert.equal(created.metadata.generation, 1);

    // Someone else changes a field that is not in the file: the 3-way merge must keep it.
    assert.equal((await c.kubectl(["annotate", "deploy", "web", "owner=ops"])).stdout, "deployment.apps/web annotated\n");
    // Upstream bumps a Deployment's generation on annotation changes too (they are copied
    // to its ReplicaSets).
    const annotated = await getJson<DeploymentJson>(["get", "deploy", "web"]);
    assert.equal(annotated.metadata.generation, 2);

    // The second file bumps replicas and the image, drops an env var and an annotation.
    await c.writeFile("web.yaml", deployment({ replicas: 3, image: "nginx:1.27", env: { KEEP: "1" } }));
    const second = await c.kubectl(["apply", "-f", f]);
    assert.equal(second.stdout, "deployment.apps/web configured\n");

    const updated = await getJson<DeploymentJson>(["get", "deploy", "web"]);
    assert.equal(updated.spec.replicas, 3);
    const containers = updated.spec.template.spec.containers;
    assert.equal(containers.length, 1);
    assert.equal(containers[0]?.image, "nginx:1.27");
    assert.deepEqual(containers[0]?.env, [{ name: "KEEP", value: "1" }], "DROP was removed from the env list");
    assert.equal(updated.metadata.annotations?.team, undefined, "the annotation removed from the file is removed");
    assert.equal(updated.metadata.annotations?.owner, "ops", "a field set by someone else survives the 3-way merge");
    assert.equal(updated.metadata.generation, 3, "the apply bumps generation once");
    const newLastApplied = JSON.parse(updated.metadata.annotations?.["kubectl.kubernetes.io/last-applied-configuration"] ?? "{}");
    assert.equal(newLastApplied.spec.replicas, 3);

    const third = await c.kubectl(["apply", "-f", f]);
    assert.equal(third.stdout, "deployment.apps/web unchanged\n");
    const again = await getJson<DeploymentJson>(["get", "deploy", "web"]);
    assert.equal(again.metadata.resourceVersion, updated.metadata.resourceVersion, "an unchanged apply writes nothing");
  });

  it("diff shows what apply would change (server-side dry run)", async () => {
    const f = await c.writeFile("web-diff.yaml", deployment({ replicas: 4, image: "nginx:1.27", env: { KEEP: "1" } }));
    const r = await c.kubectl(["diff", "-f", f], { expectFail: true });
    assert.equal(r.code, 1, "diff exits 1 when there are differences");
    assert.match(r.stdout, /^-  replicas: 3$/m);
    assert.match(r.stdout, /^\+  replicas: 4$/m);
    assert.doesNotMatch(r.stdout, /^[-+]\s+resourceVersion:/m, "diff hides fields that differ only because of the dry run");
    assert.equal((await c.kubectl(["get", "deploy", "web", "-o", "jsonpath={.spec.replicas}"])).stdout, "3");
    const same = await c.kubectl(["diff", "-f", await c.writeFile("web-same.yaml", deployment({ replicas: 3, image: "nginx:1.27", env: { KEEP: "1" } }))]);
    assert.equal(same.stdout, "");
  });

  it("apply --dry-run=server reports the change but stores nothing", async () => {
    const f = await c.writeFile("web-dry.yaml", deployment({ replicas: 7, image: "nginx:1.27", env: { KEEP: "1" } }));
    const r = await c.kubectl(["apply", "-f", f, "--dry-run=server"]);
    assert.equal(r.stdout, "deployment.apps/web configured (server dry run)\n");
    const d = await getJson<DeploymentJson>(["get", "deploy", "web"]);
    assert.equal(d.spec.replicas, 3);
  });

  it("apply --server-side creates and updates, and reports field-manager conflicts", async () => {
    const ssa = (replicas: number, image: string): string => `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-ssa
spec:
  replicas: ${replicas}
  selector:
    matchLabels:
      app: web-ssa
  template:
    metadata:
      labels:
        app: web-ssa
    spec:
      containers:
      - name: app
        image: ${image}
`;
    const f = await c.writeFile("web-ssa.yaml", ssa(2, "nginx:1.26"));
    assert.equal((await c.kubectl(["apply", "--server-side", "-f", f])).stdout, "deployment.apps/web-ssa serverside-applied\n");

    const created = await getJson<DeploymentJson>(["get", "deploy", "web-ssa", "--show-managed-fields"]);
    const applier = created.metadata.managedFields?.find((m) => m.manager === "kubectl");
    assert.ok(applier, "managedFields has an entry for the applying manager");
    assert.equal(applier.operation, "Apply");
    assert.equal(created.metadata.annotations?.["kubectl.kubernetes.io/last-applied-configuration"], undefined);

    // Same manager, changed file: no conflict with itself.
    await c.writeFile("web-ssa.yaml", ssa(2, "nginx:1.27"));
    assert.equal((await c.kubectl(["apply", "--server-side", "-f", f])).stdout, "deployment.apps/web-ssa serverside-applied\n");
    assert.equal((await c.kubectl(["get", "deploy", "web-ssa", "-o", "jsonpath={.spec.template.spec.containers[0].image}"])).stdout, "nginx:1.27");

    // Another manager takes spec.replicas.
    assert.equal(
      (await c.kubectl(["patch", "deploy", "web-ssa", "--type=merge", "-p", '{"spec":{"replicas":5}}'])).stdout,
      "deployment.apps/web-ssa patched\n",
    );
    const patched = await getJson<DeploymentJson>(["get", "deploy", "web-ssa", "--show-managed-fields"]);
    const patcher = patched.metadata.managedFields?.find((m) => m.manager === "kubectl-patch");
    assert.ok(patcher, "the merge patch is recorded under manager kubectl-patch");
    assert.equal(patcher.operation, "Update");

    await c.writeFile("web-ssa.yaml", ssa(3, "nginx:1.27"));
    const conflict = await c.kubectl(["apply", "--server-side", "-f", f], { expectFail: true });
    assert.equal(conflict.code, 1);
    assert.match(conflict.stderr, /Apply failed with 1 conflict: conflict with "kubectl-patch" using apps\/v1: \.spec\.replicas/);
    assert.match(conflict.stderr, /--force-conflicts/);
    assert.equal((await c.kubectl(["get", "deploy", "web-ssa", "-o", "jsonpath={.spec.replicas}"])).stdout, "5");

    const forced = await c.kubectl(["apply", "--server-side", "--force-conflicts", "-f", f]);
    assert.equal(forced.stdout, "deployment.apps/web-ssa serverside-applied\n");
    const after = await getJson<DeploymentJson>(["get", "deploy", "web-ssa", "--show-managed-fields"]);
    assert.equal(after.spec.replicas, 3);
    const patcherAfter = after.metadata.managedFields?.find((m) => m.manager === "kubectl-patch");
    assert.ok(
      !patcherAfter || !JSON.stringify(patcherAfter.fieldsV1 ?? {}).includes("f:replicas"),
      "after --force-conflicts kubectl-patch no longer owns spec.replicas",
    );
  });

  it("apply --server-side with a custom field manager and a ConfigMap", async () => {
    const f = await c.writeFile("ssa-cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa-cm\ndata:\n  a: '1'\n  b: '2'\n");
    assert.equal((await c.kubectl(["apply", "--server-side", "--field-manager=tool-a", "-f", f])).stdout, "configmap/ssa-cm serverside-applied\n");
    // Dropping a key from the applied configuration removes it (the manager owned it alone).
    await c.writeFile("ssa-cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa-cm\ndata:\n  a: '1'\n");
    await c.kubectl(["apply", "--server-side", "--field-manager=tool-a", "-f", f]);
    const cm = await getJson<{ data: Record<string, string> }>(["get", "cm", "ssa-cm"]);
    assert.deepEqual(cm.data, { a: "1" });
  });
});
