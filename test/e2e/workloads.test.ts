/**
 * e2e: the seeds' workload scenarios (issue 4, point 8) with the real kubectl on simulated
 * nodes: the Dixibox `website` Deployment, the httpenv walkthrough, rollouts (set image,
 * status, history, undo, pause/resume/restart), scale through the scale subresource, set
 * resources/env, edit, `get replicasets -w` during a rollout, describe with Events, delete,
 * and blue/green and canary as two Deployments behind one Service selector.
 *
 * Where the seeds look at a Service's endpoints, these tests read the Endpoints the endpoints
 * controller writes (and the EndpointSlices beside them).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { findRow, parseTable, skip, useCluster, waitFor } from "./harness.js";

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures");
const fixture = (name: string): string => path.join(FIXTURES, name);

interface Meta {
  name: string;
  namespace?: string;
  uid?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { kind: string; name: string; controller?: boolean; blockOwnerDeletion?: boolean }[];
  deletionTimestamp?: string;
}
interface Container {
  name: string;
  image: string;
  env?: { name: string; value?: string }[];
  resources?: { limits?: Record<string, string>; requests?: Record<string, string> };
}
interface PodJson {
  metadata: Meta;
  spec: { nodeName?: string; serviceAccountName?: string; containers: Container[] };
  status: { phase?: string; conditions?: { type: string; status: string }[] };
}
interface RsJson {
  metadata: Meta;
  spec: { replicas: number; template: { metadata: { labels: Record<string, string> } } };
  status: { replicas: number; readyReplicas?: number; availableReplicas?: number };
}
interface DeployJson {
  metadata: Meta & { generation: number };
  spec: { replicas: number; paused?: boolean; template: { metadata: { annotations?: Record<string, string> }; spec: { containers: Container[] } } };
  status: { observedGeneration?: number; conditions?: { type: string; status: string; reason: string }[] };
}
interface List<T> {
  items: T[];
}

const SUCCESS = (name: string): RegExp => new RegExp(`deployment "${name}" successfully rolled out\\n$`);

describe("e2e: workloads on simulated nodes", { skip }, () => {
  const c = useCluster({ simulatedNodes: { count: 3 } });

  const json = async <T>(args: string[]): Promise<T> => JSON.parse((await c.kubectl([...args, "-o", "json"])).stdout) as T;
  const ns = (n: string | undefined): string[] => (n ? ["-n", n] : []);
  const rolledOut = async (name: string, namespace?: string): Promise<string> => {
    const r = await c.kubectl(["rollout", "status", `deployment/${name}`, ...ns(namespace), "--timeout=30s"], { timeoutMs: 35_000 });
    assert.match(r.stdout, SUCCESS(name));
    return r.stdout;
  };
  /** Pods of a selector that are Running, Ready and not being deleted. */
  const runningPods = async (selector: string, namespace?: string): Promise<PodJson[]> => {
    const l = await json<List<PodJson>>(["get", "pods", "-l", selector, ...ns(namespace)]);
    return l.items.filter((p) => p.status.phase === "Running" && !p.metadata.deletionTimestamp && p.status.conditions?.some((x) => x.type === "Ready" && x.status === "True"));
  };
  const replicaSets = async (selector: string, namespace?: string): Promise<RsJson[]> =>
    (await json<List<RsJson>>(["get", "replicasets", "-l", selector, ...ns(namespace)])).items;
  const revision = (rs: RsJson): string => rs.metadata.annotations?.["deployment.kubernetes.io/revision"] ?? "";
  /** The ReplicaSet a Deployment currently rolls out (the one with the highest revision). */
  const newestRs = async (selector: string, namespace?: string): Promise<RsJson> => {
    const all = await replicaSets(selector, namespace);
    const top = all.sort((a, b) => Number(revision(b)) - Number(revision(a)))[0];
    assert.ok(top, `no ReplicaSet for ${selector}`);
    return top;
  };
  const image = async (name: string, namespace?: string): Promise<string> =>
    (await c.kubectl(["get", "deployment", name, ...ns(namespace), "-o", "jsonpath={.spec.template.spec.containers[0].image}"])).stdout;
  /** Waits until every pod of the selector runs `img` and there are `n` of them. */
  const podsConverge = (selector: string, n: number, img: string, namespace?: string): Promise<PodJson[]> =>
    waitFor(async () => {
      const l = await json<List<PodJson>>(["get", "pods", "-l", selector, ...ns(namespace)]);
      const ok = l.items.length === n && l.items.every((p) => p.status.phase === "Running" && p.spec.containers[0]?.image === img);
      return ok ? l.items : undefined;
    }, 15_000, 200);

  describe("the website Deployment (seed 000, Dixibox)", () => {
    it("rolls out 2 replicas: one ReplicaSet named after the template hash, pods Running on the simulated nodes", async () => {
      await c.kubectl(["apply", "-f", fixture("seeds/000-namespaces.yaml")]);
      const r = await c.kubectl(["apply", "-f", fixture("seeds/000-deployment-website.yaml")]);
      assert.equal(r.stdout, "deployment.apps/website created\n");
      await rolledOut("website", "dixibox");

      const row = findRow((await c.kubectl(["get", "deployment", "website", "-n", "dixibox"])).stdout, "website");
      assert.deepEqual([row?.READY, row?.["UP-TO-DATE"], row?.AVAILABLE], ["2/2", "2", "2"]);

      const [rs, ...more] = await replicaSets("app=website", "dixibox");
      assert.ok(rs);
      assert.equal(more.length, 0);
      const hash = rs.spec.template.metadata.labels["pod-template-hash"];
      assert.match(hash ?? "", /^[bcdfghjklmnpqrstvwxz2456789]+$/);
      assert.equal(rs.metadata.name, `website-${hash}`);
      assert.equal(revision(rs), "1");
      assert.deepEqual(
        rs.metadata.ownerReferences?.map((o) => [o.kind, o.name, o.controller, o.blockOwnerDeletion]),
        [["Deployment", "website", true, true]],
      );

      const pods = parseTable((await c.kubectl(["get", "pods", "-n", "dixibox", "-l", "app=website", "-o", "wide"])).stdout);
      assert.equal(pods.length, 2);
      for (const p of pods) {
        assert.match(p.NAME ?? "", new RegExp(`^website-${hash}-[bcdfghjklmnpqrstvwxz2456789]{5}$`));
        assert.equal(p.READY, "1/1");
        assert.equal(p.STATUS, "Running");
        assert.match(p.NODE ?? "", /^sim-node-[0-2]$/);
        assert.match(p.IP ?? "", /^10\.244\.\d+\.\d+$/);
      }
    });

    it("an update never runs more than 3 pods nor fewer than 1 ready (maxSurge 25% → 1, maxUnavailable 1)", async () => {
      const old = await newestRs("app=website", "dixibox");
      const w = c.kubectlBackground(["get", "replicasets", "-n", "dixibox", "-l", "app=website", "-w"]);
      try {
        await w.waitForOutput(new RegExp(`^${old.metadata.name}\\s+2\\s+2\\s+2\\s`, "m"));
        await c.kubectl(["set", "image", "deployment/website", "app=nginx:1.16.0-alpine", "-n", "dixibox"]);
        await rolledOut("website", "dixibox");
        const fresh = await newestRs("app=website", "dixibox");
        await w.waitForOutput(new RegExp(`^${fresh.metadata.name}\\s+2\\s+2\\s+2\\s`, "m"));
        await w.waitForOutput(new RegExp(`^${old.metadata.name}\\s+0\\s+0\\s+0\\s`, "m"));
      } finally {
        await w.stop();
      }
      // Replay kubectl's lines: after every event, the ReplicaSets' desired and current pods
      // stay within replicas + maxSurge, and their ready pods within replicas - maxUnavailable.
      const state = new Map<string, { desired: number; current: number; ready: number }>();
      const lines = w.stdout.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("NAME"));
      assert.ok(lines.length >= 4, w.stdout);
      for (const line of lines) {
        const [name, desired, current, ready] = line.trim().split(/\s+/);
        state.set(name!, { desired: Number(desired), current: Number(current), ready: Number(ready) });
        const sum = (k: "desired" | "current" | "ready"): number => [...state.values()].reduce((a, x) => a + x[k], 0);
        assert.ok(sum("desired") <= 3 && sum("current") <= 3, `more than 3 pods at: ${line}\n${w.stdout}`);
        assert.ok(sum("ready") >= 1, `no ready pod at: ${line}\n${w.stdout}`);
      }
    });

    it("keeps 4 old ReplicaSets (revisionHistoryLimit 4)", async () => {
      const tags = ["1.17.10", "1.18.0", "1.19.10", "1.20.2", "1.21.6"];
      for (const tag of tags) {
        const r = await c.kubectl(["set", "image", "deployment/website", `app=nginx:${tag}-alpine`, "-n", "dixibox"]);
        assert.equal(r.stdout, "deployment.apps/website image updated\n");
        await rolledOut("website", "dixibox");
      }
      await podsConverge("app=website", 2, "nginx:1.21.6-alpine", "dixibox");
      // 7 revisions were made; the controller keeps the current one and the 4 newest old ones.
      const all = await waitFor(async () => {
        const l = await replicaSets("app=website", "dixibox");
        return l.length === 5 ? l : undefined;
      });
      assert.deepEqual(all.map(revision).sort(), ["3", "4", "5", "6", "7"]);
      for (const rs of all) assert.equal(rs.spec.replicas, revision(rs) === "7" ? 2 : 0);
      const hist = await c.kubectl(["rollout", "history", "deployment/website", "-n", "dixibox"]);
      assert.deepEqual(
        parseTable(hist.stdout.split("\n").slice(1).join("\n")).map((x) => x.REVISION),
        ["3", "4", "5", "6", "7"],
      );
    });
  });

  describe("the httpenv walkthrough (seed 001)", () => {
    it("create deployment, scale --replicas=10: get pods shows 10 Running", async () => {
      assert.equal((await c.kubectl(["create", "deployment", "httpenv", "--image", "jpetazzo/httpenv"])).stdout, "deployment.apps/httpenv created\n");
      assert.equal((await c.kubectl(["scale", "deployment", "httpenv", "--replicas=10"])).stdout, "deployment.apps/httpenv scaled\n");
      await rolledOut("httpenv");
      const rows = await waitFor(async () => {
        const t = parseTable((await c.kubectl(["get", "pods"])).stdout).filter((x) => x.NAME?.startsWith("httpenv-"));
        return t.length === 10 && t.every((x) => x.STATUS === "Running" && x.READY === "1/1") ? t : undefined;
      });
      assert.equal(new Set(rows.map((x) => x.NAME)).size, 10);
      const row = findRow((await c.kubectl(["get", "deployment", "httpenv"])).stdout, "httpenv");
      assert.deepEqual([row?.READY, row?.["UP-TO-DATE"], row?.AVAILABLE], ["10/10", "10", "10"]);
    });

    it("expose --port=8888: a ClusterIP Service whose selector matches the 10 pods", async () => {
      assert.equal((await c.kubectl(["expose", "deployment", "httpenv", "--port=8888"])).stdout, "service/httpenv exposed\n");
      const svc = findRow((await c.kubectl(["get", "svc"])).stdout, "httpenv");
      assert.equal(svc?.TYPE, "ClusterIP");
      assert.match(svc?.["CLUSTER-IP"] ?? "", /^10\.(9[6-9]|1[01]\d)\.\d+\.\d+$/);
      assert.equal(svc?.["PORT(S)"], "8888/TCP");
      const sel = (await c.kubectl(["get", "svc", "httpenv", "-o", "jsonpath={.spec.selector}"])).stdout;
      assert.deepEqual(JSON.parse(sel), { app: "httpenv" });
      assert.equal((await runningPods("app=httpenv")).length, 10);
      // The walkthrough then runs `kubectl describe endpoints httpenv`; no endpoints
      // controller exists yet (a later issue), so the Endpoints object is not written.
    });
  });

  describe("rollouts", () => {
    const annotateCause = (cause: string): Promise<unknown> =>
      c.kubectl(["annotate", "deployment/hist", `kubernetes.io/change-cause=${cause}`, "--overwrite"]);
    const history = async (): Promise<string> => (await c.kubectl(["rollout", "history", "deployment/hist"])).stdout;
    const historyTable = (rows: [string, string][]): string =>
      `deployment.apps/hist \nREVISION  CHANGE-CAUSE\n${rows.map(([r, cause]) => `${r.padEnd(10)}${cause}\n`).join("")}\n`;

    it("set image, then rollout status waits for the new pods", async () => {
      await c.kubectl(["create", "deployment", "hist", "--image=nginx:1.25", "--replicas=3"]);
      await annotateCause("nginx 1.25");
      await rolledOut("hist");
      const r = await c.kubectl(["set", "image", "deployment/hist", "nginx=nginx:1.26"]);
      assert.equal(r.stdout, "deployment.apps/hist image updated\n");
      await annotateCause("nginx 1.26");
      const out = await rolledOut("hist");
      for (const line of out.trimEnd().split("\n").slice(0, -1)) {
        assert.match(line, /^Waiting for deployment "hist" rollout to finish: (\d+ out of 3 new replicas have been updated|\d+ old replicas are pending termination|\d+ of 3 updated replicas are available)\.\.\.$|^Waiting for deployment spec update to be observed\.\.\.$/);
      }
      // Right after `rollout status` returns, the old pods may still be terminating.
      await podsConverge("app=hist", 3, "nginx:1.26");
      await c.kubectl(["set", "image", "deployment/hist", "nginx=nginx:1.27"]);
      await annotateCause("nginx 1.27");
      await rolledOut("hist");
    });

    it("rollout history lists the revisions with their kubernetes.io/change-cause", async () => {
      const want = historyTable([["1", "nginx 1.25"], ["2", "nginx 1.26"], ["3", "nginx 1.27"]]);
      // The controller copies the annotation to the ReplicaSet on its next sync.
      await waitFor(async () => (await history()) === want, 10_000, 200).catch(async () => assert.equal(await history(), want));
      const r2 = (await c.kubectl(["rollout", "history", "deployment/hist", "--revision=2"])).stdout;
      assert.match(r2, /^deployment\.apps\/hist with revision #2\nPod Template:\n/);
      assert.match(r2, /^\s+Labels:\s+app=hist\n\s+pod-template-hash=\w+$/m);
      assert.match(r2, /^\s+Annotations:\s+kubernetes\.io\/change-cause: nginx 1\.26$/m);
      assert.match(r2, /^\s+Image:\s+nginx:1\.26$/m);
      const bad = await c.kubectl(["rollout", "history", "deployment/hist", "--revision=9"], { expectFail: true });
      assert.equal(bad.stderr, "error: unable to find the specified revision\n");
    });

    it("rollout undo goes back one revision; --to-revision picks one", async () => {
      assert.equal((await c.kubectl(["rollout", "undo", "deployment/hist"])).stdout, "deployment.apps/hist rolled back\n");
      await rolledOut("hist");
      assert.equal(await image("hist"), "nginx:1.26");
      // Undo re-uses revision 2's ReplicaSet: it becomes revision 4.
      assert.equal(await history(), historyTable([["1", "nginx 1.25"], ["3", "nginx 1.27"], ["4", "nginx 1.26"]]));
      await podsConverge("app=hist", 3, "nginx:1.26");

      assert.equal((await c.kubectl(["rollout", "undo", "deployment/hist", "--to-revision=1"])).stdout, "deployment.apps/hist rolled back\n");
      await rolledOut("hist");
      assert.equal(await image("hist"), "nginx:1.25");
      assert.equal(await history(), historyTable([["3", "nginx 1.27"], ["4", "nginx 1.26"], ["5", "nginx 1.25"]]));
      await podsConverge("app=hist", 3, "nginx:1.25");
      assert.equal((await replicaSets("app=hist")).length, 3, "undo makes no new ReplicaSet");

      const bad = await c.kubectl(["rollout", "undo", "deployment/hist", "--to-revision=9"], { expectFail: true });
      assert.equal(bad.stderr, "error: unable to find specified revision 9 in history\n");
    });

    it("rollout pause holds a rollout, resume lets it go, restart rolls new pods", async () => {
      assert.equal((await c.kubectl(["rollout", "pause", "deployment/hist"])).stdout, "deployment.apps/hist paused\n");
      const again = await c.kubectl(["rollout", "pause", "deployment/hist"], { expectFail: true });
      assert.equal(again.stderr, 'error: deployments.apps "hist" is already paused\n');
      const before = (await replicaSets("app=hist")).length;
      await c.kubectl(["set", "image", "deployment/hist", "nginx=nginx:1.28"]);
      const paused = await waitFor(async () => {
        const d = await json<DeployJson>(["get", "deployment", "hist"]);
        return d.status.observedGeneration === d.metadata.generation ? d : undefined;
      });
      assert.equal(paused.spec.paused, true);
      assert.deepEqual(
        paused.status.conditions?.filter((x) => x.type === "Progressing").map((x) => [x.status, x.reason]),
        [["Unknown", "DeploymentPaused"]],
      );
      assert.equal((await replicaSets("app=hist")).length, before, "a paused Deployment makes no new ReplicaSet");
      const held = await c.kubectl(["rollout", "status", "deployment/hist", "--timeout=1s"], { expectFail: true });
      assert.equal(held.stdout, 'Waiting for deployment "hist" rollout to finish: 0 out of 3 new replicas have been updated...\n');
      assert.equal(held.stderr, "error: timed out waiting for the condition\n");

      assert.equal((await c.kubectl(["rollout", "resume", "deployment/hist"])).stdout, "deployment.apps/hist resumed\n");
      const notPaused = await c.kubectl(["rollout", "resume", "deployment/hist"], { expectFail: true });
      assert.equal(notPaused.stderr, 'error: deployments.apps "hist" is not paused\n');
      await rolledOut("hist");
      const resumed = await podsConverge("app=hist", 3, "nginx:1.28");

      assert.equal((await c.kubectl(["rollout", "restart", "deployment/hist"])).stdout, "deployment.apps/hist restarted\n");
      const d = await json<DeployJson>(["get", "deployment", "hist"]);
      assert.match(d.spec.template.metadata.annotations?.["kubectl.kubernetes.io/restartedAt"] ?? "", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      await rolledOut("hist");
      const restarted = await podsConverge("app=hist", 3, "nginx:1.28");
      const old = new Set(resumed.map((p) => p.metadata.name));
      assert.ok(restarted.every((p) => !old.has(p.metadata.name)), "restart replaces every pod");
    });

    it("kubectl scale goes through the scale subresource", async () => {
      const r = await c.kubectl(["scale", "deployment/hist", "--replicas=5", "-v=6"]);
      assert.equal(r.stdout, "deployment.apps/hist scaled\n");
      assert.match(r.stderr, /PATCH https:\/\/127\.0\.0\.1:\d+\/apis\/apps\/v1\/namespaces\/default\/deployments\/hist\/scale 200 OK/);
      await rolledOut("hist");
      await podsConverge("app=hist", 5, "nginx:1.28");
      const sc = await c.kubectl(["get", "deployment", "hist", "--subresource=scale", "-o", "jsonpath={.status.replicas} {.status.selector}"]);
      assert.equal(sc.stdout, "5 app=hist");
      const pre = await c.kubectl(["scale", "deployment/hist", "--current-replicas=2", "--replicas=3"], { expectFail: true });
      assert.equal(pre.stderr, "error: Expected replicas to be 2, was 5\n");
      await c.kubectl(["scale", "deployment/hist", "--current-replicas=5", "--replicas=3"]);
      await podsConverge("app=hist", 3, "nginx:1.28");
    });

    it("get --subresource=scale prints upstream's Scale columns", async () => {
      const out = (await c.kubectl(["get", "deployment", "hist", "--subresource=scale"])).stdout;
      assert.match(out, /^NAME\s+DESIRED\s+AVAILABLE\s+AGE\nhist\s+3\s+3\s+\d+[sm]\n$/);
    });

    it("set resources and set env roll the change out to the pods", async () => {
      const r = await c.kubectl(["set", "resources", "deployment/hist", "--limits=cpu=200m,memory=256Mi", "--requests=cpu=100m"]);
      assert.equal(r.stdout, "deployment.apps/hist resource requirements updated\n");
      assert.equal((await c.kubectl(["set", "env", "deployment/hist", "GREETING=hola"])).stdout, "deployment.apps/hist env updated\n");
      assert.equal((await c.kubectl(["set", "env", "deployment/hist", "--list"])).stdout, "# Deployment hist, container nginx\nGREETING=hola\n");
      await rolledOut("hist");
      const pods = await waitFor(async () => {
        const l = await json<List<PodJson>>(["get", "pods", "-l", "app=hist"]);
        const ok = l.items.length === 3 && l.items.every((p) => p.status.phase === "Running" && p.spec.containers[0]?.env?.[0]?.value === "hola");
        return ok ? l.items : undefined;
      }, 15_000, 200);
      for (const p of pods) {
        // Pod defaulting copies the memory limit into the requests.
        assert.deepEqual(p.spec.containers[0]?.resources, { limits: { cpu: "200m", memory: "256Mi" }, requests: { cpu: "100m", memory: "256Mi" } });
        assert.deepEqual(p.spec.containers[0]?.env, [{ name: "GREETING", value: "hola" }]);
      }
    });

    it("edit deploy with KUBE_EDITOR rolls out the edited template", async () => {
      const script = await c.writeFile("edit-image.sh", "#!/bin/sh\nsed -i 's|image: nginx:1.28$|image: nginx:1.29|' \"$1\"\n");
      await fs.chmod(script, 0o755);
      const r = await c.kubectl(["edit", "deploy", "hist"], { env: { KUBE_EDITOR: script } });
      assert.equal(r.stdout, "deployment.apps/hist edited\n");
      await rolledOut("hist");
      await podsConverge("app=hist", 3, "nginx:1.29");
      const rs = await newestRs("app=hist");
      assert.equal(rs.status.availableReplicas, 3);
    });

    it("describe deployment|rs|pod show the Events; get events --sort-by=.lastTimestamp lists them", async () => {
      // A Deployment of its own: the recorder folds an object's 11th similar event into a
      // "(combined from similar events)" one, as client-go does, and hist is past that.
      await c.kubectl(["create", "deployment", "ev", "--image=nginx:1.25", "--replicas=2"]);
      await rolledOut("ev");
      const first = await newestRs("app=ev");
      await c.kubectl(["set", "image", "deployment/ev", "nginx=nginx:1.26"]);
      await rolledOut("ev");
      const rs = await newestRs("app=ev");
      await podsConverge("app=ev", 2, "nginx:1.26");
      // 2 replicas: maxSurge 25% rounds up to 1, maxUnavailable 25% down to 0.
      const want = [
        `Scaled up replica set ${first.metadata.name} from 0 to 2`,
        `Scaled up replica set ${rs.metadata.name} from 0 to 1`,
        `Scaled down replica set ${first.metadata.name} from 2 to 1`,
        `Scaled up replica set ${rs.metadata.name} from 1 to 2`,
        `Scaled down replica set ${first.metadata.name} from 1 to 0`,
      ];
      const d = await waitFor(async () => {
        const out = (await c.kubectl(["describe", "deployment", "ev"])).stdout;
        return want.every((m) => out.includes(m)) ? out : undefined;
      }, 10_000, 200).catch(async () => (await c.kubectl(["describe", "deployment", "ev"])).stdout);
      assert.match(d, /^Events:\n\s+Type\s+Reason\s+Age\s+From\s+Message\n\s+----\s+------\s+----\s+----\s+-------\n/m);
      const rows = d.slice(d.indexOf("\nEvents:")).split("\n").slice(4).filter((l) => l.trim() !== "");
      assert.deepEqual(
        rows.map((l) => /^\s+Normal\s+ScalingReplicaSet\s+\d+s\s+deployment-controller\s+(.+)$/.exec(l)?.[1]).sort(),
        [...want].sort(),
      );
      assert.match(d, new RegExp(`^OldReplicaSets:\\s+${first.metadata.name} \\(0/0 replicas created\\)$`, "m"));
      assert.match(d, new RegExp(`^NewReplicaSet:\\s+${rs.metadata.name} \\(2/2 replicas created\\)$`, "m"));

      const pod = (await runningPods(`app=ev,pod-template-hash=${rs.spec.template.metadata.labels["pod-template-hash"]}`))[0];
      assert.ok(pod);
      const r = (await c.kubectl(["describe", "rs", rs.metadata.name])).stdout;
      assert.match(r, /^Controlled By:\s+Deployment\/ev$/m);
      assert.match(r, new RegExp(`^\\s+Normal\\s+SuccessfulCreate\\s+\\d+s\\s+replicaset-controller\\s+Created pod: ${pod.metadata.name}$`, "m"));
      const o = (await c.kubectl(["describe", "rs", first.metadata.name])).stdout;
      assert.equal(o.match(/^\s+Normal\s+SuccessfulDelete\s+\d+s\s+replicaset-controller\s+Deleted pod: ev-\w+-\w+$/gm)?.length, 2);

      const p = (await c.kubectl(["describe", "pod", pod.metadata.name])).stdout;
      assert.match(p, new RegExp(`^Controlled By:\\s+ReplicaSet/${rs.metadata.name}$`, "m"));
      assert.match(p, new RegExp(`^\\s+Normal\\s+Scheduled\\s+\\d+s\\s+default-scheduler\\s+Successfully assigned default/${pod.metadata.name} to ${pod.spec.nodeName}$`, "m"));

      // hist went through a dozen rollouts: its later scaling events were folded into one.
      assert.match((await c.kubectl(["describe", "deployment", "hist"])).stdout, /^\s+Normal\s+ScalingReplicaSet\s+\d+s \(x\d+ over \d+s\)\s+deployment-controller\s+\(combined from similar events\): Scaled (up|down) replica set hist-\w+ from \d+ to \d+$/m);

      const ev = await c.kubectl(["get", "events", "--sort-by=.lastTimestamp"]);
      assert.match(ev.stdout, /^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE\n/);
      for (const re of [/\sScalingReplicaSet\s+deployment\/ev\s/, /\sSuccessfulCreate\s+replicaset\/ev-\w+\s/, /\sScheduled\s+pod\/ev-\w+-\w+\s/]) assert.match(ev.stdout, re);
      const times = (await c.kubectl(["get", "events", "--sort-by=.lastTimestamp", "-o", "custom-columns=T:.lastTimestamp", "--no-headers"])).stdout.trim().split("\n");
      assert.ok(times.length > 10);
      assert.deepEqual(times, [...times].sort(), "rows come in lastTimestamp order");
      await c.kubectl(["delete", "deployment", "ev"]);
    });

    it("get replicasets -w shows the new ReplicaSet scaling up while the old one scales down", async () => {
      await c.kubectl(["scale", "deployment/hist", "--replicas=4"]);
      await rolledOut("hist");
      await podsConverge("app=hist", 4, "nginx:1.29");
      const old = await newestRs("app=hist");
      const w = c.kubectlBackground(["get", "replicasets", "-l", "app=hist", "-w"]);
      try {
        await w.waitForOutput(new RegExp(`^${old.metadata.name}\\s+4\\s+4\\s+4\\s+\\d+s$`, "m"));
        await c.kubectl(["set", "image", "deployment/hist", "nginx=nginx:1.30"]);
        await rolledOut("hist");
        const fresh = await newestRs("app=hist");
        assert.notEqual(fresh.metadata.name, old.metadata.name);
        await w.waitForOutput(new RegExp(`^${fresh.metadata.name}\\s+4\\s+4\\s+4\\s+\\d+s$`, "m"));
        await w.waitForOutput(new RegExp(`^${old.metadata.name}\\s+0\\s+0\\s+0\\s+\\d+s$`, "m"));
        // maxSurge 25% → 1 and maxUnavailable 25% → 1 of 4: the new one starts at 1 and the
        // old one's first step is down to 3.
        assert.match(w.stdout, new RegExp(`^${fresh.metadata.name}\\s+1\\s+\\d+\\s+\\d+\\s+\\d+s$`, "m"));
        assert.match(w.stdout, new RegExp(`^${old.metadata.name}\\s+3\\s+\\d+\\s+\\d+\\s+\\d+s$`, "m"));
        assert.match(w.stdout, /^NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE$/m);
      } finally {
        await w.stop();
      }
    });

    it("delete deployment: its ReplicaSets and pods go away", async () => {
      assert.equal((await c.kubectl(["delete", "deployment", "hist"])).stdout, 'deployment.apps "hist" deleted\n');
      await waitFor(async () => {
        const r = await c.kubectl(["get", "rs,pods", "-l", "app=hist"]);
        return r.stdout === "" && r.stderr === "No resources found in default namespace.\n";
      }, 15_000, 200);
    });
  });

  describe("blue/green and canary: two Deployments behind one Service selector", () => {
    interface EndpointsJson {
      subsets?: { addresses?: { ip: string; targetRef?: { kind: string; name: string } }[]; ports?: { port: number }[] }[];
    }
    interface PodIPJson { metadata: Meta; status: { podIP?: string } }
    /** The Service's ready Endpoints addresses, each matched to its pod, counted by one of the pod's labels. */
    const served = async (svc: string, by: string): Promise<Record<string, number>> => {
      const ep = await json<EndpointsJson>(["get", "endpoints", svc]);
      const pods = new Map((await json<List<PodIPJson>>(["get", "pods"])).items.map((p) => [p.metadata.name, p]));
      const counts: Record<string, number> = {};
      for (const a of (ep.subsets ?? []).flatMap((ss) => ss.addresses ?? [])) {
        const pod = a.targetRef?.kind === "Pod" ? pods.get(a.targetRef.name) : undefined;
        // An address whose pod is gone or has another IP counts as no version at all.
        const k = pod && pod.status.podIP === a.ip ? pod.metadata.labels?.[by] ?? "" : "?";
        counts[k] = (counts[k] ?? 0) + 1;
      }
      return Object.fromEntries(Object.entries(counts).sort(([x], [y]) => x.localeCompare(y)));
    };
    /** `kubectl get endpoints` lists the addresses (the first three), and a slice carries the Service's name. */
    const printed = async (svc: string, want: number): Promise<void> => {
      const ep = await json<EndpointsJson>(["get", "endpoints", svc]);
      const pairs = (ep.subsets ?? []).flatMap((ss) => (ss.ports ?? []).flatMap((p) => (ss.addresses ?? []).map((a) => `${a.ip}:${p.port}`)));
      assert.equal(pairs.length, want);
      const row = findRow((await c.kubectl(["get", "endpoints", svc])).stdout, svc);
      const shown = row?.ENDPOINTS ?? "";
      const listed = shown.replace(/ \+ \d+ more\.\.\.$/, "").split(",");
      assert.equal(listed.length, Math.min(want, 3), shown);
      for (const pair of listed) assert.ok(pairs.includes(pair), `${pair} of ${shown}`);
      if (want > 3) assert.ok(shown.endsWith(` + ${want - 3} more...`), shown);
      const slices = parseTable((await c.kubectl(["get", "endpointslices", "-l", `kubernetes.io/service-name=${svc}`])).stdout);
      assert.equal(slices.length, 1);
      assert.match(slices[0]?.NAME ?? "", new RegExp(`^${svc}-[a-z0-9]{5}$`));
      assert.equal(slices[0]?.ADDRESSTYPE, "IPv4");
      const inSlice = (slices[0]?.ENDPOINTS ?? "").replace(/ \+ \d+ more\.\.\.$/, "").split(",");
      for (const ip of inSlice) assert.ok(pairs.some((p) => p.startsWith(`${ip}:`)), `${ip} of slice ${slices[0]?.ENDPOINTS}`);
    };
    const servedSoon = async (svc: string, by: string, want: Record<string, number>): Promise<void> => {
      await waitFor(async () => JSON.stringify(await served(svc, by)) === JSON.stringify(want), 15_000, 200)
        .catch(async () => assert.deepEqual(await served(svc, by), want));
      // The slice may trail the Endpoints by a write: give it the same chance.
      const n = Object.values(want).reduce((a, b) => a + b, 0);
      await waitFor(() => printed(svc, n).then(() => true, () => false), 10_000, 200).catch(() => printed(svc, n));
    };

    it("blue/green: the selector switches all traffic from blue to green at once", async () => {
      const r = await c.kubectl(["apply", "-f", fixture("workloads/blue-green.yaml")]);
      assert.equal(r.stdout, "service/shop created\ndeployment.apps/shop-blue created\ndeployment.apps/shop-green created\n");
      await rolledOut("shop-blue");
      await rolledOut("shop-green");
      // Both versions run in full; the Service points at blue only.
      assert.equal((await runningPods("app=shop")).length, 6);
      await servedSoon("shop", "version", { blue: 3 });

      assert.equal((await c.kubectl(["set", "selector", "service", "shop", "app=shop,version=green"])).stdout, "service/shop selector updated\n");
      assert.match((await c.kubectl(["describe", "svc", "shop"])).stdout, /^Selector:\s+app=shop,version=green$/m);
      await servedSoon("shop", "version", { green: 3 });

      // Blue is retired once green holds; the Service's pods are untouched.
      await c.kubectl(["scale", "deployment", "shop-blue", "--replicas=0"]);
      await waitFor(async () => (await json<List<PodJson>>(["get", "pods", "-l", "app=shop,version=blue"])).items.length === 0, 15_000, 200);
      await servedSoon("shop", "version", { green: 3 });
    });

    it("canary: the canary's share of the Service's pods follows the replica ratio", async () => {
      const r = await c.kubectl(["apply", "-f", fixture("workloads/canary.yaml")]);
      assert.equal(r.stdout, "service/api created\ndeployment.apps/api-stable created\ndeployment.apps/api-canary created\n");
      await rolledOut("api-stable");
      await rolledOut("api-canary");
      await servedSoon("api", "track", { canary: 1, stable: 9 });

      // Widen the canary to 30 %.
      await c.kubectl(["scale", "deployment", "api-canary", "--replicas=3"]);
      await c.kubectl(["scale", "deployment", "api-stable", "--replicas=7"]);
      await servedSoon("api", "track", { canary: 3, stable: 7 });

      // Promote: stable takes the canary's image and all the replicas; the canary goes.
      await c.kubectl(["set", "image", "deployment/api-stable", "app=jpetazzo/httpenv:1.1"]);
      await c.kubectl(["scale", "deployment", "api-stable", "--replicas=10"]);
      await c.kubectl(["scale", "deployment", "api-canary", "--replicas=0"]);
      await rolledOut("api-stable");
      await podsConverge("app=api", 10, "jpetazzo/httpenv:1.1");
      await servedSoon("api", "track", { stable: 10 });
    });
  });
});
