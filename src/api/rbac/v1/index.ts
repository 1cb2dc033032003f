/** The rbac.authorization.k8s.io/v1 kinds, in upstream's discovery order. */
import type { ResourceDef } from "../../../machinery/resource.js";
import { clusterRoleBindingResource, roleBindingResource } from "./binding.js";
import { clusterRoleResource, roleResource } from "./role.js";

export const rbacV1Resources: ResourceDef[] = [clusterRoleBindingResource, clusterRoleResource, roleBindingResource, roleResource];
