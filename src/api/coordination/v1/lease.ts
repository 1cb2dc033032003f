/** coordination.k8s.io/v1 Lease: node heartbeats and leader election. */
import type { Lease as LeaseT } from "kubernetes-types/coordination/v1.js";
import type { ResourceDef } from "../../../machinery/resource.js";
import { field, type FieldError } from "../../../machinery/errors.js";
import { age } from "../../printers.js";
import { ageColumn, column, defineResource, nameColumn, specOf, type Obj } from "../../common/define.js";

export type Lease = Obj<LeaseT>;

export function validateLease(lease: Lease): FieldError[] {
  const spec = specOf(lease) ?? {};
  const errs: FieldError[] = [];
  const d = spec.leaseDurationSeconds;
  if (d != null && !(typeof d === "number" && d > 0)) errs.push(field.invalid("spec.leaseDurationSeconds", d, "must be greater than 0"));
  const t = spec.leaseTransitions;
  if (t != null && !(typeof t === "number" && t >= 0)) errs.push(field.invalid("spec.leaseTransitions", t, "must be greater than or equal to 0"));
  return errs;
}

export const leaseResource = defineResource<Lease>({
  group: "coordination.k8s.io",
  version: "v1",
  kind: "Lease",
  plural: "leases",
  singular: "lease",
  namespaced: true,
  schema: "io.k8s.api.coordination.v1.Lease",
  columns: [nameColumn, column("Holder", "holderIdentity contains the identity of the holder of a current lease. If Coordinated Leader Election is used, the holder identity must be equal to the elected LeaseCandidate.metadata.name field."), ageColumn],
  row: (l) => [l.metadata.name, l.spec?.holderIdentity ?? "", age(l.metadata.creationTimestamp)],
  validate: validateLease,
});

export const coordinationV1Resources: ResourceDef[] = [leaseResource];
