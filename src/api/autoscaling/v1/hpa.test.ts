import { test } from "node:test";
import assert from "node:assert/strict";
import { ago, simulateCreate, simulateUpdate } from "../../common/testing.js";
import { hpaV2Resource } from "../v2/hpa.js";
import { behaviorAnnotation, hpaV1Resource, hpaV1ToV2, hpaV2ToV1, metricSpecsAnnotation } from "./hpa.js";

const ref = { apiVersion: "apps/v1", kind: "Deployment", name: "web" };

test("HPA v2: defaults (minReplicas, 80% CPU, behavior) and validation", () => {
  const { obj, errs } = simulateCreate(hpaV2Resource, { metadata: { name: "web" }, spec: { scaleTargetRef: ref, maxReplicas: 5, behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } } });
  assert.deepEqual(errs, []);
  const spec = obj.spec as Record<string, unknown>;
  assert.equal(spec.minReplicas, 1);
  assert.deepEqual(spec.metrics, [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } } }]);
  const behavior = spec.behavior as { scaleUp: { policies: unknown[] }; scaleDown: { stabilizationWindowSeconds: number; selectPolicy: string } };
  assert.equal(behavior.scaleUp.policies.length, 2);
  assert.equal(behavior.scaleDown.stabilizationWindowSeconds, 60);
  assert.equal(behavior.scaleDown.selectPolicy, "Max");
  assert.deepEqual(obj.status, { desiredReplicas: 0 });

  const bad = simulateCreate(hpaV2Resource, { metadata: { name: "x" }, spec: { scaleTargetRef: { kind: "Deployment" }, minReplicas: 3, maxReplicas: 2, metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization" } } }] } });
  assert.deepEqual(bad.messages, [
    "spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`",
    "spec.scaleTargetRef.name: Required value",
    "spec.metrics[0].resource.target.averageUtilization: Required value: must set either a target raw value or a target utilization",
  ]);
});

test("HPA columns", () => {
  const { obj } = simulateCreate(hpaV2Resource, {
    metadata: { name: "web" },
    spec: { scaleTargetRef: ref, minReplicas: 2, maxReplicas: 10, metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } } }, { type: "Resource", resource: { name: "memory", target: { type: "AverageValue", averageValue: "500Mi" } } }] },
  });
  obj.metadata.creationTimestamp = ago(3600_000);
  obj.status = { currentReplicas: 3, desiredReplicas: 3, currentMetrics: [{ type: "Resource", resource: { name: "cpu", current: { averageUtilization: 35, averageValue: "35m" } } }] };
  assert.deepEqual(hpaV2Resource.row(obj), ["web", "Deployment/web", "cpu: 35%/50%, memory: <unknown>/500Mi", "2", 10, 3, "60m"]);
  assert.deepEqual(hpaV2Resource.columns.map((c) => c.name.toUpperCase()), ["NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"]);
});

test("HPA v1 ↔ v2: CPU target as a Resource metric, the rest in annotations", () => {
  const v1 = { apiVersion: "autoscaling/v1", kind: "HorizontalPodAutoscaler", metadata: { name: "web" }, spec: { scaleTargetRef: ref, minReplicas: 1, maxReplicas: 4, targetCPUUtilizationPercentage: 60 } };
  const v2 = hpaV1ToV2(v1);
  assert.deepEqual((v2.spec as { metrics: unknown }).metrics, [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 60 } } }]);
  const back = hpaV2ToV1(v2);
  assert.deepEqual(back.spec, v1.spec);
  assert.equal(back.metadata.annotations, undefined);

  const rich = {
    ...v2,
    spec: {
      ...(v2.spec as object),
      metrics: [
        { type: "Pods", pods: { metric: { name: "rps" }, target: { type: "AverageValue", averageValue: "10" } } },
        { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 60 } } },
      ],
      behavior: { scaleDown: { stabilizationWindowSeconds: 30, selectPolicy: "Max", policies: [{ type: "Percent", value: 10, periodSeconds: 60 }] } },
    },
  };
  const asV1 = hpaV2ToV1(rich);
  assert.equal(asV1.spec?.targetCPUUtilizationPercentage, 60);
  assert.deepEqual(JSON.parse(asV1.metadata.annotations![metricSpecsAnnotation]!), [{ type: "Pods", pods: { metricName: "rps", targetAverageValue: "10" } }]);
  assert.match(asV1.metadata.annotations![behaviorAnnotation]!, /"ScaleDown":\{"StabilizationWindowSeconds":30/);
  const again = hpaV1ToV2(asV1);
  assert.deepEqual((again.spec as { metrics: unknown }).metrics, rich.spec.metrics);
  // The stored form gets v2's behavior defaults for the rules v1 did not carry.
  const behavior = (again.spec as { behavior: { scaleDown: unknown; scaleUp: { selectPolicy: string } } }).behavior;
  assert.deepEqual(behavior.scaleDown, rich.spec.behavior.scaleDown);
  assert.equal(behavior.scaleUp.selectPolicy, "Max");
  assert.equal(again.metadata.annotations, undefined);
});

test("HPA v1 definition: defaults, v2 validation paths, status kept", () => {
  const { obj, errs } = simulateCreate(hpaV1Resource, { metadata: { name: "web" }, spec: { scaleTargetRef: ref, maxReplicas: 3 } });
  assert.deepEqual(errs, []);
  assert.deepEqual(obj.spec, { scaleTargetRef: ref, maxReplicas: 3, minReplicas: 1, targetCPUUtilizationPercentage: 80 });
  assert.deepEqual(obj.status, { currentReplicas: 0, desiredReplicas: 0 });
  const bad = simulateCreate(hpaV1Resource, { metadata: { name: "web" }, spec: { scaleTargetRef: ref, maxReplicas: 3, targetCPUUtilizationPercentage: 0 } });
  assert.deepEqual(bad.messages, ["spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0"]);
  obj.status = { currentReplicas: 2, desiredReplicas: 2 };
  const upd = simulateUpdate(hpaV1Resource, obj, { ...obj, status: undefined });
  assert.deepEqual(upd.obj.status, { currentReplicas: 2, desiredReplicas: 2 });
  assert.equal(hpaV1Resource.storedAs?.version, "v2");
});
