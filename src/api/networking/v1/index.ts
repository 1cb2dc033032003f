/** The networking.k8s.io/v1 kinds, in upstream's discovery order. */
import type { ResourceDef } from "../../../machinery/resource.js";
import { ingressClassResource } from "./ingressclass.js";
import { ingressResource } from "./ingress.js";
import { networkPolicyResource } from "./networkpolicy.js";

export const networkingV1Resources: ResourceDef[] = [ingressClassResource, ingressResource, networkPolicyResource];
