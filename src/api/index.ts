/**
 * Every built-in kind, in upstream's discovery order: core/v1 first, then the groups by
 * upstream's group priority (apps, events.k8s.io, authorization.k8s.io, autoscaling, batch,
 * networking.k8s.io, policy, rbac, storage, apiextensions, scheduling, coordination,
 * discovery). Within a group the preferred version comes first (autoscaling/v2 before v1) and
 * resources are alphabetical, as upstream's discovery lists them.
 */
import type { ResourceDef } from "../machinery/resource.js";
import { coreV1Resources } from "./core/v1/index.js";
import { appsV1Resources } from "./apps/v1/index.js";
import { eventsV1Resources } from "./events/v1/index.js";
import { authorizationV1Resources } from "./authorization/v1/index.js";
import { autoscalingV2Resources } from "./autoscaling/v2/index.js";
import { autoscalingV1Resources } from "./autoscaling/v1/index.js";
import { batchV1Resources } from "./batch/v1/index.js";
import { networkingV1Resources } from "./networking/v1/index.js";
import { policyV1Resources } from "./policy/v1/index.js";
import { rbacV1Resources } from "./rbac/v1/index.js";
import { storageV1Resources } from "./storage/v1/index.js";
import { apiextensionsV1Resources } from "./apiextensions/v1/index.js";
import { schedulingV1Resources } from "./scheduling/v1/index.js";
import { coordinationV1Resources } from "./coordination/v1/index.js";
import { discoveryV1Resources } from "./discovery/v1/index.js";

export const builtinResources: ResourceDef[] = [
  ...coreV1Resources,
  ...appsV1Resources,
  ...eventsV1Resources,
  ...authorizationV1Resources,
  ...autoscalingV2Resources,
  ...autoscalingV1Resources,
  ...batchV1Resources,
  ...networkingV1Resources,
  ...policyV1Resources,
  ...rbacV1Resources,
  ...storageV1Resources,
  ...apiextensionsV1Resources,
  ...schedulingV1Resources,
  ...coordinationV1Resources,
  ...discoveryV1Resources,
];
