/**
 * One sync of one Deployment (upstream's sync.go and progress.go), shared by the strategies:
 * finding (or creating) the new ReplicaSet with its hash name and revision, scaling
 * ReplicaSets with the ScalingReplicaSet events, proportional scaling of a resized
 * Deployment, revisionHistoryLimit cleanup, the paused condition, and the status writes.
 *
 * A `DeploymentSync` works on a private copy of the Deployment and of the ReplicaSets it
 * owns; after each write it keeps the returned object, so later writes in the same sync do
 * not conflict with the earlier ones. A stale cache shows up as a 409 from a write, which
 * fails the sync: the key is retried, as upstream's controller does.
 */
import type { Deployment } from "../../api/apps/v1/deployment.js";
import type { ReplicaSet } from "../../api/apps/v1/replicaset.js";
import { semanticEqual } from "../../api/common/equality.js";
import type { PodTemplateSpec } from "kubernetes-types/core/v1.js";
import type { ApiClient } from "../../client/index.js";
import { StatusError } from "../../machinery/errors.js";
import { deepCopy } from "../../machinery/object.js";
import type { EventRecorder } from "../runtime/index.js";
import {
  podTemplateHashLabel, compareByRevision, maxRevision, revisionAnnotation, rollbackToAnnotation, setDeploymentRevision,
  setNewReplicaSetAnnotations, setReplicasAnnotations, replicasAnnotationsNeedUpdate,
} from "./annotations.js";
import { deploymentControllerRef } from "./claim.js";
import { computeHash } from "./hash.js";
import {
  activeReplicaSets, byCreation, desiredReplicasOf, findActiveOrLatest, isRollingUpdate, isSaturated, maxSurge,
  newRSNewReplicas, proportionalSizes, specReplicas,
} from "./replicas.js";
import {
  calculateStatus, getCondition, hasProgressDeadline, hasRevisionHistoryLimit, newCondition, reasons, removeCondition,
  replicaFailures, setCondition, stuckRequeueMs, updateProgressing, type Status,
} from "./status.js";

export interface SyncEnv {
  client: ApiClient;
  recorder: EventRecorder;
  now(): Date;
  /** Told about every object the server returned from a write (the controller's mutation cache). */
  written?(obj: Deployment | ReplicaSet): void;
  /**
   * The revision annotation last sent per Deployment uid. A server whose /status drops
   * metadata changes would otherwise get the same no-op write on every sync.
   */
  sentRevisions?: Map<string, string>;
}

/** What a sync asks of the work queue afterwards. */
export interface SyncOutcome {
  /** Look again after this many ms (0: now, rate limited). */
  requeueAfterMs?: number;
}

/** EqualIgnoreHash: the templates are semantically equal once the hash label is ignored. */
export function equalIgnoreHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  // Shallow copies: only the labels map loses a key, and nothing is mutated.
  const strip = (t: PodTemplateSpec | undefined): PodTemplateSpec | undefined => {
    const labels = t?.metadata?.labels;
    if (!labels || !(podTemplateHashLabel in labels)) return t;
    const { [podTemplateHashLabel]: _hash, ...rest } = labels;
    return { ...t, metadata: { ...t.metadata, labels: rest } };
  };
  return semanticEqual(strip(a), strip(b));
}

/** FindNewReplicaSet: the oldest ReplicaSet whose template is the Deployment's. */
export function findNewReplicaSet(d: Deployment, rsList: ReplicaSet[]): ReplicaSet | undefined {
  return [...rsList].sort(byCreation).find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template));
}

function typedRS(rs: ReplicaSet): ReplicaSet {
  return { ...rs, apiVersion: "apps/v1", kind: "ReplicaSet" };
}

function hasCause(err: unknown, reason: string): boolean {
  return err instanceof StatusError && (err.details?.causes ?? []).some((c) => c.reason === reason);
}

export class DeploymentSync {
  /** The working copy: its annotations and status are what this sync writes. */
  d: Deployment;

  constructor(readonly env: SyncEnv, d: Deployment, public rsList: ReplicaSet[]) {
    // Only annotations and status are changed in place; spec is replaced, never mutated.
    this.d = {
      ...d,
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { ...d.metadata, ...(d.metadata.annotations ? { annotations: { ...d.metadata.annotations } } : {}) },
      ...(d.status ? { status: deepCopy(d.status) } : {}),
    };
  }

  get name(): string {
    return this.d.metadata.name ?? "";
  }

  event(type: "Normal" | "Warning", reason: string, message: string): void {
    this.env.recorder.event(this.d, type, reason, message);
  }

  /** UpdateStatus with the working copy; keeps the returned resourceVersion and status. */
  async updateStatus(): Promise<void> {
    const res = await this.env.client.deployments.updateStatus(this.d);
    this.env.written?.(res);
    this.d.metadata.resourceVersion = res.metadata.resourceVersion;
  }

  /** Update of the whole Deployment (the server-side rollback). */
  async update(): Promise<void> {
    const res = await this.env.client.deployments.update(this.d);
    this.env.written?.(res);
    this.d = { ...res, apiVersion: "apps/v1", kind: "Deployment" };
  }

  private newRSMemo?: { list: ReplicaSet[]; template: unknown; rs: ReplicaSet | undefined };

  /** findNewReplicaSet over the current list, remembered until the list or the template changes. */
  private findNew(): ReplicaSet | undefined {
    const m = this.newRSMemo;
    if (m && m.list === this.rsList && m.template === this.d.spec?.template) return m.rs;
    const rs = findNewReplicaSet(this.d, this.rsList);
    this.newRSMemo = { list: this.rsList, template: this.d.spec?.template, rs };
    return rs;
  }

  private replaceRS(updated: ReplicaSet): void {
    this.env.written?.(updated);
    this.rsList = this.rsList.map((rs) => (rs.metadata.uid === updated.metadata.uid ? updated : rs));
  }

  /**
   * getAllReplicaSetsAndSyncRevision: the old ReplicaSets, and the new one with its revision
   * raised above theirs (created when `create` and it does not exist yet).
   */
  async getAllReplicaSetsAndSyncRevision(create: boolean): Promise<{ newRS: ReplicaSet | undefined; oldRSs: ReplicaSet[] }> {
    const found = this.findNew();
    const all = this.rsList.filter((rs) => !found || rs.metadata.uid !== found.metadata.uid);
    const newRS = await this.getNewReplicaSet(all, create);
    return { newRS, oldRSs: all };
  }

  private async getNewReplicaSet(oldRSs: ReplicaSet[], create: boolean): Promise<ReplicaSet | undefined> {
    const d = this.d;
    const existing = this.findNew();
    const newRevision = maxRevision(oldRSs) + 1;
    if (existing) {
      // setNewReplicaSetAnnotations changes only the annotations map.
      const copy = typedRS({ ...existing, metadata: { ...existing.metadata, annotations: { ...existing.metadata.annotations } } });
      const annotationsUpdated = setNewReplicaSetAnnotations(d, copy, newRevision, true);
      const minReady = d.spec?.minReadySeconds ?? 0;
      if (annotationsUpdated || (copy.spec?.minReadySeconds ?? 0) !== minReady) {
        copy.spec = { ...copy.spec!, minReadySeconds: minReady };
        const updated = await this.env.client.replicasets.update(copy);
        this.replaceRS(updated);
        return updated;
      }
      const revision = copy.metadata.annotations?.[revisionAnnotation] ?? "";
      let needsUpdate = setDeploymentRevision(d, revision) && this.env.sentRevisions?.get(d.metadata.uid ?? "") !== revision;
      if (hasProgressDeadline(d) && !getCondition(d.status, "Progressing")) {
        d.status ??= {};
        setCondition(d.status, newCondition("Progressing", "True", reasons.foundNewRS, `Found new replica set "${copy.metadata.name}"`, this.env.now()));
        needsUpdate = true;
      }
      if (needsUpdate) {
        await this.updateStatus();
        this.env.sentRevisions?.set(d.metadata.uid ?? "", revision);
      }
      return copy;
    }
    if (!create) return undefined;

    const template = deepCopy(d.spec!.template!);
    const hash = computeHash(template, d.status?.collisionCount);
    template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [podTemplateHashLabel]: hash } };
    const selector = deepCopy(d.spec!.selector!);
    selector.matchLabels = { ...selector.matchLabels, [podTemplateHashLabel]: hash };
    const newRS: ReplicaSet = {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: {
        name: `${d.metadata.name}-${hash}`,
        namespace: d.metadata.namespace,
        ownerReferences: [deploymentControllerRef(d)],
        labels: { ...template.metadata.labels },
      },
      spec: { replicas: 0, minReadySeconds: d.spec?.minReadySeconds ?? 0, selector, template },
    };
    const replicas = newRSNewReplicas(d, [...oldRSs, newRS], newRS);
    newRS.spec!.replicas = replicas;
    setNewReplicaSetAnnotations(d, newRS, newRevision, false);

    let created: ReplicaSet;
    let alreadyExists = false;
    try {
      created = await this.env.client.replicasets.create(d.metadata.namespace, newRS);
    } catch (err) {
      if (err instanceof StatusError && err.code === 409 && err.reason === "AlreadyExists") {
        alreadyExists = true;
        // A slow cache or a hash collision: ours if we control it and the template is the same.
        const live = await this.env.client.replicasets.get(d.metadata.namespace, newRS.metadata.name!);
        const ref = live.metadata.ownerReferences?.find((r) => r.controller === true);
        if (ref?.uid === d.metadata.uid && equalIgnoreHash(d.spec?.template, live.spec?.template)) {
          created = live;
        } else {
          d.status ??= {};
          d.status.collisionCount = (d.status.collisionCount ?? 0) + 1;
          await this.updateStatus();
          throw err;
        }
      } else if (hasCause(err, "NamespaceTerminating")) {
        throw err;
      } else {
        const msg = `Failed to create new replica set "${newRS.metadata.name}": ${(err as Error).message}`;
        if (hasProgressDeadline(d)) {
          d.status ??= {};
          setCondition(d.status, newCondition("Progressing", "False", reasons.failedRSCreate, msg, this.env.now()));
          // The bigger problem is the failed create; a failed status write changes nothing.
          await this.updateStatus().catch(() => undefined);
        }
        this.event("Warning", reasons.failedRSCreate, msg);
        throw err;
      }
    }
    this.env.written?.(created);
    this.rsList = [...this.rsList.filter((rs) => rs.metadata.uid !== created.metadata.uid), created];
    if (!alreadyExists && replicas > 0) {
      this.event("Normal", "ScalingReplicaSet", `Scaled up replica set ${created.metadata.name} from 0 to ${replicas}`);
    }
    let needsUpdate = setDeploymentRevision(d, String(newRevision));
    if (!alreadyExists && hasProgressDeadline(d)) {
      d.status ??= {};
      setCondition(d.status, newCondition("Progressing", "True", reasons.newReplicaSet, `Created new replica set "${created.metadata.name}"`, this.env.now()));
      needsUpdate = true;
    }
    if (needsUpdate) {
      await this.updateStatus();
      this.env.sentRevisions?.set(d.metadata.uid ?? "", String(newRevision));
    }
    return created;
  }

  /** scaleReplicaSetAndRecordEvent: nothing to do when the size is already right. */
  async scaleAndRecord(rs: ReplicaSet, newScale: number): Promise<{ scaled: boolean; rs: ReplicaSet }> {
    if (specReplicas(rs) === newScale) return { scaled: false, rs };
    return this.scaleReplicaSet(rs, newScale);
  }

  /** scaleReplicaSet: size and replicas annotations in one update; the event when the size moved. */
  async scaleReplicaSet(rs: ReplicaSet, newScale: number): Promise<{ scaled: boolean; rs: ReplicaSet }> {
    const d = this.d;
    const oldScale = specReplicas(rs);
    const sizeNeedsUpdate = oldScale !== newScale;
    const max = specReplicas(d) + maxSurge(d);
    if (!sizeNeedsUpdate && !replicasAnnotationsNeedUpdate(rs, specReplicas(d), max)) return { scaled: false, rs };
    const copy = typedRS(deepCopy(rs));
    copy.spec = { ...copy.spec!, replicas: newScale };
    setReplicasAnnotations(copy, specReplicas(d), max);
    const updated = await this.env.client.replicasets.update(copy);
    this.replaceRS(updated);
    if (sizeNeedsUpdate) {
      const op = oldScale < newScale ? "up" : "down";
      this.event("Normal", "ScalingReplicaSet", `Scaled ${op} replica set ${updated.metadata.name} from ${oldScale} to ${newScale}`);
    }
    return { scaled: sizeNeedsUpdate, rs: updated };
  }

  /**
   * scale: a resize outside a rollout. One active ReplicaSet (or none) takes the whole size;
   * a saturated new ReplicaSet retires the old ones; otherwise, for RollingUpdate, every active
   * ReplicaSet gets its proportional share.
   */
  async scale(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): Promise<void> {
    const d = this.d;
    const one = findActiveOrLatest(newRS, oldRSs);
    if (one) {
      if (specReplicas(one) === specReplicas(d)) return;
      await this.scaleAndRecord(one, specReplicas(d));
      return;
    }
    if (isSaturated(d, newRS)) {
      for (const old of activeReplicaSets(oldRSs)) await this.scaleAndRecord(old, 0);
      return;
    }
    if (!isRollingUpdate(d)) return;
    const { sizes } = proportionalSizes(d, newRS, oldRSs);
    for (const { rs, size } of sizes) await this.scaleReplicaSet(rs, size);
  }

  /**
   * isScalingEvent: an active ReplicaSet was sized for another replica count than the
   * Deployment's (its desired-replicas annotation says so).
   */
  async isScalingEvent(): Promise<boolean> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(false);
    for (const rs of activeReplicaSets([...oldRSs, newRS])) {
      const desired = desiredReplicasOf(rs);
      if (desired !== undefined && desired !== specReplicas(this.d)) return true;
    }
    return false;
  }

  /** sync: scaling events and paused Deployments (no rollout). */
  async sync(): Promise<SyncOutcome> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(false);
    await this.scale(newRS, oldRSs);
    const fresh = this.refresh(newRS, oldRSs);
    if (this.d.spec?.paused && !this.d.metadata.annotations?.[rollbackToAnnotation]) await this.cleanupDeployment(fresh.oldRSs);
    await this.syncDeploymentStatus([...fresh.oldRSs, fresh.newRS], fresh.newRS);
    return {};
  }

  /** syncStatusOnly: a Deployment being deleted only gets its status updated. */
  async syncStatusOnly(): Promise<SyncOutcome> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(false);
    await this.syncDeploymentStatus([...oldRSs, newRS], newRS);
    return {};
  }

  /** The ReplicaSets again, after writes in this sync replaced some of them. */
  refresh(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): { newRS: ReplicaSet | undefined; oldRSs: ReplicaSet[] } {
    const byUid = new Map(this.rsList.map((rs) => [rs.metadata.uid, rs]));
    return {
      newRS: newRS ? byUid.get(newRS.metadata.uid) ?? newRS : undefined,
      oldRSs: oldRSs.map((rs) => byUid.get(rs.metadata.uid) ?? rs),
    };
  }

  async syncDeploymentStatus(allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): Promise<void> {
    const status = calculateStatus(allRSs, newRS, this.d, this.env.now());
    if (semanticEqual(this.d.status, status)) return;
    this.d.status = status;
    await this.updateStatus();
  }

  /**
   * syncRolloutStatus: the status of a rollout, with the Progressing condition judged
   * against the previous status and the deadline; when nothing changed, how long until the
   * deadline should be checked.
   */
  async syncRolloutStatus(allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): Promise<SyncOutcome> {
    const now = this.env.now();
    const status: Status = calculateStatus(allRSs, newRS, this.d, now);
    updateProgressing(this.d, newRS, status, now);
    const failures = replicaFailures(allRSs, newRS);
    if (failures.length) setCondition(status, failures[0]!);
    else removeCondition(status, "ReplicaFailure");
    if (semanticEqual(this.d.status, status)) {
      const after = stuckRequeueMs(this.d, status, now);
      return after === undefined ? {} : { requeueAfterMs: after };
    }
    this.d.status = status;
    await this.updateStatus();
    return {};
  }

  /**
   * cleanupDeployment: beyond revisionHistoryLimit, delete the oldest old ReplicaSets that
   * are fully scaled down and whose controller has caught up with them.
   */
  async cleanupDeployment(oldRSs: ReplicaSet[]): Promise<void> {
    const d = this.d;
    if (!hasRevisionHistoryLimit(d)) return;
    const cleanable = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp);
    const diff = cleanable.length - (d.spec?.revisionHistoryLimit ?? 0);
    if (diff <= 0) return;
    cleanable.sort((a, b) => compareByRevision(a, b, byCreation));
    for (const rs of cleanable.slice(0, diff)) {
      if ((rs.status?.replicas ?? 0) !== 0 || specReplicas(rs) !== 0) continue;
      if ((rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0) || rs.metadata.deletionTimestamp) continue;
      try {
        await this.env.client.replicasets.delete(rs.metadata.namespace, rs.metadata.name ?? "");
      } catch (err) {
        if (!(err instanceof StatusError && err.code === 404)) throw err;
      }
    }
  }

  /**
   * checkPausedConditions: Progressing becomes Unknown/DeploymentPaused while paused and
   * Unknown/DeploymentResumed on resume, so time spent paused never counts against the
   * deadline. A timed-out condition is left alone.
   */
  async checkPausedConditions(): Promise<void> {
    const d = this.d;
    if (!hasProgressDeadline(d)) return;
    const cond = getCondition(d.status, "Progressing");
    if (cond?.reason === reasons.timedOut) return;
    const pausedCond = cond?.reason === reasons.paused;
    const paused = Boolean(d.spec?.paused);
    let next;
    if (paused && !pausedCond) next = newCondition("Progressing", "Unknown", reasons.paused, "Deployment is paused", this.env.now());
    else if (!paused && pausedCond) next = newCondition("Progressing", "Unknown", reasons.resumed, "Deployment is resumed", this.env.now());
    if (!next) return;
    d.status ??= {};
    setCondition(d.status, next);
    await this.updateStatus();
  }
}
