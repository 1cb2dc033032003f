/**
 * e2e: what happens when things are deleted (issue 4, points 4–6 as kubectl sees them), on
 * simulated nodes: `kubectl delete deployment` with each `--cascade` mode, ownerReferences
 * across kinds, namespace deletion (Terminating, conditions, Forbidden creates), and the
 * `default` ServiceAccount of every namespace.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { findRow, skip, useCluster, waitFor } from "./harness.js";

interface OwnerRef {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}
interface Obj {
  metadata: {
    name: string;
    uid: string;
    ownerReferences?: OwnerRef[];
    finalizers?: string[];
    deletionTimestamp?: string;
  };
  spec?: { serviceAccountName?: string; serviceAccount?: string };
  status?: { phase?: string; conditions?: { type: string; status: string; reason: string; message: string }[] };
}
interface List {
  items: Obj[];
}

const HOLD = "e2e.timonel.dev/hold";

describe("e2e: garbage collection, namespaces and service accounts", { skip }, () => {
  const c = useCluster({ simulatedNodes: { count: 2 } });

  const get = async (args: string[]): Promise<Obj> => JSON.parse((await c.kubectl(["get", ...args, "-o", "json"])).stdout) as Obj;
  const list = async (args: string[]): Promise<Obj[]> => (JSON.parse((await c.kubectl(["get", ...args, "-o", "json"])).stdout) as List).items;
  const names = (objs: Obj[]): string[] => objs.map((o) => o.metadata.name).sort();
  const deploy = async (name: string, replicas: number, namespace = "default"): Promise<{ rs: Obj; pods: Obj[] }> => {
    await c.kubectl(["create", "deployment", name, "--image=nginx:1.27", `--replicas=${replicas}`, "-n", namespace]);
    const r = await c.kubectl(["rollout", "status", `deployment/${name}`, "-n", namespace, "--timeout=30s"], { timeoutMs: 35_000 });
    assert.match(r.stdout, new RegExp(`deployment "${name}" successfully rolled out\\n$`));
    const [rs, ...more] = await list(["rs", "-l", `app=${name}`, "-n", namespace]);
    assert.ok(rs);
    assert.equal(more.length, 0);
    const pods = await waitFor(async () => {
      const p = await list(["pods", "-l", `app=${name}`, "-n", namespace]);
      return p.length === replicas && p.every((x) => x.status?.phase === "Running") ? p : undefined;
    });
    return { rs, pods };
  };
  const gone = (args: string[], namespace = "default"): Promise<unknown> =>
    waitFor(async () => {
      const r = await c.kubectl(["get", ...args, "-n", namespace]);
      return r.stdout === "" && r.stderr === `No resources found in ${namespace} namespace.\n`;
    }, 15_000, 200);
  const notFound = async (kind: string, name: string, namespace = "default"): Promise<void> => {
    const r = await c.kubectl(["get", kind, name, "-n", namespace], { expectFail: true });
    assert.match(r.stderr, new RegExp(`^Error from server \\(NotFound\\): [a-z.]+ "${name}" not found\\n$`));
  };

  describe("kubectl delete deployment --cascade", () => {
    it("background (the default): the Deployment goes at once, the garbage collector removes its ReplicaSet and pods", async () => {
      await deploy("bg", 3);
      assert.equal((await c.kubectl(["delete", "deployment", "bg"])).stdout, 'deployment.apps "bg" deleted\n');
      await notFound("deployment", "bg");
      await gone(["rs,pods", "-l", "app=bg"]);
      await deploy("bg2", 2);
      assert.equal((await c.kubectl(["delete", "deployment", "bg2", "--cascade=background"])).stdout, 'deployment.apps "bg2" deleted\n');
      await gone(["rs,pods", "-l", "app=bg2"]);
    });

    it("orphan: the ReplicaSet and its pods stay, freed of the owner; a new Deployment adopts them", async () => {
      const { rs, pods } = await deploy("orph", 2);
      assert.equal((await c.kubectl(["delete", "deployment", "orph", "--cascade=orphan"])).stdout, 'deployment.apps "orph" deleted\n');
      await notFound("deployment", "orph");
      // kubectl waited for the Deployment to go, which the orphan finalizer held until the
      // ReplicaSet was released.
      const freed = await get(["rs", rs.metadata.name]);
      assert.equal(freed.metadata.uid, rs.metadata.uid);
      assert.equal(freed.metadata.ownerReferences, undefined);
      const still = await list(["pods", "-l", "app=orph"]);
      assert.deepEqual(names(still), names(pods));
      for (const p of still) assert.deepEqual(p.metadata.ownerReferences?.map((o) => [o.kind, o.name]), [["ReplicaSet", rs.metadata.name]]);

      // The same Deployment again: same template hash, so it adopts the orphan instead of
      // making pods of its own.
      await c.kubectl(["create", "deployment", "orph", "--image=nginx:1.27", "--replicas=2"]);
      const d = await get(["deployment", "orph"]);
      const adopted = await waitFor(async () => {
        const x = await get(["rs", rs.metadata.name]);
        return x.metadata.ownerReferences?.[0]?.uid === d.metadata.uid ? x : undefined;
      });
      assert.deepEqual(adopted.metadata.ownerReferences?.map((o) => [o.kind, o.name, o.controller, o.blockOwnerDeletion]), [["Deployment", "orph", true, true]]);
      await c.kubectl(["rollout", "status", "deployment/orph", "--timeout=30s"]);
      assert.deepEqual(names(await list(["rs", "-l", "app=orph"])), [rs.metadata.name]);
      assert.deepEqual(names(await list(["pods", "-l", "app=orph"])), names(pods));
    });

    it("orphan on a ReplicaSet: its pods lose their controller reference and keep running", async () => {
      const rs = (await list(["rs", "-l", "app=orph"]))[0]!;
      // The Deployment would only make a new ReplicaSet; take it out of the way first.
      await c.kubectl(["delete", "deployment", "orph", "--cascade=orphan"]);
      assert.equal((await c.kubectl(["delete", "rs", rs.metadata.name, "--cascade=orphan"])).stdout, `replicaset.apps "${rs.metadata.name}" deleted\n`);
      const pods = await list(["pods", "-l", "app=orph"]);
      assert.equal(pods.length, 2);
      for (const p of pods) {
        assert.equal(p.metadata.ownerReferences, undefined);
        assert.equal(p.status?.phase, "Running");
      }
      await c.kubectl(["delete", "pods", "-l", "app=orph"]);
    });

    it("foreground: the Deployment stays, with the foregroundDeletion finalizer, until its dependents are gone", async () => {
      const { rs, pods } = await deploy("fg", 2);
      const [held, other] = pods;
      assert.ok(held && other);
      await c.kubectl(["patch", "pod", held.metadata.name, "--type=merge", "-p", JSON.stringify({ metadata: { finalizers: [HOLD] } })]);
      const r = await c.kubectl(["delete", "deployment", "fg", "--cascade=foreground", "--wait=false"]);
      assert.equal(r.stdout, 'deployment.apps "fg" deleted\n');

      // The ReplicaSet is deleted in the foreground too (its pods block it), the free pod goes,
      // and the held one waits on its finalizer, which holds up both owners.
      await waitFor(async () => (await list(["pods", "-l", "app=fg"])).length === 1, 15_000, 200);
      const d = await get(["deployment", "fg"]);
      assert.ok(d.metadata.deletionTimestamp);
      assert.deepEqual(d.metadata.finalizers, ["foregroundDeletion"]);
      const x = await get(["rs", rs.metadata.name]);
      assert.ok(x.metadata.deletionTimestamp);
      assert.deepEqual(x.metadata.finalizers, ["foregroundDeletion"]);
      const h = await get(["pod", held.metadata.name]);
      assert.ok(h.metadata.deletionTimestamp);
      assert.equal(findRow((await c.kubectl(["get", "deployment", "fg"])).stdout, "fg")?.NAME, "fg");

      await c.kubectl(["patch", "pod", held.metadata.name, "--type=json", "-p", '[{"op":"remove","path":"/metadata/finalizers"}]']);
      const w = await c.kubectl(["wait", "--for=delete", "deployment/fg", "--timeout=15s"], { timeoutMs: 20_000 });
      // Empty when the Deployment was gone before kubectl looked.
      assert.match(w.stdout, /^(deployment\.apps\/fg condition met\n)?$/);
      await notFound("rs", rs.metadata.name);
    });

    it("foreground with kubectl waiting: when it returns, the ReplicaSet and pods are already gone", async () => {
      await deploy("fg2", 3);
      const r = await c.kubectl(["delete", "deployment", "fg2", "--cascade=foreground"], { timeoutMs: 20_000 });
      assert.equal(r.stdout, 'deployment.apps "fg2" deleted\n');
      const left = await c.kubectl(["get", "rs,pods", "-l", "app=fg2"]);
      assert.equal(left.stderr, "No resources found in default namespace.\n");
    });
  });

  describe("ownerReferences across kinds", () => {
    const ownedConfigMap = (name: string, owner: Pick<OwnerRef, "apiVersion" | "kind" | "name" | "uid">): string =>
      JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, ownerReferences: [owner] }, data: { a: "1" } });

    it("a ConfigMap owned by a ServiceAccount goes with it", async () => {
      await c.kubectl(["create", "serviceaccount", "owner"]);
      const sa = await get(["sa", "owner"]);
      await c.kubectl(["create", "-f", "-"], { stdin: ownedConfigMap("owned", { apiVersion: "v1", kind: "ServiceAccount", name: "owner", uid: sa.metadata.uid }) });
      await c.kubectl(["delete", "sa", "owner"]);
      await waitFor(async () => (await c.kubectl(["get", "cm", "owned"], { expectFail: true })).code === 1, 15_000, 200);
    });

    it("--cascade=orphan on the owner leaves the ConfigMap without the reference", async () => {
      await c.kubectl(["create", "serviceaccount", "owner2"]);
      const sa = await get(["sa", "owner2"]);
      await c.kubectl(["create", "-f", "-"], { stdin: ownedConfigMap("kept", { apiVersion: "v1", kind: "ServiceAccount", name: "owner2", uid: sa.metadata.uid }) });
      await c.kubectl(["delete", "sa", "owner2", "--cascade=orphan"]);
      assert.equal((await get(["cm", "kept"])).metadata.ownerReferences, undefined);
    });

    it("a dependent whose owner does not exist is collected", async () => {
      await c.kubectl(["create", "-f", "-"], {
        stdin: ownedConfigMap("dangling", { apiVersion: "v1", kind: "ServiceAccount", name: "nobody", uid: "00000000-0000-4000-8000-000000000000" }),
      });
      await waitFor(async () => (await c.kubectl(["get", "cm", "dangling"], { expectFail: true })).code === 1, 15_000, 200);
    });
  });

  describe("namespaces", () => {
    it("delete namespace returns once the namespace and everything in it are gone", async () => {
      await c.kubectl(["create", "namespace", "doomed"]);
      await deploy("web", 2, "doomed");
      await c.kubectl(["create", "configmap", "cfg", "-n", "doomed", "--from-literal=a=1"]);
      await c.kubectl(["create", "secret", "generic", "s", "-n", "doomed", "--from-literal=a=1"]);
      const r = await c.kubectl(["delete", "namespace", "doomed"], { timeoutMs: 30_000 });
      assert.equal(r.stdout, 'namespace "doomed" deleted\n');
      const g = await c.kubectl(["get", "namespace", "doomed"], { expectFail: true });
      assert.equal(g.stderr, 'Error from server (NotFound): namespaces "doomed" not found\n');
      const left = await c.kubectl(["get", "pods,rs,deploy,cm,secrets,sa", "-n", "doomed"]);
      assert.equal(left.stderr, "No resources found in doomed namespace.\n");
    });

    it("a terminating namespace reports what it waits for and refuses new content", async () => {
      await c.kubectl(["create", "namespace", "ending"]);
      await c.kubectl(["create", "configmap", "held", "-n", "ending"]);
      await c.kubectl(["patch", "configmap", "held", "-n", "ending", "--type=merge", "-p", JSON.stringify({ metadata: { finalizers: [HOLD] } })]);
      assert.equal((await c.kubectl(["delete", "namespace", "ending", "--wait=false"])).stdout, 'namespace "ending" deleted\n');

      const ns = await waitFor(async () => {
        const o = await get(["namespace", "ending"]);
        return o.status?.conditions?.some((x) => x.type === "NamespaceFinalizersRemaining") ? o : undefined;
      });
      assert.equal(ns.status?.phase, "Terminating");
      assert.equal(findRow((await c.kubectl(["get", "namespace", "ending"])).stdout, "ending")?.STATUS, "Terminating");
      const cond = Object.fromEntries((ns.status?.conditions ?? []).map((x) => [x.type, [x.status, x.reason, x.message]]));
      assert.deepEqual(cond, {
        NamespaceDeletionDiscoveryFailure: ["False", "ResourcesDiscovered", "All resources successfully discovered"],
        NamespaceDeletionGroupVersionParsingFailure: ["False", "ParsedGroupVersions", "All legacy kube types successfully parsed"],
        NamespaceDeletionContentFailure: ["False", "ContentDeleted", "All content successfully deleted, may be waiting on finalization"],
        NamespaceContentRemaining: ["True", "SomeResourcesRemain", "Some resources are remaining: configmaps. has 1 resource instances"],
        NamespaceFinalizersRemaining: ["True", "SomeFinalizersRemain", `Some content in the namespace has finalizers remaining: ${HOLD} in 1 resource instances`],
      });
      assert.deepEqual((await get(["namespace", "ending"])).spec, { finalizers: ["kubernetes"] });

      const cm = await c.kubectl(["create", "configmap", "new", "-n", "ending"], { expectFail: true });
      assert.equal(cm.stderr, 'error: failed to create configmap: configmaps "new" is forbidden: unable to create new content in namespace ending because it is being terminated\n');
      const pod = await c.kubectl(["run", "p", "-n", "ending", "--image=nginx"], { expectFail: true });
      assert.equal(pod.stderr, 'Error from server (Forbidden): pods "p" is forbidden: unable to create new content in namespace ending because it is being terminated\n');
      const dep = await c.kubectl(["create", "deployment", "d", "-n", "ending", "--image=nginx"], { expectFail: true });
      assert.equal(dep.stderr, 'error: failed to create deployment: deployments.apps "d" is forbidden: unable to create new content in namespace ending because it is being terminated\n');

      await c.kubectl(["patch", "configmap", "held", "-n", "ending", "--type=json", "-p", '[{"op":"remove","path":"/metadata/finalizers"}]']);
      const w = await c.kubectl(["wait", "--for=delete", "namespace/ending", "--timeout=15s"], { timeoutMs: 20_000 });
      assert.match(w.stdout, /^(namespace\/ending condition met\n)?$/);
      await notFound("namespace", "ending");
    });
  });

  describe("service accounts", () => {
    it("a new namespace gets the default ServiceAccount, and pods default to it", async () => {
      await c.kubectl(["create", "namespace", "team"]);
      const row = await waitFor(async () => findRow((await c.kubectl(["get", "serviceaccounts", "-n", "team"])).stdout, "default"));
      assert.equal(row.SECRETS, "0");
      await c.kubectl(["run", "solo", "-n", "team", "--image=nginx"]);
      const p = await get(["pod", "solo", "-n", "team"]);
      assert.equal(p.spec?.serviceAccountName, "default");
      assert.equal(p.spec?.serviceAccount, "default");
      const { pods } = await deploy("api", 2, "team");
      for (const x of pods) assert.equal(x.spec?.serviceAccountName, "default");
    });

    it("a pod naming a missing ServiceAccount is refused; a deleted default one comes back", async () => {
      const r = await c.kubectl(["run", "lost", "-n", "team", "--image=nginx", "--overrides", JSON.stringify({ spec: { serviceAccountName: "missing" } })], { expectFail: true });
      assert.equal(r.stderr, 'Error from server (Forbidden): pods "lost" is forbidden: error looking up service account team/missing: serviceaccount "missing" not found\n');
      const before = await get(["sa", "default", "-n", "team"]);
      await c.kubectl(["delete", "sa", "default", "-n", "team"]);
      const again = await waitFor(async () => {
        const x = await c.kubectl(["get", "sa", "default", "-n", "team", "-o", "jsonpath={.metadata.uid}"]).catch(() => undefined);
        return x && x.stdout !== "" && x.stdout !== before.metadata.uid ? x.stdout : undefined;
      });
      assert.notEqual(again, before.metadata.uid);
    });
  });
});
