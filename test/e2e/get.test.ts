/**
 * e2e: reading — get in every output format, selectors, all-namespaces, watch, and describe.
 */
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import YAML from "yaml";
import { findRow, header, parseTable, skip, useCluster } from "./harness.js";

const fixtures = `
apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: v1
kind: Namespace
metadata:
  name: other
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cm-a
  namespace: shop
  labels: {app: web, tier: front}
data: {k: v}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cm-b
  namespace: shop
  labels: {app: web, tier: back}
data: {k: v2, k2: x}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cm-c
  namespace: shop
  labels: {app: db}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cm-o
  namespace: other
  labels: {app: web}
data: {k: o}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: app
        image: nginx:1.27
        ports:
        - containerPort: 80
---
apiVersion: v1
kind: Pod
metadata:
  name: p1
  namespace: shop
  labels: {app: web}
spec:
  containers:
  - name: app
    image: busybox
    command: [sleep, "3600"]
`;

describe("e2e: get and describe", { skip }, () => {
  // These cases pin how the API server prints objects exactly as they were written, so no
  // scheduler or controller may change them underneath (workloads.test.ts covers those).
  const c = useCluster({ components: false });

  before(async () => {
    const f = await c.writeFile("fixtures.yaml", fixtures);
    await c.kubectl(["create", "-f", f]);
  });

  it("get prints the server-side table", async () => {
    const { stdout } = await c.kubectl(["get", "configmaps", "-n", "shop"]);
    assert.deepEqual(header(stdout), ["NAME", "DATA", "AGE"]);
    assert.deepEqual(
      parseTable(stdout).map((r) => [r.NAME, r.DATA]),
      [
        ["cm-a", "1"],
        ["cm-b", "2"],
        ["cm-c", "0"],
      ],
    );
    for (const r of parseTable(stdout)) assert.match(r.AGE ?? "", /^\d+s$/);

    const ns = (await c.kubectl(["get", "namespaces"])).stdout;
    assert.deepEqual(header(ns), ["NAME", "STATUS", "AGE"]);
    for (const name of ["default", "kube-system", "kube-public", "kube-node-lease", "shop", "other"]) {
      assert.equal(findRow(ns, name)?.STATUS, "Active", `namespace ${name}`);
    }
  });

  it("get -o wide adds the priority-1 columns", async () => {
    const deploy = (await c.kubectl(["get", "deploy", "-n", "shop", "-o", "wide"])).stdout;
    assert.deepEqual(header(deploy), ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"]);
    const web = findRow(deploy, "web");
    assert.ok(web);
    assert.equal(web.READY, "0/2");
    assert.equal(web["UP-TO-DATE"], "0");
    assert.equal(web.AVAILABLE, "0");
    assert.equal(web.CONTAINERS, "app");
    assert.equal(web.IMAGES, "nginx:1.27");
    assert.equal(web.SELECTOR, "app=web");

    const narrow = (await c.kubectl(["get", "deploy", "-n", "shop"])).stdout;
    assert.deepEqual(header(narrow), ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]);

    const pods = (await c.kubectl(["get", "pods", "-n", "shop", "-o", "wide"])).stdout;
    assert.deepEqual(header(pods), ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED NODE", "READINESS GATES"]);
    const p1 = findRow(pods, "p1");
    assert.ok(p1);
    assert.equal(p1.READY, "0/1");
    assert.equal(p1.STATUS, "Pending");
    assert.equal(p1.RESTARTS, "0");
    assert.equal(p1.IP, "<none>");
    assert.equal(p1.NODE, "<none>");
  });

  it("get -o yaml and -o json print the stored objects", async () => {
    const one = YAML.parse((await c.kubectl(["get", "cm", "cm-a", "-n", "shop", "-o", "yaml"])).stdout) as {
      apiVersion: string;
      kind: string;
      metadata: { name: string; namespace: string; labels: Record<string, string>; uid: string; resourceVersion: string; managedFields?: unknown };
      data: Record<string, string>;
    };
    assert.equal(one.apiVersion, "v1");
    assert.equal(one.kind, "ConfigMap");
    assert.equal(one.metadata.name, "cm-a");
    assert.equal(one.metadata.namespace, "shop");
    assert.deepEqual(one.metadata.labels, { app: "web", tier: "front" });
    assert.deepEqual(one.data, { k: "v" });
    assert.ok(one.metadata.uid);
    assert.equal(one.metadata.managedFields, undefined, "kubectl hides managedFields by default");

    const list = JSON.parse((await c.kubectl(["get", "cm", "-n", "shop", "-o", "json"])).stdout) as {
      kind: string;
      apiVersion: string;
      items: { kind: string; apiVersion: string; metadata: { name: string } }[];
    };
    assert.equal(list.kind, "List");
    assert.equal(list.apiVersion, "v1");
    assert.deepEqual(list.items.map((i) => i.metadata.name), ["cm-a", "cm-b", "cm-c"]);
    for (const i of list.items) {
      assert.equal(i.kind, "ConfigMap");
      assert.equal(i.apiVersion, "v1");
    }

    const deploy = JSON.parse((await c.kubectl(["get", "deploy", "web", "-n", "shop", "-o", "json"])).stdout) as {
      apiVersion: string;
      spec: { strategy: { type: string; rollingUpdate: { maxSurge: string; maxUnavailable: string } }; revisionHistoryLimit: number; progressDeadlineSeconds: number };
    };
    assert.equal(deploy.apiVersion, "apps/v1");
    assert.deepEqual(deploy.spec.strategy, { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } });
    assert.equal(deploy.spec.revisionHistoryLimit, 10);
    assert.equal(deploy.spec.progressDeadlineSeconds, 600);
  });

  it("get -o jsonpath and -o custom-columns", async () => {
    assert.equal((await c.kubectl(["get", "cm", "cm-b", "-n", "shop", "-o", "jsonpath={.data.k2}"])).stdout, "x");
    assert.equal((await c.kubectl(["get", "cm", "-n", "shop", "-o", "jsonpath={.items[*].metadata.name}"])).stdout, "cm-a cm-b cm-c");
    assert.equal(
      (await c.kubectl(["get", "cm", "-n", "shop", "-o", 'jsonpath={range .items[*]}{.metadata.name}={.metadata.labels.app}{"\\n"}{end}'])).stdout,
      "cm-a=web\ncm-b=web\ncm-c=db\n",
    );
    const cc = (await c.kubectl(["get", "cm", "-n", "shop", "-o", "custom-columns=NAME:.metadata.name,APP:.metadata.labels.app,TIER:.metadata.labels.tier"])).stdout;
    assert.deepEqual(parseTable(cc), [
      { NAME: "cm-a", APP: "web", TIER: "front" },
      { NAME: "cm-b", APP: "web", TIER: "back" },
      { NAME: "cm-c", APP: "db", TIER: "<none>" },
    ]);
  });

  it("get -o name", async () => {
    assert.equal((await c.kubectl(["get", "cm", "-n", "shop", "-o", "name"])).stdout, "configmap/cm-a\nconfigmap/cm-b\nconfigmap/cm-c\n");
    assert.equal((await c.kubectl(["get", "deploy", "-n", "shop", "-o", "name"])).stdout, "deployment.apps/web\n");
    assert.equal((await c.kubectl(["get", "deploy,cm", "-n", "shop", "-o", "name", "-l", "tier=front"])).stdout, "configmap/cm-a\n");
  });

  it("get -l with every selector operator, and --field-selector", async () => {
    const names = async (...args: string[]): Promise<string> =>
      (await c.kubectl(["get", "cm", "-n", "shop", "-o", "jsonpath={.items[*].metadata.name}", ...args])).stdout;
    assert.equal(await names("-l", "app=web"), "cm-a cm-b");
    assert.equal(await names("-l", "app==web,tier!=front"), "cm-b");
    assert.equal(await names("-l", "tier in (front,back)"), "cm-a cm-b");
    assert.equal(await names("-l", "tier notin (front)"), "cm-b cm-c");
    assert.equal(await names("-l", "tier"), "cm-a cm-b");
    assert.equal(await names("-l", "!tier"), "cm-c");
    assert.equal(await names("-l", "app=nothing"), "");
    assert.equal(await names("--field-selector", "metadata.name=cm-b"), "cm-b");
    assert.equal(await names("--field-selector", "metadata.name!=cm-b"), "cm-a cm-c");

    const none = await c.kubectl(["get", "cm", "-n", "shop", "-l", "app=nothing"]);
    assert.equal(none.stdout, "");
    assert.match(none.stderr, /^No resources found in shop namespace\.$/m);
  });

  it("get -A shows the NAMESPACE column and every namespace", async () => {
    const { stdout } = await c.kubectl(["get", "cm", "-A", "-l", "app=web"]);
    assert.deepEqual(header(stdout), ["NAMESPACE", "NAME", "DATA", "AGE"]);
    assert.deepEqual(
      parseTable(stdout).map((r) => `${r.NAMESPACE}/${r.NAME}`),
      ["other/cm-o", "shop/cm-a", "shop/cm-b"],
    );
    const pods = (await c.kubectl(["get", "pods", "--all-namespaces"])).stdout;
    assert.equal(findRow(pods, "p1", "NAME")?.NAMESPACE, "shop");
  });

  it("get --show-labels adds a LABELS column", async () => {
    const { stdout } = await c.kubectl(["get", "cm", "-n", "shop", "--show-labels"]);
    assert.deepEqual(header(stdout), ["NAME", "DATA", "AGE", "LABELS"]);
    assert.equal(findRow(stdout, "cm-a")?.LABELS, "app=web,tier=front");
    assert.equal(findRow(stdout, "cm-c")?.LABELS, "app=db");
  });

  it("get with several names, several types, all and --chunk-size", async () => {
    const two = (await c.kubectl(["get", "cm", "cm-a", "cm-c", "-n", "shop", "-o", "name"])).stdout;
    assert.equal(two, "configmap/cm-a\nconfigmap/cm-c\n");

    const all = (await c.kubectl(["get", "all", "-n", "shop"])).stdout;
    assert.match(all, /^pod\/p1\s+0\/1\s+Pending\s+0\s+\d+s$/m);
    assert.match(all, /^deployment\.apps\/web\s+0\/2\s+0\s+0\s+\d+s$/m);

    // Pages of one object each: limit/continue must walk the whole list.
    const paged = (await c.kubectl(["get", "cm", "-n", "shop", "--chunk-size=1", "-o", "name"])).stdout;
    assert.equal(paged, "configmap/cm-a\nconfigmap/cm-b\nconfigmap/cm-c\n");
  });

  it("get nodes -o wide and describe node, as in the seeds", async () => {
    // Nodes register themselves with their status (as a kubelet does); the node agent comes
    // in a later issue, so this one is created by hand.
    const node = {
      apiVersion: "v1",
      kind: "Node",
      metadata: { name: "node1", labels: { "kubernetes.io/hostname": "node1", "node-role.kubernetes.io/control-plane": "" } },
      spec: { podCIDR: "10.244.0.0/24" },
      status: {
        conditions: [{ type: "Ready", status: "True", reason: "KubeletReady", message: "kubelet is posting ready status", lastHeartbeatTime: new Date().toISOString().replace(/\.\d+Z$/, "Z"), lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, "Z") }],
        addresses: [
          { type: "InternalIP", address: "192.168.0.13" },
          { type: "Hostname", address: "node1" },
        ],
        capacity: { cpu: "2", memory: "4Gi", pods: "110" },
        allocatable: { cpu: "2", memory: "4Gi", pods: "110" },
        nodeInfo: {
          machineID: "m",
          systemUUID: "s",
          bootID: "b",
          kernelVersion: "6.1.0-18-amd64",
          osImage: "Debian GNU/Linux 12 (bookworm)",
          containerRuntimeVersion: "containerd://1.6.20",
          kubeletVersion: "v1.32.4",
          kubeProxyVersion: "v1.32.4",
          operatingSystem: "linux",
          architecture: "amd64",
        },
      },
    };
    await c.kubectl(["create", "-f", "-"], { stdin: JSON.stringify(node) });
    const { stdout } = await c.kubectl(["get", "nodes", "-o", "wide"]);
    assert.deepEqual(header(stdout), ["NAME", "STATUS", "ROLES", "AGE", "VERSION", "INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"]);
    const r = findRow(stdout, "node1");
    assert.ok(r);
    assert.equal(r.STATUS, "Ready");
    assert.equal(r.ROLES, "control-plane");
    assert.equal(r.VERSION, "v1.32.4");
    assert.equal(r["INTERNAL-IP"], "192.168.0.13");
    assert.equal(r["EXTERNAL-IP"], "<none>");
    assert.equal(r["OS-IMAGE"], "Debian GNU/Linux 12 (bookworm)");
    assert.equal(r["KERNEL-VERSION"], "6.1.0-18-amd64");
    assert.equal(r["CONTAINER-RUNTIME"], "containerd://1.6.20");

    // Pods bound to the node show up in describe (a field selector on spec.nodeName).
    await c.kubectl(["create", "-f", "-"], {
      stdin: JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name: "on-node1", namespace: "shop" }, spec: { nodeName: "node1", containers: [{ name: "c", image: "busybox", resources: { requests: { cpu: "100m" } } }] } }),
    });
    const d = (await c.kubectl(["describe", "node", "node1"])).stdout;
    assert.match(d, /^Name:\s+node1$/m);
    assert.match(d, /^Roles:\s+control-plane$/m);
    assert.match(d, /^\s+InternalIP:\s+192\.168\.0\.13$/m);
    assert.match(d, /^PodCIDR:\s+10\.244\.0\.0\/24$/m);
    assert.match(d, /^\s+Kernel Version:\s+6\.1\.0-18-amd64$/m);
    assert.match(d, /^Non-terminated Pods:\s+\(1 in total\)$/m);
    assert.match(d, /^\s+shop\s+on-node1\s+100m \(5%\)\s+0 \(0%\)\s+0 \(0%\)\s+0 \(0%\)\s+\d+s$/m);
  });

  it("the default namespace holds the kubernetes Service", async () => {
    const { stdout } = await c.kubectl(["get", "svc", "kubernetes", "-n", "default"]);
    const r = findRow(stdout, "kubernetes");
    assert.ok(r);
    assert.equal(r.TYPE, "ClusterIP");
    assert.equal(r["CLUSTER-IP"], "10.96.0.1");
    assert.equal(r["PORT(S)"], "443/TCP");
  });

  it("get -w prints rows as objects are added", async () => {
    await c.kubectl(["create", "namespace", "watched"]);
    await c.kubectl(["create", "configmap", "w-old", "-n", "watched", "--from-literal=a=1"]);
    const w = c.kubectlBackground(["get", "configmaps", "-n", "watched", "-w"]);
    try {
      await w.waitForOutput(/^w-old\s+1\s+\d+s$/m);
      await c.kubectl(["create", "configmap", "w-new", "-n", "watched", "--from-literal=a=1", "--from-literal=b=2"]);
      await w.waitForOutput(/^w-new\s+2\s+\d+s$/m);
      assert.match(w.stdout, /^NAME\s+DATA\s+AGE$/m);
    } finally {
      await w.stop();
    }
  });

  it("get -w --output-watch-events shows ADDED, MODIFIED and DELETED", async () => {
    const w = c.kubectlBackground(["get", "configmaps", "-n", "watched", "-w", "--output-watch-events"]);
    try {
      await w.waitForOutput(/^ADDED\s+w-old\s+/m);
      await c.kubectl(["create", "configmap", "w-ev", "-n", "watched", "--from-literal=a=1"]);
      await w.waitForOutput(/^ADDED\s+w-ev\s+1\s+/m);
      await c.kubectl(["label", "configmap", "w-ev", "-n", "watched", "x=y"]);
      await w.waitForOutput(/^MODIFIED\s+w-ev\s+1\s+/m);
      await c.kubectl(["delete", "configmap", "w-ev", "-n", "watched"]);
      await w.waitForOutput(/^DELETED\s+w-ev\s+1\s+/m);
      assert.match(w.stdout, /^EVENT\s+NAME\s+DATA\s+AGE$/m);
    } finally {
      await w.stop();
    }
  });

  it("describe configmap", async () => {
    const { stdout } = await c.kubectl(["describe", "configmap", "cm-b", "-n", "shop"]);
    assert.match(stdout, /^Name:\s+cm-b$/m);
    assert.match(stdout, /^Namespace:\s+shop$/m);
    assert.match(stdout, /^Labels:\s+app=web$/m);
    assert.match(stdout, /^\s+tier=back$/m);
    assert.match(stdout, /^Annotations:\s+<none>$/m);
    // kubectl prints the keys in Go map order (random), so each is matched on its own.
    assert.match(stdout, /^Data\n====\n/m);
    assert.match(stdout, /^k:\n----\nv2\n/m);
    assert.match(stdout, /^k2:\n----\nx\n/m);
    assert.match(stdout, /^BinaryData\n====\n/m);
    assert.match(stdout, /^Events:\s+<none>$/m);
  });

  it("describe namespace", async () => {
    const { stdout } = await c.kubectl(["describe", "namespace", "shop"]);
    assert.match(stdout, /^Name:\s+shop$/m);
    assert.match(stdout, /^Status:\s+Active$/m);
    assert.match(stdout, /^No resource quota\.$/m);
    assert.match(stdout, /^No LimitRange resource\.$/m);
  });

  it("describe deployment", async () => {
    const { stdout } = await c.kubectl(["describe", "deployment", "web", "-n", "shop"]);
    assert.match(stdout, /^Name:\s+web$/m);
    assert.match(stdout, /^Namespace:\s+shop$/m);
    assert.match(stdout, /^CreationTimestamp:\s+\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4}$/m);
    assert.match(stdout, /^Selector:\s+app=web$/m);
    assert.match(stdout, /^Replicas:\s+2 desired \| 0 updated \| 0 total \| 0 available \| 0 unavailable$/m);
    assert.match(stdout, /^StrategyType:\s+RollingUpdate$/m);
    assert.match(stdout, /^MinReadySeconds:\s+0$/m);
    assert.match(stdout, /^RollingUpdateStrategy:\s+25% max unavailable, 25% max surge$/m);
    assert.match(stdout, /^Pod Template:$/m);
    assert.match(stdout, /^\s+Image:\s+nginx:1\.27$/m);
    assert.match(stdout, /^\s+Port:\s+80\/TCP$/m);
    assert.match(stdout, /^Events:\s+<none>$/m);
  });

  it("describe pod", async () => {
    const { stdout } = await c.kubectl(["describe", "pod", "p1", "-n", "shop"]);
    assert.match(stdout, /^Name:\s+p1$/m);
    assert.match(stdout, /^Namespace:\s+shop$/m);
    assert.match(stdout, /^Node:\s+<none>$/m);
    assert.match(stdout, /^Status:\s+Pending$/m);
    assert.match(stdout, /^Containers:\n\s+app:$/m);
    assert.match(stdout, /^\s+Image:\s+busybox$/m);
    assert.match(stdout, /^QoS Class:\s+BestEffort$/m);
  });
});
