/** The apps/v1 kinds, in upstream's discovery order (alphabetical by resource). */
import type { ResourceDef } from "../../../machinery/resource.js";
import { controllerRevisionResource } from "./controllerrevision.js";
import { daemonSetResource } from "./daemonset.js";
import { deploymentResource } from "./deployment.js";
import { replicaSetResource } from "./replicaset.js";
import { statefulSetResource } from "./statefulset.js";

export const appsV1Resources: ResourceDef[] = [controllerRevisionResource, daemonSetResource, deploymentResource, replicaSetResource, statefulSetResource];
