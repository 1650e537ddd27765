import type { OffsetResetPolicy } from '../../consume/start-offsets.js';
import type { RecordFormat } from '../../fetch/schema-decoding.js';
import type { TopicPartition } from '../../log/store.js';
import { tpKey } from '../group-state.js';

/** A v2 consumer instance: its group and its id within the group. */
export interface InstanceKey {
  group: string;
  id: string;
}

export interface InstanceConfig {
  format: RecordFormat;
  offsetReset: OffsetResetPolicy;
  /** Commit the positions returned by each `records` call, right after it (Confluent's auto.commit.enable). */
  autoCommit: boolean;
  requestTimeoutMs: number;
}

/**
 * Everything a gateway needs to serve a v2 consumer instance, kept where every gateway sees it.
 * Positions are keyed by `tpKey` and hold the next offset to read.
 */
export interface InstanceDoc {
  config: InstanceConfig;
  /** Bumped by every subscribe, unsubscribe and assign: a driver drives one epoch and stops when it moves on. */
  epoch: number;
  /** The subscribed topics (and the pattern they came from), while subscribed. */
  subscription?: { topics: string[]; pattern?: string };
  /** Partitions assigned by hand, while so assigned. */
  manual?: TopicPartition[];
  /** The partitions the instance reads now: the manual ones, or those its group member holds. */
  held: TopicPartition[];
  /** The group member that holds `held` (subscribed instances): commits are made as this member. */
  memberId?: string;
  generation: number;
  positions: Record<string, number>;
}

export interface StoredInstance {
  doc: InstanceDoc;
  /** Bumped by every update: the compare-and-set token. */
  version: number;
  /** The token of the gateway driving the instance's group member, while its lease lasts. */
  lease: string | undefined;
  /** Epoch ms (the store's clock) of the last request that used the instance. */
  lastUsed: number;
}

/** What an update requires of the instance's driver lease, and does to it. */
export type LeaseCondition =
  /** No condition; the lease stays as it is. */
  | { kind: 'any' }
  /** Some gateway's lease must be live: a subscribed instance's partitions are served only while its member's session is. */
  | { kind: 'live' }
  /** The lease must be `token`'s. */
  | { kind: 'own'; token: string }
  /** Becomes `token`'s, whoever held it. */
  | { kind: 'take'; token: string; ttlMs: number }
  /** Becomes `token`'s only when no lease is live (a takeover: one gateway wins). */
  | { kind: 'take-free'; token: string; ttlMs: number }
  /** Ends, whoever held it. */
  | { kind: 'drop' }
  /** Ends; it must be `token`'s. */
  | { kind: 'drop-own'; token: string };

/** `conflict`: the version moved on; `lease`: the lease condition failed; `gone`: no such instance. */
export type UpdateResult = 'ok' | 'conflict' | 'lease' | 'gone';

/** `held`: renewed (or taken again when it had lapsed); `lost`: another gateway drives now; `ended`: the instance or its subscription is gone. */
export type LeaseRenewal = 'held' | 'lost' | 'ended';

/** `in-use`: used within the idle time asked for, so kept. */
export type Removal = 'removed' | 'in-use' | 'gone';

/**
 * The state of v2 consumer instances (Redis; memory for the in-memory store). Every change is a
 * compare-and-set on the instance's version, so two gateways serving one instance at once never
 * both advance it from the same state.
 */
export interface InstanceStateStore {
  /** Stores a new instance; false when the group already has one with that id. */
  create(key: InstanceKey, doc: InstanceDoc): Promise<boolean>;
  /** The instance, or undefined; `touch` marks it used now. */
  load(key: InstanceKey, touch: boolean): Promise<StoredInstance | undefined>;
  /** Replaces the instance's state if its version is still `expectedVersion` and the lease condition holds. */
  update(key: InstanceKey, expectedVersion: number, doc: InstanceDoc, lease: LeaseCondition): Promise<UpdateResult>;
  /** Extends `token`'s lease on the instance while it is in `epoch`; takes it again if it lapsed and nobody else took it. */
  renewLease(key: InstanceKey, epoch: number, token: string, ttlMs: number): Promise<LeaseRenewal>;
  /** Deletes the instance; with `idleMs`, only if unused that long (by the store's clock). */
  remove(key: InstanceKey, idleMs?: number): Promise<Removal>;
  /** Instances that may have been unused for `idleMs` (`remove` decides). */
  idle(idleMs: number, limit: number): Promise<InstanceKey[]>;
  /** Tells every gateway that the instance changed (its partitions, its subscription, its existence). */
  announce(key: InstanceKey): Promise<void>;
  onChange(listener: (key: InstanceKey) => void): Promise<() => void>;
  close(): Promise<void>;
}

export const instanceName = (key: InstanceKey): string => `${key.group}\u0000${key.id}`;

export type Change = { doc: InstanceDoc; lease: LeaseCondition } | undefined;

/**
 * Applies `change` to the instance's latest state until the compare-and-set takes: on a conflict
 * it runs again on what another gateway wrote. `change` returns undefined to change nothing.
 * `touch`: the change is a use of the instance (a request), not a driver's bookkeeping.
 */
export async function changeInstance(
  store: InstanceStateStore,
  key: InstanceKey,
  change: (state: StoredInstance) => Change | Promise<Change>,
  touch = false,
): Promise<UpdateResult | 'unchanged'> {
  for (;;) {
    const state = await store.load(key, touch);
    if (!state) return 'gone';
    const next = await change(state);
    if (!next) return 'unchanged';
    const result = await store.update(key, state.version, next.doc, next.lease);
    if (result !== 'conflict') return result;
  }
}

export function holds(doc: InstanceDoc, tp: TopicPartition): boolean {
  return doc.held.some((h) => h.topic === tp.topic && h.partition === tp.partition);
}

/** The positions of `partitions`, as offsets to commit (partitions not started yet left out). */
export function positionsOf(doc: InstanceDoc, partitions: TopicPartition[]): Array<TopicPartition & { offset: number }> {
  return partitions.flatMap((tp) => {
    const offset = doc.positions[tpKey(tp.topic, tp.partition)];
    return offset === undefined ? [] : [{ ...tp, offset }];
  });
}
