import { test } from "node:test";
import assert from "node:assert/strict";
import type { Deployment } from "../../api/apps/v1/deployment.js";
import type { ReplicaSet } from "../../api/apps/v1/replicaset.js";
import { revisionAnnotation, revisionHistoryAnnotation, setNewReplicaSetAnnotations, copyDeploymentAnnotations } from "./annotations.js";
import {
  calculateStatus, deploymentTimedOut, getCondition, setCondition, newCondition, stuckRequeueMs, updateProgressing, type Status,
} from "./status.js";

const sel = { matchLabels: { app: "web" } };
const t0 = new Date("2025-01-01T00:00:00Z");
const at = (s: number): Date => new Date(t0.getTime() + s * 1000);

function deploy(replicas: number, status: Status = {}, generation = 1): Deployment {
  return {
    metadata: { name: "web", namespace: "default", generation, annotations: { "kubernetes.io/change-cause": "v2", "kubectl.kubernetes.io/last-applied-configuration": "{}", [revisionAnnotation]: "7" } },
    spec: { replicas, selector: sel, template: {}, progressDeadlineSeconds: 60, strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } } },
    status,
  };
}

function rs(name: string, replicas: number, available: number, ready = available): ReplicaSet {
  return { metadata: { name, uid: name }, spec: { replicas, selector: sel }, status: { replicas, readyReplicas: ready, availableReplicas: available } };
}

test("calculateStatus sums the ReplicaSets and sets Available", () => {
  const s = calculateStatus([rs("old", 4, 4), rs("new", 6, 4, 5)], rs("new", 6, 4, 5), deploy(10), t0);
  assert.equal(s.replicas, 10);
  assert.equal(s.updatedReplicas, 6);
  assert.equal(s.readyReplicas, 9);
  assert.equal(s.availableReplicas, 8);
  assert.equal(s.unavailableReplicas, 2);
  assert.equal(s.observedGeneration, 1);
  assert.equal(getCondition(s, "Available")?.reason, "MinimumReplicasUnavailable");
  const ok = calculateStatus([rs("new", 10, 9)], rs("new", 10, 9), deploy(10), t0);
  assert.deepEqual([getCondition(ok, "Available")?.status, getCondition(ok, "Available")?.message], ["True", "Deployment has minimum availability."]);
  assert.equal(ok.unavailableReplicas, 1);
});

test("setCondition keeps lastTransitionTime while the status stays, and ignores same status and reason", () => {
  const s: Status = {};
  setCondition(s, newCondition("Progressing", "True", "NewReplicaSetCreated", "a", t0));
  setCondition(s, newCondition("Progressing", "True", "NewReplicaSetCreated", "b", at(5)));
  assert.equal(getCondition(s, "Progressing")?.message, "a");
  setCondition(s, newCondition("Progressing", "True", "ReplicaSetUpdated", "c", at(10)));
  const c = getCondition(s, "Progressing")!;
  assert.deepEqual([c.reason, c.lastTransitionTime, c.lastUpdateTime], ["ReplicaSetUpdated", "2025-01-01T00:00:00Z", "2025-01-01T00:00:10Z"]);
});

test("Progressing: progress refreshes lastUpdateTime, completion says NewReplicaSetAvailable, silence times out", () => {
  const created = newCondition("Progressing", "True", "NewReplicaSetCreated", `Created new replica set "web-x"`, t0);
  const d = deploy(2, { replicas: 2, updatedReplicas: 0, conditions: [created] });
  const newRS = rs("web-x", 1, 0);
  const progressed = calculateStatus([rs("old", 2, 2), newRS], newRS, d, at(5));
  updateProgressing(d, newRS, progressed, at(5));
  const p = getCondition(progressed, "Progressing")!;
  assert.deepEqual([p.reason, p.message, p.lastUpdateTime, p.lastTransitionTime], ["ReplicaSetUpdated", `ReplicaSet "web-x" is progressing.`, "2025-01-01T00:00:05Z", "2025-01-01T00:00:00Z"]);

  const done = calculateStatus([rs("web-x", 2, 2)], rs("web-x", 2, 2), d, at(6));
  updateProgressing(d, rs("web-x", 2, 2), done, at(6));
  assert.equal(getCondition(done, "Progressing")?.message, `ReplicaSet "web-x" has successfully progressed.`);

  // No progress since t0: within the deadline nothing changes, and a requeue is due at the deadline.
  const stuck = deploy(2, { replicas: 3, updatedReplicas: 1, readyReplicas: 2, availableReplicas: 2, conditions: [created] });
  const same = calculateStatus([rs("old", 2, 2), newRS], newRS, stuck, at(30));
  updateProgressing(stuck, newRS, same, at(30));
  assert.equal(getCondition(same, "Progressing")?.reason, "NewReplicaSetCreated");
  assert.equal(stuckRequeueMs(stuck, same, at(30)), 31_000);
  assert.equal(deploymentTimedOut(stuck, same, at(61)), true);
  const late = calculateStatus([rs("old", 2, 2), newRS], newRS, stuck, at(61));
  updateProgressing(stuck, newRS, late, at(61));
  const c = getCondition(late, "Progressing")!;
  assert.deepEqual([c.status, c.reason, c.message], ["False", "ProgressDeadlineExceeded", `ReplicaSet "web-x" has timed out progressing.`]);
});

test("annotations: the Deployment's are copied except the skipped ones; a returning template keeps its history", () => {
  const d = deploy(3);
  const r: ReplicaSet = { metadata: { name: "web-a", annotations: { [revisionAnnotation]: "2" } }, spec: { replicas: 0, selector: sel } };
  assert.equal(setNewReplicaSetAnnotations(d, r, 5, true), true);
  assert.deepEqual(r.metadata.annotations, { [revisionAnnotation]: "5", [revisionHistoryAnnotation]: "2", "kubernetes.io/change-cause": "v2" });
  assert.equal(setNewReplicaSetAnnotations(d, r, 5, true), false);
  setNewReplicaSetAnnotations(d, r, 8, true);
  assert.equal(r.metadata.annotations?.[revisionHistoryAnnotation], "2,5");
  const fresh: ReplicaSet = { metadata: { name: "web-b" }, spec: { replicas: 0, selector: sel } };
  setNewReplicaSetAnnotations(d, fresh, 1, false);
  assert.deepEqual(fresh.metadata.annotations, {
    [revisionAnnotation]: "1", "kubernetes.io/change-cause": "v2",
    "deployment.kubernetes.io/desired-replicas": "3", "deployment.kubernetes.io/max-replicas": "4",
  });
  assert.equal(copyDeploymentAnnotations(d, fresh), false);
});
