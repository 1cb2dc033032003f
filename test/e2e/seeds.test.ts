/**
 * e2e: the manifests and kubectl commands of the seed course notes (shared/seeds), applied
 * as written where they are valid for v1.32. Manifests in removed API versions must fail
 * the way upstream v1.32 fails, and their current equivalents must apply. See the comment
 * at the top of each file in fixtures/seeds for what, if anything, was changed.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { findRow, header, parseTable, skip, useCluster, waitFor } from "./harness.js";

const SEEDS = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures", "seeds");
const seed = (name: string): string => path.join(SEEDS, name);

describe("e2e: seed manifests", { skip }, () => {
  const c = useCluster();
  const apply = async (file: string): Promise<string> => (await c.kubectl(["apply", "-f", seed(file)])).stdout;
  const json = async <T>(args: string[]): Promise<T> => JSON.parse((await c.kubectl([...args, "-o", "json"])).stdout) as T;
  /** A manifest in an API version v1.32 does not serve: kubectl finds no mapping, nothing is sent. */
  const noMapping = async (verb: "apply" | "create", file: string, kind: string, version: string): Promise<void> => {
    const r = await c.kubectl([verb, "-f", seed(file)], { expectFail: true });
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`^error: resource mapping not found for name: ".*" namespace: ".*" from ".*${file}": no matches for kind "${kind}" in version "${version.replace("/", "\\/")}"$`, "m"));
    assert.match(r.stderr, /^ensure CRDs are installed first$/m);
  };

  describe("seed 000 (dixibox slides)", () => {
    it("namespaces, then the Pod", async () => {
      assert.equal(await apply("000-namespaces.yaml"), "namespace/dixibox created\nnamespace/monitoring created\n");
      assert.equal(await apply("000-pod-hello-k8s.yaml"), "pod/hello-k8s created\n");
      const pod = await json<{
        spec: { containers: { command: string[]; imagePullPolicy: string; terminationMessagePath: string }[]; restartPolicy: string; dnsPolicy: string; schedulerName: string; terminationGracePeriodSeconds: number };
        status: { phase: string };
      }>(["get", "pod", "hello-k8s", "-n", "dixibox"]);
      assert.deepEqual(pod.spec.containers[0]?.command, ["sh", "-c", 'echo "Hello Kubernetes!" && sleep 3600']);
      assert.equal(pod.spec.containers[0]?.imagePullPolicy, "Always", "an untagged image defaults to Always");
      assert.equal(pod.spec.containers[0]?.terminationMessagePath, "/dev/termination-log");
      assert.equal(pod.spec.restartPolicy, "Always");
      assert.equal(pod.spec.dnsPolicy, "ClusterFirst");
      assert.equal(pod.spec.schedulerName, "default-scheduler");
      assert.equal(pod.spec.terminationGracePeriodSeconds, 30);
      assert.equal(pod.status.phase, "Pending");
      const row = findRow((await c.kubectl(["get", "pods", "-n", "dixibox", "--show-labels"])).stdout, "hello-k8s");
      assert.equal(row?.STATUS, "Pending");
      assert.equal(row?.LABELS, "app=hello-k8s");
    });

    it("the Deployment keeps the seed's strategy and gets upstream defaults", async () => {
      assert.equal(await apply("000-deployment-website.yaml"), "deployment.apps/website created\n");
      const d = await json<{
        spec: {
          replicas: number;
          revisionHistoryLimit: number;
          progressDeadlineSeconds: number;
          strategy: { type: string; rollingUpdate: { maxSurge: string; maxUnavailable: number } };
          template: { spec: { containers: { ports: { name: string; containerPort: number; protocol: string }[]; livenessProbe: Record<string, unknown>; resources: unknown }[] } };
        };
      }>(["get", "deploy", "website", "-n", "dixibox"]);
      assert.equal(d.spec.replicas, 2);
      assert.equal(d.spec.revisionHistoryLimit, 4);
      assert.equal(d.spec.progressDeadlineSeconds, 600);
      assert.deepEqual(d.spec.strategy, { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: 1 } });
      const ctr = d.spec.template.spec.containers[0];
      assert.deepEqual(ctr?.ports, [{ name: "http", containerPort: 3000, protocol: "TCP" }]);
      assert.deepEqual(ctr?.livenessProbe, {
        tcpSocket: { port: "http" },
        initialDelaySeconds: 5,
        timeoutSeconds: 2,
        periodSeconds: 10,
        successThreshold: 1,
        failureThreshold: 3,
      });
      assert.deepEqual(ctr?.resources, { requests: { cpu: "10m", memory: "20Mi" }, limits: { cpu: "20m", memory: "30Mi" } });
      const row = findRow((await c.kubectl(["get", "deploy", "-n", "dixibox", "-o", "wide"])).stdout, "website");
      assert.equal(row?.READY, "0/2");
      assert.equal(row?.IMAGES, "nginx:1.15.10-alpine");
      assert.equal(row?.SELECTOR, "app=website");
    });

    it("the DaemonSet", async () => {
      assert.equal(await apply("000-daemonset-node-exporter.yaml"), "daemonset.apps/node-exporter created\n");
      const { stdout } = await c.kubectl(["get", "ds", "-n", "monitoring"]);
      assert.deepEqual(header(stdout), ["NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODE SELECTOR", "AGE"]);
      const row = findRow(stdout, "node-exporter");
      assert.equal(row?.DESIRED, "0");
      assert.equal(row?.["NODE SELECTOR"], "<none>");
      const ds = await json<{ spec: { updateStrategy: unknown; revisionHistoryLimit: number; template: { spec: { priorityClassName: string } } } }>(["get", "ds", "node-exporter", "-n", "monitoring"]);
      assert.deepEqual(ds.spec.updateStrategy, { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
      assert.equal(ds.spec.revisionHistoryLimit, 10);
      assert.equal(ds.spec.template.spec.priorityClassName, "system-node-critical");
    });

    it("the StatefulSet", async () => {
      assert.equal(await apply("000-statefulset-mariadb.yaml"), "statefulset.apps/mariadb created\n");
      const { stdout } = await c.kubectl(["get", "sts", "-n", "dixibox"]);
      assert.deepEqual(header(stdout), ["NAME", "READY", "AGE"]);
      assert.equal(findRow(stdout, "mariadb")?.READY, "0/1");
      const sts = await json<{
        spec: {
          podManagementPolicy: string;
          updateStrategy: unknown;
          persistentVolumeClaimRetentionPolicy: unknown;
          volumeClaimTemplates: { metadata: { name: string }; spec: { volumeMode: string; resources: unknown } }[];
          template: { spec: { securityContext: unknown; volumes: unknown[] } };
        };
      }>(["get", "sts", "mariadb", "-n", "dixibox"]);
      assert.equal(sts.spec.podManagementPolicy, "OrderedReady");
      assert.deepEqual(sts.spec.updateStrategy, { type: "RollingUpdate", rollingUpdate: { partition: 0 } });
      assert.deepEqual(sts.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: "Retain", whenScaled: "Retain" });
      assert.equal(sts.spec.volumeClaimTemplates[0]?.metadata.name, "data");
      assert.equal(sts.spec.volumeClaimTemplates[0]?.spec.volumeMode, "Filesystem");
      assert.deepEqual(sts.spec.template.spec.securityContext, { runAsUser: 999 });
      assert.deepEqual(sts.spec.template.spec.volumes, [{ name: "config", configMap: { name: "mariadb", defaultMode: 420 } }]);
    });

    it("the Job", async () => {
      assert.equal(await apply("000-job-pi.yaml"), "job.batch/pi created\n");
      const { stdout } = await c.kubectl(["get", "jobs"]);
      assert.equal(findRow(stdout, "pi")?.COMPLETIONS, "0/1");
      const job = await json<{ spec: { backoffLimit: number; completions: number; parallelism: number; completionMode: string; suspend: boolean; template: { metadata: { labels: Record<string, string> } } } }>([
        "get",
        "job",
        "pi",
      ]);
      assert.equal(job.spec.backoffLimit, 4);
      assert.equal(job.spec.completions, 1);
      assert.equal(job.spec.parallelism, 1);
      assert.equal(job.spec.completionMode, "NonIndexed");
      assert.equal(job.spec.suspend, false);
      assert.equal(job.spec.template.metadata.labels["job-name"], "pi");
      assert.equal(job.spec.template.metadata.labels["batch.kubernetes.io/job-name"], "pi");
    });

    it("the CronJob in batch/v1beta1 has no mapping", () => noMapping("apply", "000-cronjob-hello-v1beta1.yaml", "CronJob", "batch/v1beta1"));

    it("the CronJob in batch/v1 with the seed's schedule is rejected by validation", async () => {
      const bad = await c.kubectl(["apply", "-f", seed("000-cronjob-hello-seed-schedule.yaml")], { expectFail: true });
      assert.match(bad.stderr, /^The CronJob "hello" is invalid: spec\.schedule: Invalid value: "\*\/\*1 \* \* \* \*": /m);
    });

    it("the CronJob in batch/v1 applies", async () => {
      assert.equal(await apply("000-cronjob-hello.yaml"), "cronjob.batch/hello created\n");
      const row = findRow((await c.kubectl(["get", "cronjobs"])).stdout, "hello");
      assert.equal(row?.SCHEDULE, "*/1 * * * *");
      assert.equal(row?.SUSPEND, "False");
      const cj = await json<{ spec: { concurrencyPolicy: string; successfulJobsHistoryLimit: number; failedJobsHistoryLimit: number; suspend: boolean } }>(["get", "cronjob", "hello"]);
      assert.equal(cj.spec.concurrencyPolicy, "Allow");
      assert.equal(cj.spec.successfulJobsHistoryLimit, 3);
      assert.equal(cj.spec.failedJobsHistoryLimit, 1);
      assert.equal(cj.spec.suspend, false);
    });

    it("the Services", async () => {
      assert.equal(await apply("000-services.yaml"), "service/website created\nservice/mariadb created\n");
      const { stdout } = await c.kubectl(["get", "svc", "-n", "dixibox"]);
      assert.deepEqual(header(stdout), ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]);
      const website = findRow(stdout, "website");
      assert.equal(website?.TYPE, "ClusterIP");
      assert.match(website?.["CLUSTER-IP"] ?? "", /^10\.\d+\.\d+\.\d+$/);
      assert.equal(website?.["PORT(S)"], "80/TCP");
      const mariadb = findRow(stdout, "mariadb");
      assert.equal(mariadb?.["CLUSTER-IP"], "None");
      assert.equal(mariadb?.["PORT(S)"], "3306/TCP");
      const svc = await json<{ spec: { ports: unknown[]; sessionAffinity: string; ipFamilies: string[]; ipFamilyPolicy: string; internalTrafficPolicy: string; clusterIPs: string[] } }>([
        "get",
        "svc",
        "website",
        "-n",
        "dixibox",
      ]);
      assert.deepEqual(svc.spec.ports, [{ name: "http", port: 80, protocol: "TCP", targetPort: "http" }]);
      assert.equal(svc.spec.sessionAffinity, "None");
      assert.deepEqual(svc.spec.ipFamilies, ["IPv4"]);
      assert.equal(svc.spec.ipFamilyPolicy, "SingleStack");
      assert.equal(svc.spec.internalTrafficPolicy, "Cluster");
      assert.equal(svc.spec.clusterIPs[0], website?.["CLUSTER-IP"]);
      assert.equal((await c.kubectl(["get", "svc", "mariadb", "-n", "dixibox", "-o", "jsonpath={.metadata.annotations.prometheus\\.io/scrape}"])).stdout, "true");
    });

    it("the Ingress in extensions/v1beta1 has no mapping", () => noMapping("apply", "000-ingress-face-v1beta1.yaml", "Ingress", "extensions/v1beta1"));

    it("the Ingress in networking.k8s.io/v1 applies", async () => {
      assert.equal(await apply("000-ingress-face.yaml"), "ingress.networking.k8s.io/face created\n");
      const { stdout } = await c.kubectl(["get", "ingress", "-n", "dixibox"]);
      assert.deepEqual(header(stdout), ["NAME", "CLASS", "HOSTS", "ADDRESS", "PORTS", "AGE"]);
      const row = findRow(stdout, "face");
      assert.equal(row?.CLASS, "<none>");
      assert.equal(row?.HOSTS, "dixibox.com");
      assert.equal(row?.PORTS, "80");
    });

    it("the ConfigMap and the Secret (stringData is folded into data)", async () => {
      assert.equal(await apply("000-configmap-secret-brain.yaml"), "configmap/brain created\nsecret/brain created\n");
      assert.equal(findRow((await c.kubectl(["get", "cm", "brain", "-n", "dixibox"])).stdout, "brain")?.DATA, "6");
      const secret = await json<{ type: string; data: Record<string, string>; stringData?: unknown }>(["get", "secret", "brain", "-n", "dixibox"]);
      assert.equal(secret.type, "Opaque");
      assert.equal(secret.stringData, undefined);
      assert.equal(Object.keys(secret.data).length, 6);
      assert.equal(Buffer.from(secret.data.DB_PASSWORD ?? "", "base64").toString(), "dbP4ssw0rd");
      const row = findRow((await c.kubectl(["get", "secrets", "-n", "dixibox"])).stdout, "brain");
      assert.equal(row?.TYPE, "Opaque");
      assert.equal(row?.DATA, "6");
      // Re-applying the same file: the ConfigMap is unchanged; the Secret is "configured" as
      // upstream (stringData is never stored, so kubectl always finds it to add) but its data
      // stays the same.
      assert.equal(await apply("000-configmap-secret-brain.yaml"), "configmap/brain unchanged\nsecret/brain configured\n");
      const again = await json<{ data: Record<string, string> }>(["get", "secret", "brain", "-n", "dixibox"]);
      assert.deepEqual(again.data, secret.data);
    });

    it("get all in the seed's namespace", async () => {
      const { stdout } = await c.kubectl(["get", "all", "-n", "dixibox"]);
      assert.match(stdout, /^pod\/hello-k8s\s+0\/1\s+Pending\s+0\s+\d+s$/m);
      assert.match(stdout, /^service\/website\s+ClusterIP\s+10\.\S+\s+<none>\s+80\/TCP\s+\d+s$/m);
      assert.match(stdout, /^service\/mariadb\s+ClusterIP\s+None\s+<none>\s+3306\/TCP\s+\d+s$/m);
      // The deployment controller has created the pods (UP-TO-DATE); no node runs them here.
      assert.match(stdout, /^deployment\.apps\/website\s+0\/2\s+[0-2]\s+0\s+\d+s$/m);
      assert.match(stdout, /^statefulset\.apps\/mariadb\s+0\/1\s+\d+s$/m);
    });
  });

  describe("seed 001 (course notes)", () => {
    it("the Pod", async () => {
      assert.equal((await c.kubectl(["create", "-f", seed("001-pod-nginx.yaml")])).stdout, "pod/nginx created\n");
      const row = findRow((await c.kubectl(["get", "pods", "-o", "wide"])).stdout, "nginx");
      assert.equal(row?.STATUS, "Pending");
      assert.equal(row?.NODE, "<none>");
    });

    it("the ReplicaSet in extensions/v1beta1 has no mapping", () => noMapping("create", "001-replicaset-nginx-v1beta1.yaml", "ReplicaSet", "extensions/v1beta1"));

    it("the ReplicaSet in apps/v1 is created", async () => {
      assert.equal((await c.kubectl(["create", "-f", seed("001-replicaset-nginx.yaml")])).stdout, "replicaset.apps/nginx created\n");
      const { stdout } = await c.kubectl(["get", "rs"]);
      assert.deepEqual(header(stdout), ["NAME", "DESIRED", "CURRENT", "READY", "AGE"]);
      const row = findRow(stdout, "nginx");
      assert.equal(row?.DESIRED, "2");
      // The ReplicaSet controller creates the pods; with no nodes to run on, none gets ready.
      await waitFor(async () => findRow((await c.kubectl(["get", "rs"])).stdout, "nginx")?.CURRENT === "2", 10_000);
      assert.equal(findRow((await c.kubectl(["get", "rs"])).stdout, "nginx")?.READY, "0");
    });

    it("the Deployment in extensions/v1beta1 has no mapping", () => noMapping("create", "001-deployment-nginx-v1beta1.yaml", "Deployment", "extensions/v1beta1"));

    it("the Deployment in apps/v1 is created", async () => {
      assert.equal((await c.kubectl(["create", "-f", seed("001-deployment-nginx.yaml")])).stdout, "deployment.apps/nginx created\n");
      const d = await json<{ spec: { revisionHistoryLimit: number; strategy: unknown } }>(["get", "deployment", "nginx"]);
      assert.equal(d.spec.revisionHistoryLimit, 2);
      assert.deepEqual(d.spec.strategy, { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } });
    });

    it("the Service, and expose as in the notes", async () => {
      assert.equal(await apply("001-service-nginx.yaml"), "service/nginx created\n");
      assert.equal(findRow((await c.kubectl(["get", "svc"])).stdout, "nginx")?.TYPE, "ClusterIP");
      // `kubectl expose deploy/<name> --type=NodePort --port=80`
      assert.equal((await c.kubectl(["expose", "deploy/nginx", "--type=NodePort", "--port=80", "--name=nginx-np"])).stdout, "service/nginx-np exposed\n");
      const row = findRow((await c.kubectl(["get", "svc"])).stdout, "nginx-np");
      assert.equal(row?.TYPE, "NodePort");
      const m = /^80:(\d+)\/TCP$/.exec(row?.["PORT(S)"] ?? "");
      assert.ok(m, `a node port is allocated: ${row?.["PORT(S)"]}`);
      const port = Number(m[1]);
      assert.ok(port >= 30000 && port <= 32767, `node port ${port} is in 30000-32767`);
    });

    it("the command walkthrough: create deployment, scale, expose, set image", async () => {
      assert.equal((await c.kubectl(["create", "deployment", "httpenv", "--image", "jpetazzo/httpenv"])).stdout, "deployment.apps/httpenv created\n");
      assert.equal((await c.kubectl(["scale", "deployment", "httpenv", "--replicas=10"])).stdout, "deployment.apps/httpenv scaled\n");
      assert.equal((await c.kubectl(["expose", "deployment", "httpenv", "--port=8888"])).stdout, "service/httpenv exposed\n");
      const svc = findRow((await c.kubectl(["get", "svc"])).stdout, "httpenv");
      assert.equal(svc?.TYPE, "ClusterIP");
      assert.equal(svc?.["EXTERNAL-IP"], "<none>");
      assert.equal(svc?.["PORT(S)"], "8888/TCP");
      // `kubectl get deploy -o json | jq ".items[] | {name:.metadata.name} + .spec.strategy.rollingUpdate"`
      const list = await json<{ items: { metadata: { name: string }; spec: { replicas: number; strategy: { rollingUpdate: unknown } } }[] }>(["get", "deploy"]);
      const httpenv = list.items.find((i) => i.metadata.name === "httpenv");
      assert.equal(httpenv?.spec.replicas, 10);
      assert.deepEqual(httpenv?.spec.strategy.rollingUpdate, { maxSurge: "25%", maxUnavailable: "25%" });
      // `kubectl set image deployment <name> <container>=<image>:<version>`
      assert.equal((await c.kubectl(["set", "image", "deployment", "httpenv", "httpenv=jpetazzo/httpenv:v2"])).stdout, "deployment.apps/httpenv image updated\n");
      assert.equal((await c.kubectl(["get", "deploy", "httpenv", "-o", "jsonpath={.spec.template.spec.containers[0].image}"])).stdout, "jpetazzo/httpenv:v2");
    });

    it("the Namespace, and -n / set-context as in the notes", async () => {
      assert.equal(await apply("001-namespace-proyecto.yaml"), "namespace/proyecto created\n");
      const ns = (await c.kubectl(["get", "namespace"])).stdout;
      assert.deepEqual(
        parseTable(ns).map((r) => r.NAME),
        ["default", "dixibox", "kube-node-lease", "kube-public", "kube-system", "monitoring", "proyecto"],
      );
      const none = await c.kubectl(["-n", "proyecto", "get", "svc"]);
      assert.match(none.stderr, /^No resources found in proyecto namespace\.$/m);
    });

    it("the ConfigMap from a file and the Pod that mounts it", async () => {
      const r = await c.kubectl(["create", "configmap", "haproxy", `--from-file=haproxy.cfg=${seed("001-haproxy.cfg")}`]);
      assert.equal(r.stdout, "configmap/haproxy created\n");
      assert.equal((await c.kubectl(["get", "configmap", "haproxy", "-o", "jsonpath={.data.haproxy\\.cfg}"])).stdout, "global\n    daemon\n");
      assert.equal(await apply("001-pod-haproxy.yaml"), "pod/haproxy created\n");
      const pod = await json<{ spec: { volumes: unknown[] } }>(["get", "pod", "haproxy"]);
      assert.deepEqual(pod.spec.volumes, [{ name: "config", configMap: { name: "haproxy", defaultMode: 420 } }]);
    });

    it("service accounts and role bindings as in the notes", async () => {
      assert.equal((await c.kubectl(["create", "sa", "viewer"])).stdout, "serviceaccount/viewer created\n");
      assert.equal(
        (await c.kubectl(["create", "rolebinding", "viewercanview", "--clusterrole=view", "--serviceaccount=default:viewer"])).stdout,
        "rolebinding.rbac.authorization.k8s.io/viewercanview created\n",
      );
      assert.ok(findRow((await c.kubectl(["get", "serviceaccounts"])).stdout, "viewer"));
      assert.equal((await c.kubectl(["auth", "can-i", "list", "nodes"])).stdout, "yes\n");
      assert.equal((await c.kubectl(["auth", "can-i", "create", "pods"])).stdout, "yes\n");
      assert.equal((await c.kubectl(["auth", "can-i", "get", "pods"])).stdout, "yes\n");
    });
  });

  describe("seed 004 (slides)", () => {
    it("a Deployment in apiVersion v1 has no mapping", () => noMapping("apply", "004-deployment-backend-v1.yaml", "Deployment", "v1"));

    it("the Deployment in apps/v1 applies", async () => {
      assert.equal(await apply("004-deployment-backend.yaml"), "deployment.apps/backend created\n");
      const d = await json<{ spec: { replicas: number; template: { spec: { containers: { env: unknown }[] } } } }>(["get", "deploy", "backend"]);
      assert.equal(d.spec.replicas, 3);
      assert.deepEqual(d.spec.template.spec.containers[0]?.env, [{ name: "DEBUG", value: "true" }]);
    });
  });
});
