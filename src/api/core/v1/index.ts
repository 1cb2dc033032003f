/**
 * Every core/v1 kind. Discovery keeps this order, and `kubectl get all` lists the `all`
 * category in it, so pods, services and replicationcontrollers come first as upstream shows them.
 */
import type { ResourceDef } from "../../../machinery/resource.js";
import { configMapResource } from "./configmap.js";
import { endpointsResource } from "./endpoints.js";
import { eventResource } from "./event.js";
import { limitRangeResource } from "./limitrange.js";
import { namespaceResource } from "./namespace.js";
import { nodeResource } from "./node.js";
import { persistentVolumeClaimResource, persistentVolumeResource } from "./persistentvolume.js";
import { podResource } from "./pod.js";
import { podTemplateResource } from "./podtemplate.js";
import { replicationControllerResource } from "./replicationcontroller.js";
import { resourceQuotaResource } from "./resourcequota.js";
import { secretResource } from "./secret.js";
import { serviceAccountResource } from "./serviceaccount.js";
import { serviceResource } from "./service.js";

export const coreV1Resources: ResourceDef[] = [
  podResource,
  serviceResource,
  replicationControllerResource,
  configMapResource,
  endpointsResource,
  eventResource,
  limitRangeResource,
  namespaceResource,
  nodeResource,
  persistentVolumeClaimResource,
  persistentVolumeResource,
  podTemplateResource,
  resourceQuotaResource,
  secretResource,
  serviceAccountResource,
];

export {
  configMapResource, endpointsResource, eventResource, limitRangeResource, namespaceResource, nodeResource,
  persistentVolumeClaimResource, persistentVolumeResource, podResource, podTemplateResource,
  replicationControllerResource, resourceQuotaResource, secretResource, serviceAccountResource, serviceResource,
};
