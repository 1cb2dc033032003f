/**
 * e2e: what kubectl reads from discovery and OpenAPI — version, api-resources,
 * api-versions and explain.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { findRow, header, skip, useCluster } from "./harness.js";

describe("e2e: discovery and OpenAPI", { skip }, () => {
  const c = useCluster();

  it("version reports a v1.32 server", async () => {
    const { stdout } = await c.kubectl(["version"]);
    assert.match(stdout, /^Client Version: v1\.32\./m);
    assert.match(stdout, /^Server Version: v1\.32\.\d+/m);
    const json = JSON.parse((await c.kubectl(["version", "-o", "json"])).stdout) as {
      serverVersion: { major: string; minor: string; gitVersion: string; platform: string };
    };
    assert.equal(json.serverVersion.major, "1");
    assert.equal(json.serverVersion.minor, "32");
    assert.match(json.serverVersion.gitVersion, /^v1\.32\./);
  });

  it("get --raw reads the health endpoints and the discovery documents", async () => {
    for (const p of ["/healthz", "/livez", "/readyz"]) {
      assert.equal((await c.kubectl(["get", "--raw", p])).stdout, "ok", p);
    }
    const apps = JSON.parse((await c.kubectl(["get", "--raw", "/apis/apps/v1"])).stdout) as { kind: string; groupVersion: string; resources: { name: string }[] };
    assert.equal(apps.kind, "APIResourceList");
    assert.equal(apps.groupVersion, "apps/v1");
    for (const r of ["deployments", "deployments/scale", "deployments/status"]) {
      assert.ok(apps.resources.some((x) => x.name === r), `apps/v1 lists ${r}`);
    }
  });

  it("/readyz?verbose lists the checks, as upstream", async () => {
    const readyz = (await c.kubectl(["get", "--raw", "/readyz?verbose"])).stdout;
    assert.match(readyz, /^\[\+\]ping ok$/m);
    assert.match(readyz, /^readyz check passed$/m);
  });

  it("api-resources lists built-in kinds with short names, group/version, scope and kind", async () => {
    const { stdout } = await c.kubectl(["api-resources"]);
    assert.deepEqual(header(stdout), ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]);
    const expect: [string, string, string, string, string][] = [
      ["pods", "po", "v1", "true", "Pod"],
      ["services", "svc", "v1", "true", "Service"],
      ["namespaces", "ns", "v1", "false", "Namespace"],
      ["nodes", "no", "v1", "false", "Node"],
      ["configmaps", "cm", "v1", "true", "ConfigMap"],
      ["secrets", "", "v1", "true", "Secret"],
      ["serviceaccounts", "sa", "v1", "true", "ServiceAccount"],
      ["persistentvolumeclaims", "pvc", "v1", "true", "PersistentVolumeClaim"],
      ["deployments", "deploy", "apps/v1", "true", "Deployment"],
      ["replicasets", "rs", "apps/v1", "true", "ReplicaSet"],
      ["daemonsets", "ds", "apps/v1", "true", "DaemonSet"],
      ["statefulsets", "sts", "apps/v1", "true", "StatefulSet"],
      ["jobs", "", "batch/v1", "true", "Job"],
      ["cronjobs", "cj", "batch/v1", "true", "CronJob"],
      ["ingresses", "ing", "networking.k8s.io/v1", "true", "Ingress"],
      ["roles", "", "rbac.authorization.k8s.io/v1", "true", "Role"],
      ["clusterrolebindings", "", "rbac.authorization.k8s.io/v1", "false", "ClusterRoleBinding"],
      ["customresourcedefinitions", "crd,crds", "apiextensions.k8s.io/v1", "false", "CustomResourceDefinition"],
      ["horizontalpodautoscalers", "hpa", "autoscaling/v2", "true", "HorizontalPodAutoscaler"],
      ["poddisruptionbudgets", "pdb", "policy/v1", "true", "PodDisruptionBudget"],
      ["priorityclasses", "pc", "scheduling.k8s.io/v1", "false", "PriorityClass"],
      ["storageclasses", "sc", "storage.k8s.io/v1", "false", "StorageClass"],
      ["leases", "", "coordination.k8s.io/v1", "true", "Lease"],
      ["endpointslices", "", "discovery.k8s.io/v1", "true", "EndpointSlice"],
      ["selfsubjectaccessreviews", "", "authorization.k8s.io/v1", "false", "SelfSubjectAccessReview"],
    ];
    for (const [name, shortNames, apiVersion, namespaced, kind] of expect) {
      const r = findRow(stdout, name);
      assert.ok(r, `api-resources has no row for ${name}:\n${stdout}`);
      assert.deepEqual(
        r,
        { NAME: name, SHORTNAMES: shortNames, APIVERSION: apiVersion, NAMESPACED: namespaced, KIND: kind },
        `row for ${name}`,
      );
    }
    // Events are served in both core/v1 and events.k8s.io/v1.
    assert.match(stdout, /^events\s+ev\s+v1\s+true\s+Event$/m);
    assert.match(stdout, /^events\s+ev\s+events\.k8s\.io\/v1\s+true\s+Event$/m);
  });

  it("api-resources -o wide shows verbs and categories; filters by group and scope", async () => {
    const wide = (await c.kubectl(["api-resources", "-o", "wide"])).stdout;
    assert.deepEqual(header(wide), ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND", "VERBS", "CATEGORIES"]);
    const pods = findRow(wide, "pods");
    assert.ok(pods);
    assert.equal(pods.VERBS, "create,delete,deletecollection,get,list,patch,update,watch");
    assert.equal(pods.CATEGORIES, "all");
    const deploy = findRow(wide, "deployments");
    assert.ok(deploy);
    assert.equal(deploy.CATEGORIES, "all");

    const apps = (await c.kubectl(["api-resources", "--api-group=apps", "-o", "name"])).stdout.trim().split("\n").sort();
    assert.deepEqual(apps, [
      "controllerrevisions.apps",
      "daemonsets.apps",
      "deployments.apps",
      "replicasets.apps",
      "statefulsets.apps",
    ]);
    const cluster = (await c.kubectl(["api-resources", "--namespaced=false", "-o", "name"])).stdout.split("\n");
    assert.ok(cluster.includes("namespaces"));
    assert.ok(cluster.includes("nodes"));
    assert.ok(!cluster.includes("pods"));
  });

  it("api-versions lists the served group/versions and none of the removed betas", async () => {
    const lines = (await c.kubectl(["api-versions"])).stdout.trim().split("\n");
    for (const gv of [
      "v1",
      "apps/v1",
      "batch/v1",
      "networking.k8s.io/v1",
      "rbac.authorization.k8s.io/v1",
      "autoscaling/v1",
      "autoscaling/v2",
      "policy/v1",
      "coordination.k8s.io/v1",
      "discovery.k8s.io/v1",
      "events.k8s.io/v1",
      "scheduling.k8s.io/v1",
      "storage.k8s.io/v1",
      "apiextensions.k8s.io/v1",
      "authorization.k8s.io/v1",
    ]) {
      assert.ok(lines.includes(gv), `api-versions lacks ${gv}:\n${lines.join("\n")}`);
    }
    for (const gone of ["extensions/v1beta1", "batch/v1beta1", "apps/v1beta1", "apps/v1beta2"]) {
      assert.ok(!lines.includes(gone), `api-versions should not list ${gone}`);
    }
    assert.deepEqual([...lines].sort(), lines, "api-versions output is sorted");
  });

  it("explain pod.spec prints the field's type, description and sub-fields", async () => {
    const { stdout } = await c.kubectl(["explain", "pod.spec"]);
    assert.match(stdout, /^KIND:\s+Pod$/m);
    assert.match(stdout, /^VERSION:\s+v1$/m);
    assert.match(stdout, /^FIELD:\s+spec <PodSpec>$/m);
    assert.match(stdout, /^DESCRIPTION:$/m);
    assert.match(stdout, /Specification of the desired behavior of the pod/);
    assert.match(stdout, /^FIELDS:$/m);
    assert.match(stdout, /^ {2}containers\s+<\[\]Container> -required-$/m);
    assert.match(stdout, /^ {2}restartPolicy\s+<string>$/m);
    assert.match(stdout, /^ {2}nodeSelector\s+<map\[string\]string>$/m);
    assert.match(stdout, /^ {2}terminationGracePeriodSeconds\s+<integer>$/m);
    assert.match(stdout, /^ {2}hostNetwork\s+<boolean>$/m);
  });

  it("explain deployment.spec.replicas shows the group and the field", async () => {
    const { stdout } = await c.kubectl(["explain", "deployments.spec.replicas"]);
    assert.match(stdout, /^GROUP:\s+apps$/m);
    assert.match(stdout, /^KIND:\s+Deployment$/m);
    assert.match(stdout, /^VERSION:\s+v1$/m);
    assert.match(stdout, /^FIELD:\s+replicas <integer>$/m);
    assert.match(stdout, /Number of desired pods/);
  });

  it("explain node --recursive prints the whole field tree", async () => {
    const { stdout } = await c.kubectl(["explain", "node", "--recursive"]);
    assert.match(stdout, /^KIND:\s+Node$/m);
    assert.match(stdout, /^VERSION:\s+v1$/m);
    assert.match(stdout, /Node is a worker node in Kubernetes/);
    assert.match(stdout, /^ {2}apiVersion\s+<string>$/m);
    assert.match(stdout, /^ {2}metadata\s+<ObjectMeta>$/m);
    assert.match(stdout, /^ {4}labels\s+<map\[string\]string>$/m);
    assert.match(stdout, /^ {2}spec\s+<NodeSpec>$/m);
    assert.match(stdout, /^ {4}podCIDR\s+<string>$/m);
    assert.match(stdout, /^ {4}taints\s+<\[\]Taint>$/m);
    assert.match(stdout, /^ {6}effect\s+<string> -required-$/m);
    assert.match(stdout, /^ {2}status\s+<NodeStatus>$/m);
    assert.match(stdout, /^ {4}addresses\s+<\[\]NodeAddress>$/m);
    assert.match(stdout, /^ {6}address\s+<string> -required-$/m);
    assert.match(stdout, /^ {4}nodeInfo\s+<NodeSystemInfo>$/m);
    assert.match(stdout, /^ {6}kubeletVersion\s+<string> -required-$/m);
    // The recursive form lists fields only, no descriptions under them.
    assert.ok(stdout.split("\n").length > 80, "the recursive tree is long");
  });

  it("explain of an unknown field fails like upstream", async () => {
    const r = await c.kubectl(["explain", "pod.spec.nosuch"], { expectFail: true });
    assert.match(r.stderr, /field "nosuch" does not exist/);
  });
});
