/**
 * End-to-end proof against the real kubectl v1.32: each command runs against a fake HTTPS
 * API server, which decodes the protobuf body kubectl POSTs with decodeProtobufObject and
 * echoes it back. The test asserts the decoded JSON is exactly the object upstream's Go
 * types would produce.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeProtobufObject, isProtobufMediaType, type JsonObject } from "./index.js";
import { KUBECTL, startFakeApiServer, type CapturedRequest, type Discovery, type FakeApiServer, type Reply } from "./testing/fake-apiserver.js";

const discovery: Discovery = {
  v1: [
    { name: "pods", kind: "Pod", namespaced: true },
    { name: "pods/eviction", kind: "Eviction", namespaced: true, group: "policy", version: "v1", verbs: ["create"] },
    { name: "nodes", kind: "Node", namespaced: false },
    { name: "serviceaccounts", kind: "ServiceAccount", namespaced: true },
  ],
  "apps/v1": [
    { name: "deployments", kind: "Deployment", namespaced: true },
    { name: "deployments/scale", kind: "Scale", namespaced: true, group: "autoscaling", version: "v1" },
  ],
  "batch/v1": [{ name: "cronjobs", kind: "CronJob", namespaced: true }, { name: "jobs", kind: "Job", namespaced: true }],
  "policy/v1": [{ name: "poddisruptionbudgets", kind: "PodDisruptionBudget", namespaced: true }],
};

const node = { apiVersion: "v1", kind: "Node", metadata: { name: "n1", uid: "node-uid" }, spec: {}, status: {} };
const pod = {
  apiVersion: "v1", kind: "Pod",
  metadata: { name: "p1", namespace: "default", uid: "pod-uid" },
  spec: { nodeName: "n1", containers: [{ name: "c", image: "busybox" }] },
  status: { phase: "Running" },
};
const deployment = {
  apiVersion: "apps/v1", kind: "Deployment",
  metadata: { name: "web", namespace: "default", uid: "dep-uid" },
  spec: { replicas: 1, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "nginx", image: "nginx" }] } } },
};
const cronJob = {
  apiVersion: "batch/v1", kind: "CronJob",
  metadata: { name: "nightly", namespace: "default", uid: "cj-uid" },
  spec: {
    schedule: "0 3 * * *",
    jobTemplate: {
      metadata: { labels: { team: "ops" } },
      spec: {
        backoffLimit: 0,
        template: {
          spec: {
            restartPolicy: "OnFailure",
            volumes: [{ name: "cfg", configMap: { name: "cfg", defaultMode: 420 } }],
            containers: [{
              name: "job", image: "busybox", args: ["run"],
              env: [{ name: "MODE", value: "full" }, { name: "NODE", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } }],
              resources: { limits: { cpu: "500m", memory: "64Mi" } },
              volumeMounts: [{ name: "cfg", mountPath: "/etc/cfg", readOnly: true }],
              livenessProbe: { httpGet: { path: "/healthz", port: 8080 }, periodSeconds: 10 },
              readinessProbe: { tcpSocket: { port: "http" } },
            }],
          },
        },
      },
    },
  },
};

/** What each decoded POST body was, by path. */
const decoded = new Map<string, JsonObject>();

function route(req: CapturedRequest): Reply | undefined {
  if (req.method === "POST" && isProtobufMediaType(req.contentType)) {
    const { object } = decodeProtobufObject(req.body);
    decoded.set(req.path, object);
    const meta = (object.metadata ?? {}) as JsonObject;
    const echo: JsonObject = { ...object, metadata: { ...meta, name: meta.name ?? "generated", uid: "uid-1", resourceVersion: "1" } };
    if (object.kind === "SelfSubjectAccessReview") echo.status = { allowed: true };
    if (object.kind === "TokenRequest") echo.status = { token: "tok.en", expirationTimestamp: "2030-01-01T00:00:00Z" };
    return { status: 201, body: echo };
  }
  if (req.method === "POST" && req.path.endsWith("/eviction")) return { status: 201, body: { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 } };
  if (req.method === "GET" && req.path === "/api/v1/nodes/n1") return { status: 200, body: node };
  if (req.method === "PATCH" && req.path === "/api/v1/nodes/n1") return { status: 200, body: { ...node, spec: { unschedulable: true } } };
  if (req.method === "GET" && req.path === "/api/v1/pods") return { status: 200, body: { apiVersion: "v1", kind: "PodList", metadata: { resourceVersion: "1" }, items: [pod] } };
  if (req.method === "GET" && req.path === "/apis/apps/v1/namespaces/default/deployments/web") return { status: 200, body: deployment };
  if (req.method === "GET" && req.path === "/apis/batch/v1/namespaces/default/cronjobs/nightly") return { status: 200, body: cronJob };
  return undefined;
}

describe("protobuf bodies from the real kubectl v1.32", { skip: !existsSync(KUBECTL) && "kubectl not installed" }, () => {
  let server: FakeApiServer;
  let files: string;

  before(async () => {
    server = await startFakeApiServer(route, discovery);
    files = await mkdtemp(join(tmpdir(), "timonel-pb-files-"));
    await writeFile(join(files, "app.properties"), "color=blue\nsize=10\n");
    await writeFile(join(files, "logo.bin"), Buffer.from([0xff, 0x00, 0xfe]));
  });

  after(async () => {
    await server?.close();
    if (files) await rm(files, { recursive: true, force: true });
  });

  /** Runs kubectl, expects success, and returns the decoded body POSTed to `path`. */
  async function created(args: string[], path: string): Promise<JsonObject> {
    decoded.delete(path);
    const r = await server.kubectl(args);
    assert.equal(r.code, 0, `kubectl ${args.join(" ")} failed: ${r.stderr}`);
    const object = decoded.get(path);
    assert.ok(object, `no protobuf POST to ${path}; requests: ${server.requests.map((q) => `${q.method} ${q.path}`).join(", ")}`);
    return object;
  }

  const ns = "/api/v1/namespaces/default";

  test("create deployment", async () => {
    const obj = await created(["create", "deployment", "web", "--image=nginx", "--replicas=2", "--port=80"], "/apis/apps/v1/namespaces/default/deployments");
    assert.deepEqual(obj, {
      apiVersion: "apps/v1", kind: "Deployment",
      metadata: { name: "web", labels: { app: "web" } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { labels: { app: "web" } },
          spec: { containers: [{ name: "nginx", image: "nginx", ports: [{ containerPort: 80 }], resources: {} }] },
        },
        strategy: {},
      },
      status: {},
    });
  });

  test("create deployment keeps an explicit zero replicas", async () => {
    const obj = await created(["create", "deployment", "idle", "--image=nginx", "--replicas=0"], "/apis/apps/v1/namespaces/default/deployments");
    assert.equal((obj.spec as JsonObject).replicas, 0);
  });

  test("create configmap with literals, a file and binary data", async () => {
    const obj = await created(["create", "configmap", "cm", "--from-literal=k=v", `--from-file=${join(files, "app.properties")}`, `--from-file=${join(files, "logo.bin")}`], `${ns}/configmaps`);
    assert.deepEqual(obj, {
      apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm" },
      data: { k: "v", "app.properties": "color=blue\nsize=10\n" },
      binaryData: { "logo.bin": "/wD+" },
    });
  });

  test("create secret generic", async () => {
    const obj = await created(["create", "secret", "generic", "s", "--from-literal=password=s3cr3t"], `${ns}/secrets`);
    assert.deepEqual(obj, { apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, data: { password: "czNjcjN0" } });
  });

  test("create secret tls", async () => {
    // kubectl checks that the pair parses, so make a real one.
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
      "-subj", "/CN=tls", "-keyout", join(files, "tls.key"), "-out", join(files, "tls.crt")], { stdio: "ignore", timeout: 20_000 });
    const obj = await created(["create", "secret", "tls", "t", `--cert=${join(files, "tls.crt")}`, `--key=${join(files, "tls.key")}`], `${ns}/secrets`);
    const b64 = (f: string) => readFileSync(join(files, f)).toString("base64");
    assert.deepEqual(obj, {
      apiVersion: "v1", kind: "Secret", metadata: { name: "t" }, type: "kubernetes.io/tls",
      data: { "tls.crt": b64("tls.crt"), "tls.key": b64("tls.key") },
    });
  });

  test("create secret docker-registry", async () => {
    const obj = await created(["create", "secret", "docker-registry", "reg", "--docker-server=reg.example", "--docker-username=u", "--docker-password=p", "--docker-email=e@x"], `${ns}/secrets`);
    const data = obj.data as JsonObject;
    assert.equal(obj.type, "kubernetes.io/dockerconfigjson");
    assert.deepEqual(JSON.parse(Buffer.from(String(data[".dockerconfigjson"]), "base64").toString()), {
      auths: { "reg.example": { username: "u", password: "p", email: "e@x", auth: Buffer.from("u:p").toString("base64") } },
    });
  });

  test("create namespace", async () => {
    const obj = await created(["create", "namespace", "team-a"], "/api/v1/namespaces");
    assert.deepEqual(obj, { apiVersion: "v1", kind: "Namespace", metadata: { name: "team-a" }, spec: {}, status: {} });
  });

  test("create serviceaccount", async () => {
    const obj = await created(["create", "serviceaccount", "robot"], `${ns}/serviceaccounts`);
    assert.deepEqual(obj, { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "robot" } });
  });

  test("create role", async () => {
    const obj = await created(["create", "role", "reader", "--verb=get,list", "--resource=pods,deployments.apps", "--resource-name=a"], "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles");
    assert.deepEqual(obj, {
      apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "reader" },
      rules: [
        { verbs: ["get", "list"], apiGroups: [""], resources: ["pods"], resourceNames: ["a"] },
        { verbs: ["get", "list"], apiGroups: ["apps"], resources: ["deployments"], resourceNames: ["a"] },
      ],
    });
  });

  test("create clusterrole", async () => {
    const obj = await created(["create", "clusterrole", "health", "--verb=get", "--non-resource-url=/healthz"], "/apis/rbac.authorization.k8s.io/v1/clusterroles");
    assert.deepEqual(obj, {
      apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "health" },
      rules: [{ verbs: ["get"], nonResourceURLs: ["/healthz"] }],
    });
  });

  test("create clusterrole with an aggregation rule", async () => {
    const obj = await created(["create", "clusterrole", "agg", "--aggregation-rule=rbac.example.com/aggregate=true"], "/apis/rbac.authorization.k8s.io/v1/clusterroles");
    assert.deepEqual(obj, {
      apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "agg" },
      aggregationRule: { clusterRoleSelectors: [{ matchLabels: { "rbac.example.com/aggregate": "true" } }] },
    });
  });

  test("create rolebinding", async () => {
    const obj = await created(["create", "rolebinding", "rb", "--clusterrole=view", "--serviceaccount=default:robot"], "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings");
    assert.deepEqual(obj, {
      apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: "rb" },
      subjects: [{ kind: "ServiceAccount", name: "robot", namespace: "default" }],
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
    });
  });

  test("create clusterrolebinding", async () => {
    const obj = await created(["create", "clusterrolebinding", "crb", "--clusterrole=view", "--user=bob", "--group=devs"], "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings");
    assert.deepEqual(obj, {
      apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", metadata: { name: "crb" },
      subjects: [
        { kind: "User", apiGroup: "rbac.authorization.k8s.io", name: "bob" },
        { kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: "devs" },
      ],
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
    });
  });

  test("create job", async () => {
    const obj = await created(["create", "job", "once", "--image=busybox", "--", "echo", "hi"], "/apis/batch/v1/namespaces/default/jobs");
    assert.deepEqual(obj, {
      apiVersion: "batch/v1", kind: "Job", metadata: { name: "once" },
      spec: {
        template: {
          metadata: {},
          spec: { containers: [{ name: "once", image: "busybox", command: ["echo", "hi"], resources: {} }], restartPolicy: "Never" },
        },
      },
      status: {},
    });
  });

  test("create job --from=cronjob round-trips a full pod template", async () => {
    const obj = await created(["create", "job", "manual", "--from=cronjob/nightly"], "/apis/batch/v1/namespaces/default/jobs");
    assert.deepEqual(obj, {
      apiVersion: "batch/v1", kind: "Job",
      metadata: {
        name: "manual",
        labels: { team: "ops" },
        annotations: { "cronjob.kubernetes.io/instantiate": "manual" },
        ownerReferences: [{ apiVersion: "batch/v1", kind: "CronJob", name: "nightly", uid: "cj-uid", controller: true }],
      },
      spec: {
        backoffLimit: 0,
        template: {
          metadata: {},
          spec: {
            volumes: [{ name: "cfg", configMap: { name: "cfg", defaultMode: 420 } }],
            containers: [{
              name: "job", image: "busybox", args: ["run"],
              env: [{ name: "MODE", value: "full" }, { name: "NODE", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } }],
              resources: { limits: { cpu: "500m", memory: "64Mi" } },
              volumeMounts: [{ name: "cfg", mountPath: "/etc/cfg", readOnly: true }],
              livenessProbe: { httpGet: { path: "/healthz", port: 8080 }, periodSeconds: 10 },
              readinessProbe: { tcpSocket: { port: "http" } },
            }],
            restartPolicy: "OnFailure",
          },
        },
      },
      status: {},
    });
  });

  test("create cronjob", async () => {
    const obj = await created(["create", "cronjob", "tick", "--image=busybox", "--schedule=*/5 * * * *", "--restart=Never", "--", "date"], "/apis/batch/v1/namespaces/default/cronjobs");
    assert.deepEqual(obj, {
      apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "tick" },
      spec: {
        schedule: "*/5 * * * *",
        jobTemplate: {
          metadata: { name: "tick" },
          spec: {
            template: {
              metadata: {},
              spec: { containers: [{ name: "tick", image: "busybox", command: ["date"], resources: {} }], restartPolicy: "Never" },
            },
          },
        },
      },
      status: {},
    });
  });

  test("create service clusterip", async () => {
    const obj = await created(["create", "service", "clusterip", "web", "--tcp=80:8080", "--tcp=443"], `${ns}/services`);
    assert.deepEqual(obj, {
      apiVersion: "v1", kind: "Service", metadata: { name: "web", labels: { app: "web" } },
      spec: {
        ports: [
          { name: "80-8080", protocol: "TCP", port: 80, targetPort: 8080 },
          { name: "443", protocol: "TCP", port: 443, targetPort: 443 },
        ],
        selector: { app: "web" },
        type: "ClusterIP",
      },
      status: { loadBalancer: {} },
    });
  });

  test("create service clusterip headless", async () => {
    const obj = await created(["create", "service", "clusterip", "headless", "--clusterip=None"], `${ns}/services`);
    assert.deepEqual(obj.spec, { selector: { app: "headless" }, clusterIP: "None", type: "ClusterIP" });
  });

  test("create service nodeport", async () => {
    const obj = await created(["create", "service", "nodeport", "np", "--tcp=80:8080", "--node-port=30080"], `${ns}/services`);
    assert.deepEqual(obj.spec, {
      ports: [{ name: "80-8080", protocol: "TCP", port: 80, targetPort: 8080, nodePort: 30080 }],
      selector: { app: "np" }, type: "NodePort",
    });
  });

  test("create service loadbalancer", async () => {
    const obj = await created(["create", "service", "loadbalancer", "lb", "--tcp=5678:8080"], `${ns}/services`);
    assert.deepEqual(obj.spec, {
      ports: [{ name: "5678-8080", protocol: "TCP", port: 5678, targetPort: 8080 }],
      selector: { app: "lb" }, type: "LoadBalancer",
    });
  });

  test("create service externalname", async () => {
    const obj = await created(["create", "service", "externalname", "ext", "--external-name=example.com"], `${ns}/services`);
    assert.deepEqual(obj, {
      apiVersion: "v1", kind: "Service", metadata: { name: "ext", labels: { app: "ext" } },
      spec: { selector: { app: "ext" }, type: "ExternalName", externalName: "example.com" },
      status: { loadBalancer: {} },
    });
  });

  test("create ingress", async () => {
    const obj = await created(["create", "ingress", "ing", "--class=nginx", "--rule=foo.com/bar*=svc1:80,tls=sec", "--rule=/exact=svc2:http", "--default-backend=defsvc:8080", "--annotation=a=b"], "/apis/networking.k8s.io/v1/namespaces/default/ingresses");
    assert.deepEqual(obj, {
      apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name: "ing", annotations: { a: "b" } },
      spec: {
        ingressClassName: "nginx",
        defaultBackend: { service: { name: "defsvc", port: { number: 8080 } } },
        tls: [{ hosts: ["foo.com"], secretName: "sec" }],
        rules: [
          { host: "foo.com", http: { paths: [{ path: "/bar", pathType: "Prefix", backend: { service: { name: "svc1", port: { number: 80 } } } }] } },
          { http: { paths: [{ path: "/exact", pathType: "Exact", backend: { service: { name: "svc2", port: { name: "http" } } } }] } },
        ],
      },
      status: { loadBalancer: {} },
    });
  });

  test("create priorityclass", async () => {
    const obj = await created(["create", "priorityclass", "high", "--value=1000", "--description=important", "--preemption-policy=Never"], "/apis/scheduling.k8s.io/v1/priorityclasses");
    assert.deepEqual(obj, {
      apiVersion: "scheduling.k8s.io/v1", kind: "PriorityClass", metadata: { name: "high" },
      value: 1000, description: "important", preemptionPolicy: "Never",
    });
  });

  test("create quota", async () => {
    const obj = await created(["create", "quota", "q", "--hard=cpu=1,memory=1Gi,pods=2", "--scopes=BestEffort"], `${ns}/resourcequotas`);
    assert.deepEqual(obj, {
      apiVersion: "v1", kind: "ResourceQuota", metadata: { name: "q" },
      spec: { hard: { cpu: "1", memory: "1Gi", pods: "2" }, scopes: ["BestEffort"] },
      status: {},
    });
  });

  test("create poddisruptionbudget with a percentage and with zero", async () => {
    const path = "/apis/policy/v1/namespaces/default/poddisruptionbudgets";
    const status = { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
    const pct = await created(["create", "poddisruptionbudget", "pdb", "--selector=app=web", "--min-available=50%"], path);
    assert.deepEqual(pct, {
      apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name: "pdb" },
      spec: { minAvailable: "50%", selector: { matchLabels: { app: "web" } } }, status,
    });
    const zero = await created(["create", "pdb", "pdb0", "--selector=app=web", "--max-unavailable=0"], path);
    assert.deepEqual(zero.spec, { maxUnavailable: 0, selector: { matchLabels: { app: "web" } } });
  });

  test("create token", async () => {
    const obj = await created(["create", "token", "robot", "--audience=api", "--duration=10m"], `${ns}/serviceaccounts/robot/token`);
    assert.deepEqual(obj, {
      apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", metadata: {},
      spec: { audiences: ["api"], expirationSeconds: 600 },
      status: { token: "" },
    });
  });

  test("auth can-i", async () => {
    const path = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";
    const obj = await created(["auth", "can-i", "create", "pods"], path);
    assert.deepEqual(obj, {
      apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectAccessReview", metadata: {},
      spec: { resourceAttributes: { namespace: "default", verb: "create", resource: "pods" } },
      status: { allowed: false },
    });
    const nonResource = await created(["auth", "can-i", "get", "/logs"], path);
    assert.deepEqual(nonResource.spec, { nonResourceAttributes: { path: "/logs", verb: "get" } });
  });

  test("autoscale", async () => {
    const obj = await created(["autoscale", "deployment", "web", "--min=2", "--max=5", "--cpu-percent=80"], "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers");
    assert.deepEqual(obj, {
      apiVersion: "autoscaling/v1", kind: "HorizontalPodAutoscaler", metadata: { name: "web" },
      spec: { scaleTargetRef: { kind: "Deployment", name: "web", apiVersion: "apps/v1" }, minReplicas: 2, maxReplicas: 5, targetCPUUtilizationPercentage: 80 },
      status: { currentReplicas: 0, desiredReplicas: 0 },
    });
  });

  test("debug node creates a Pod", async () => {
    decoded.delete(`${ns}/pods`);
    const r = await server.kubectl(["debug", "node/n1", "--image=busybox", "--profile=general"]);
    assert.equal(r.code, 0, r.stderr);
    const obj = decoded.get(`${ns}/pods`);
    assert.ok(obj);
    const name = String((obj.metadata as JsonObject).name);
    assert.match(name, /^node-debugger-n1-[a-z0-9]{5}$/);
    assert.deepEqual(obj, {
      apiVersion: "v1", kind: "Pod", metadata: { name },
      spec: {
        volumes: [{ name: "host-root", hostPath: { path: "/" } }],
        containers: [{
          name: "debugger", image: "busybox", resources: {},
          volumeMounts: [{ name: "host-root", mountPath: "/host" }], terminationMessagePolicy: "File",
        }],
        restartPolicy: "Never", nodeName: "n1", hostNetwork: true, hostPID: true, hostIPC: true,
        tolerations: [{ operator: "Exists" }],
      },
      status: {},
    });
  });

  test("drain sends its Eviction as JSON, not protobuf", async () => {
    const r = await server.kubectl(["drain", "n1", "--force", "--ignore-daemonsets", "--timeout=20s"]);
    assert.equal(r.code, 0, r.stderr);
    const eviction = server.requests.find((q) => q.method === "POST" && q.path === `${ns}/pods/p1/eviction`);
    assert.ok(eviction, "no eviction POST");
    assert.equal(eviction.contentType, "application/json");
    assert.deepEqual(JSON.parse(eviction.body.toString()), {
      kind: "Eviction", apiVersion: "policy/v1", metadata: { name: "p1", namespace: "default", creationTimestamp: null }, deleteOptions: {},
    });
  });
});
