/**
 * What differs between the two replica controllers: the owner kind, the event source and
 * how a selector is read (a LabelSelector for apps/v1 ReplicaSet, a plain label map for
 * v1 ReplicationController). Everything else is the shared core in controller.ts.
 */
import { parseSelector, type ParsedSelector } from "../../api/common/selector.js";
import { isPlainObject } from "../../machinery/object.js";
import type { ReplicaOwner } from "./status.js";

export interface ReplicaKind {
  /** The controller's name in the manager: "replicaset", "replicationcontroller". */
  name: string;
  /** Upstream's event source component. */
  component: string;
  apiVersion: string;
  kind: string;
  /** The owner's pod selector; undefined when it cannot be parsed. */
  selector(owner: ReplicaOwner): ParsedSelector | undefined;
}

/** Selects nothing: an empty selector must never adopt a whole namespace. */
const nothing: ParsedSelector = { empty: false, matches: () => false };

function guardEmpty(sel: ParsedSelector | undefined): ParsedSelector | undefined {
  return sel?.empty ? nothing : sel;
}

export const replicaSetKind: ReplicaKind = {
  name: "replicaset",
  component: "replicaset-controller",
  apiVersion: "apps/v1",
  kind: "ReplicaSet",
  selector: (owner) => guardEmpty(parseSelector(owner.spec?.selector)),
};

export const replicationControllerKind: ReplicaKind = {
  name: "replicationcontroller",
  component: "replication-controller",
  apiVersion: "v1",
  kind: "ReplicationController",
  selector(owner) {
    const sel = owner.spec?.selector;
    if (sel === undefined || sel === null) return nothing;
    if (!isPlainObject(sel)) return undefined;
    return guardEmpty(parseSelector({ matchLabels: sel }));
  },
};
