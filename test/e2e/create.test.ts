/**
 * e2e: kubectl's generators (create namespace|configmap|secret|sa|deployment|rolebinding|
 * job|..., which POST protobuf bodies), run with client and server dry runs, expose,
 * config set-context and auth can-i.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import path from "node:path";
import YAML from "yaml";
import { findRow, header, skip, useCluster } from "./harness.js";

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; uid?: string; creationTimestamp?: string | null; resourceVersion?: string; labels?: Record<string, string> };
  // Shapes differ per kind; the tests narrow them with the assertions.
  [k: string]: unknown;
}

describe("e2e: create generators, run, config and auth", { skip }, () => {
  const c = useCluster();
  const json = async (args: string[]): Promise<Obj> => JSON.parse((await c.kubectl([...args, "-o", "json"])).stdout) as Obj;

  it("create namespace", async () => {
    assert.equal((await c.kubectl(["create", "namespace", "team-a"])).stdout, "namespace/team-a created\n");
    const ns = await json(["get", "ns", "team-a"]);
    assert.deepEqual(ns.spec, { finalizers: ["kubernetes"] });
    assert.deepEqual(ns.status, { phase: "Active" });
    assert.equal(ns.metadata.labels?.["kubernetes.io/metadata.name"], "team-a");
    assert.equal(findRow((await c.kubectl(["get", "ns", "team-a"])).stdout, "team-a")?.STATUS, "Active");
  });

  it("create configmap --from-file --from-literal", async () => {
    const file = await c.writeFile("app.properties", "key1=value1\nkey2=value2\n");
    const r = await c.kubectl(["create", "configmap", "app-config", `--from-file=${file}`, "--from-literal=mode=dev", "--from-literal=empty="]);
    assert.equal(r.stdout, "configmap/app-config created\n");
    const cm = await json(["get", "configmap", "app-config"]);
    assert.deepEqual(cm.data, { "app.properties": "key1=value1\nkey2=value2\n", mode: "dev", empty: "" });
    const row = findRow((await c.kubectl(["get", "cm", "app-config"])).stdout, "app-config");
    assert.equal(row?.DATA, "3");

    // A renamed key and a binary file (binaryData).
    const bin = path.join(c.workDir, "blob.bin");
    await fs.writeFile(bin, Buffer.from([0, 159, 146, 150, 255]));
    await c.kubectl(["create", "configmap", "app-bin", `--from-file=conf=${file}`, `--from-file=${bin}`]);
    const cm2 = await json(["get", "configmap", "app-bin"]);
    assert.deepEqual(cm2.data, { conf: "key1=value1\nkey2=value2\n" });
    assert.deepEqual(cm2.binaryData, { "blob.bin": Buffer.from([0, 159, 146, 150, 255]).toString("base64") });
  });

  it("create secret generic --from-literal defaults the type to Opaque", async () => {
    assert.equal((await c.kubectl(["create", "secret", "generic", "db", "--from-literal=password=s3cr3t", "--from-literal=user=admin"])).stdout, "secret/db created\n");
    assert.equal((await c.kubectl(["get", "secret", "db", "-o", "jsonpath={.data.password}"])).stdout, Buffer.from("s3cr3t").toString("base64"));
    assert.equal((await c.kubectl(["get", "secret", "db", "-o", "jsonpath={.type}"])).stdout, "Opaque");
    const { stdout } = await c.kubectl(["get", "secret", "db"]);
    assert.deepEqual(header(stdout), ["NAME", "TYPE", "DATA", "AGE"]);
    const row = findRow(stdout, "db");
    assert.equal(row?.TYPE, "Opaque");
    assert.equal(row?.DATA, "2");
    const described = (await c.kubectl(["describe", "secret", "db"])).stdout;
    assert.match(described, /^Type:\s+Opaque$/m);
    assert.match(described, /^password:\s+6 bytes$/m);
  });

  it("create secret docker-registry sets its type", async () => {
    await c.kubectl(["create", "secret", "docker-registry", "regcred", "--docker-server=registry.local", "--docker-username=u", "--docker-password=p"]);
    assert.equal((await c.kubectl(["get", "secret", "regcred", "-o", "jsonpath={.type}"])).stdout, "kubernetes.io/dockerconfigjson");
  });

  it("create serviceaccount", async () => {
    assert.equal((await c.kubectl(["create", "serviceaccount", "robot"])).stdout, "serviceaccount/robot created\n");
    const { stdout } = await c.kubectl(["get", "sa", "robot"]);
    assert.deepEqual(header(stdout), ["NAME", "SECRETS", "AGE"]);
    assert.equal(findRow(stdout, "robot")?.SECRETS, "0");
  });

  it("create deployment --image", async () => {
    assert.equal((await c.kubectl(["create", "deployment", "web", "--image=nginx:1.27", "--replicas=2", "--port=80"])).stdout, "deployment.apps/web created\n");
    const row = findRow((await c.kubectl(["get", "deploy", "-o", "wide"])).stdout, "web");
    assert.ok(row);
    assert.equal(row.READY, "0/2");
    assert.equal(row.CONTAINERS, "nginx");
    assert.equal(row.IMAGES, "nginx:1.27");
    assert.equal(row.SELECTOR, "app=web");
    const d = (await json(["get", "deploy", "web"])) as Obj & {
      spec: { selector: { matchLabels: Record<string, string> }; template: { spec: { containers: { name: string; ports: { containerPort: number; protocol: string }[]; imagePullPolicy: string; terminationMessagePath: string }[]; restartPolicy: string; dnsPolicy: string } }; strategy: { type: string } };
    };
    assert.deepEqual(d.spec.selector.matchLabels, { app: "web" });
    const ctr = d.spec.template.spec.containers[0];
    assert.deepEqual(ctr?.ports, [{ containerPort: 80, protocol: "TCP" }]);
    assert.equal(ctr?.imagePullPolicy, "IfNotPresent");
    assert.equal(ctr?.terminationMessagePath, "/dev/termination-log");
    assert.equal(d.spec.template.spec.restartPolicy, "Always");
    assert.equal(d.spec.template.spec.dnsPolicy, "ClusterFirst");
    assert.equal(d.spec.strategy.type, "RollingUpdate");
  });

  it("create rolebinding", async () => {
    const r = await c.kubectl(["create", "rolebinding", "robot-view", "--clusterrole=view", "--serviceaccount=default:robot"]);
    assert.equal(r.stdout, "rolebinding.rbac.authorization.k8s.io/robot-view created\n");
    const { stdout } = await c.kubectl(["get", "rolebinding", "robot-view", "-o", "wide"]);
    assert.deepEqual(header(stdout), ["NAME", "ROLE", "AGE", "USERS", "GROUPS", "SERVICEACCOUNTS"]);
    const row = findRow(stdout, "robot-view");
    assert.equal(row?.ROLE, "ClusterRole/view");
    assert.equal(row?.SERVICEACCOUNTS, "default/robot");
    const rb = await json(["get", "rolebinding", "robot-view"]);
    assert.deepEqual(rb.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" });
    assert.deepEqual(rb.subjects, [{ kind: "ServiceAccount", name: "robot", namespace: "default" }]);
  });

  it("create role and clusterrole", async () => {
    assert.equal(
      (await c.kubectl(["create", "role", "pod-reader", "--verb=get,list,watch", "--resource=pods"])).stdout,
      "role.rbac.authorization.k8s.io/pod-reader created\n",
    );
    const role = await json(["get", "role", "pod-reader"]);
    assert.deepEqual(role.rules, [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] }]);
    assert.equal(
      (await c.kubectl(["create", "clusterrole", "node-reader", "--verb=get", "--resource=nodes"])).stdout,
      "clusterrole.rbac.authorization.k8s.io/node-reader created\n",
    );
  });

  it("create job and cronjob", async () => {
    assert.equal((await c.kubectl(["create", "job", "once", "--image=busybox", "--", "echo", "hi"])).stdout, "job.batch/once created\n");
    const { stdout } = await c.kubectl(["get", "job", "once"]);
    assert.deepEqual(header(stdout), ["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"]);
    assert.equal(findRow(stdout, "once")?.COMPLETIONS, "0/1");
    const job = (await json(["get", "job", "once"])) as Obj & {
      spec: { completions: number; parallelism: number; backoffLimit: number; selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> }; spec: { restartPolicy: string; containers: { command: string[] }[] } } };
    };
    assert.equal(job.spec.completions, 1);
    assert.equal(job.spec.parallelism, 1);
    assert.equal(job.spec.backoffLimit, 6);
    assert.equal(job.spec.template.spec.restartPolicy, "Never");
    assert.deepEqual(job.spec.template.spec.containers[0]?.command, ["echo", "hi"]);
    const uid = job.metadata.uid ?? "";
    assert.deepEqual(job.spec.selector.matchLabels, { "batch.kubernetes.io/controller-uid": uid });
    assert.equal(job.spec.template.metadata.labels["batch.kubernetes.io/job-name"], "once");
    assert.equal(job.spec.template.metadata.labels["batch.kubernetes.io/controller-uid"], uid);

    assert.equal(
      (await c.kubectl(["create", "cronjob", "tick", "--image=busybox", "--schedule=*/5 * * * *", "--", "date"])).stdout,
      "cronjob.batch/tick created\n",
    );
    const cj = findRow((await c.kubectl(["get", "cronjob", "tick"])).stdout, "tick");
    assert.equal(cj?.SCHEDULE, "*/5 * * * *");
    assert.equal(cj?.SUSPEND, "False");
    assert.equal(cj?.ACTIVE, "0");
  });

  it("create service clusterip and expose", async () => {
    assert.equal((await c.kubectl(["create", "service", "clusterip", "api", "--tcp=5678:8080"])).stdout, "service/api created\n");
    const api = findRow((await c.kubectl(["get", "svc", "api"])).stdout, "api");
    assert.equal(api?.TYPE, "ClusterIP");
    assert.equal(api?.["PORT(S)"], "5678/TCP");

    assert.equal((await c.kubectl(["expose", "deployment", "web", "--port=8888", "--target-port=80"])).stdout, "service/web exposed\n");
    const svc = (await json(["get", "svc", "web"])) as Obj & { spec: { selector: Record<string, string>; ports: { port: number; targetPort: number; protocol: string }[]; clusterIP: string; type: string } };
    assert.deepEqual(svc.spec.selector, { app: "web" });
    assert.deepEqual(svc.spec.ports, [{ port: 8888, targetPort: 80, protocol: "TCP" }]);
    assert.match(svc.spec.clusterIP, /^10\.\d+\.\d+\.\d+$/);
    assert.equal(svc.spec.type, "ClusterIP");
  });

  it("run --dry-run=client -o yaml prints the pod and stores nothing", async () => {
    const r = await c.kubectl(["run", "dry", "--image=busybox", "--dry-run=client", "-o", "yaml"]);
    const pod = YAML.parse(r.stdout) as Obj & { spec: { containers: { name: string; image: string }[]; restartPolicy: string; dnsPolicy: string } };
    assert.equal(pod.kind, "Pod");
    assert.equal(pod.metadata.name, "dry");
    assert.deepEqual(pod.metadata.labels, { run: "dry" });
    assert.equal(pod.metadata.uid, undefined);
    assert.equal(pod.metadata.creationTimestamp, null);
    assert.deepEqual(pod.spec.containers, [{ image: "busybox", name: "dry", resources: {} }]);
    assert.equal(pod.spec.restartPolicy, "Always");
    const gone = await c.kubectl(["get", "pod", "dry"], { expectFail: true });
    assert.match(gone.stderr, /pods "dry" not found/);
  });

  it("run --dry-run=server -o yaml shows server-filled fields and stores nothing", async () => {
    const r = await c.kubectl(["run", "dry-srv", "--image=busybox", "--dry-run=server", "-o", "yaml"]);
    const pod = YAML.parse(r.stdout) as Obj & {
      spec: { containers: { imagePullPolicy: string; terminationMessagePolicy: string }[]; dnsPolicy: string; schedulerName: string; terminationGracePeriodSeconds: number; enableServiceLinks: boolean };
      status: { phase: string; qosClass: string };
    };
    assert.equal(pod.metadata.name, "dry-srv");
    assert.match(pod.metadata.uid ?? "", /^[0-9a-f-]{36}$/);
    assert.match(String(pod.metadata.creationTimestamp), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(pod.spec.dnsPolicy, "ClusterFirst");
    assert.equal(pod.spec.schedulerName, "default-scheduler");
    assert.equal(pod.spec.terminationGracePeriodSeconds, 30);
    assert.equal(pod.spec.enableServiceLinks, true);
    assert.equal(pod.spec.containers[0]?.imagePullPolicy, "Always");
    assert.equal(pod.spec.containers[0]?.terminationMessagePolicy, "File");
    assert.equal(pod.status.phase, "Pending");
    assert.equal(pod.status.qosClass, "BestEffort");
    const gone = await c.kubectl(["get", "pod", "dry-srv"], { expectFail: true });
    assert.match(gone.stderr, /^Error from server \(NotFound\): pods "dry-srv" not found$/m);
  });

  it("run creates a pod", async () => {
    assert.equal((await c.kubectl(["run", "real", "--image=busybox", "--restart=Never", "--", "sleep", "60"])).stdout, "pod/real created\n");
    const row = findRow((await c.kubectl(["get", "pods"])).stdout, "real");
    assert.equal(row?.STATUS, "Pending");
  });

  it("config set-context --current --namespace changes the namespace kubectl uses", async () => {
    // A copy of the kubeconfig, so the other tests keep using "default".
    const kc = path.join(c.workDir, "kubeconfig-ns");
    await fs.copyFile(c.kubeconfigPath, kc);
    const env = { KUBECONFIG: kc };
    await c.kubectl(["create", "namespace", "proj"]);
    await c.kubectl(["create", "configmap", "only-in-proj", "-n", "proj"]);
    const r = await c.kubectl(["config", "set-context", "--current", "--namespace=proj"], { env });
    assert.match(r.stdout, /^Context ".+" modified\.$/m);
    assert.equal((await c.kubectl(["config", "view", "--minify", "-o", "jsonpath={..namespace}"], { env })).stdout, "proj");
    assert.equal((await c.kubectl(["get", "configmaps", "-o", "name"], { env })).stdout, "configmap/only-in-proj\n");
    assert.equal((await c.kubectl(["create", "configmap", "made-in-proj"], { env })).stdout, "configmap/made-in-proj created\n");
    assert.equal((await c.kubectl(["get", "cm", "made-in-proj", "-n", "proj", "-o", "jsonpath={.metadata.namespace}"])).stdout, "proj");
    // The original kubeconfig still points at default.
    await c.kubectl(["get", "cm", "made-in-proj"], { expectFail: true });
  });

  it("auth can-i answers through SelfSubjectAccessReview", async () => {
    assert.equal((await c.kubectl(["auth", "can-i", "create", "pods"])).stdout, "yes\n");
    assert.equal((await c.kubectl(["auth", "can-i", "list", "nodes"])).stdout, "yes\n");
    assert.equal((await c.kubectl(["auth", "can-i", "create", "deployments.apps", "-n", "team-a"])).stdout, "yes\n");
    assert.equal((await c.kubectl(["auth", "can-i", "*", "*"])).stdout, "yes\n");
  });
});
