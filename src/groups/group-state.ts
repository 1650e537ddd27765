import type { Assignment, AssignorName } from './assignors.js';

/**
 * The shared state of consumer groups, kept where every gateway sees it (Redis; memory for the
 * in-memory store). Every change is atomic; members are expired by the store's clock.
 *
 * Partition keys (`tpKey`) are `topic:partition` — Kafka topic names never contain ':'.
 */
export interface MemberRecord {
  memberId: string;
  clientId: string;
  /** Kafka's `group.instance.id` (KIP-345): a static member's identity across connections. */
  instanceId?: string;
  topics: string[];
  assignor: AssignorName;
  sessionTimeoutMs: number;
  /** Epoch ms at which the member is gone unless it heartbeats. */
  expiresAt: number;
  /** A static member whose connection went away: it delivers nothing, its partitions stay reserved for it until `expiresAt`. */
  disconnected?: boolean;
  /**
   * The id of the newer member with the same instance id that replaced this one. A fenced member
   * is no longer part of the group, but what it still holds stays its own until it releases it
   * or its session runs out, so the newer member never delivers a partition it still delivers.
   */
  fencedBy?: string;
}

export interface GroupSnapshot {
  /** Bumped by every join, leave, expiry and topology change. */
  membersVersion: number;
  /** The membersVersion the current assignment was computed for. */
  assignedVersion: number;
  /** Bumped by every new assignment: Kafka's generation id. */
  generation: number;
  assignment: Assignment;
  /** The subscribed topics' partition counts the assignment was computed for. */
  topology: string;
  /** The group's members (fenced ones left out; disconnected static members included: they keep their share). */
  members: MemberRecord[];
  /** tpKey → id of the member that holds (delivers) the partition. */
  owners: Record<string, string>;
  /** Milliseconds left of the initial rebalance delay; no assignment is stored before it ends. 0 when none. */
  rebalanceDelayMs: number;
}

export interface CommittedOffset {
  offset: number;
  metadata: string;
}

export interface OffsetCommit {
  tpKey: string;
  offset: number;
  metadata?: string;
}

export interface JoinOptions {
  /**
   * Kafka's `group.initial.rebalance.delay.ms`, used when this join makes an empty group non-empty:
   * no assignment is stored until the delay has passed. Each member that joins during it starts
   * the delay again, but never past `INITIAL_REBALANCE_DELAY_CAP_FACTOR` delays after the first
   * join (Kafka caps it at the rebalance timeout instead). Later joins use the group's delay,
   * whatever they pass.
   */
  initialRebalanceDelayMs: number;
}

export interface JoinResult {
  /** The member this join replaced: an earlier member with the same instance id (static membership). */
  replaced: string | undefined;
}

/** The initial rebalance delay ends at the latest this many delays after the first member joined. */
export const INITIAL_REBALANCE_DELAY_CAP_FACTOR = 10;

export interface GroupStateStore {
  /**
   * Adds or renews a member; bumps the members version. A member with an `instanceId` that a live
   * member of the group already has takes that member's place: it inherits its assignment, the
   * other members' assignments stay valid (no rebalance unless the subscription differs), and the
   * earlier member is fenced (a disconnected one is simply removed).
   */
  join(group: string, member: Omit<MemberRecord, 'expiresAt' | 'disconnected' | 'fencedBy'>, options: JoinOptions): Promise<JoinResult>;
  /**
   * Renews the member and expires others past their session; undefined when this member is gone.
   * Throws a GatewayError FENCED_INSTANCE_ID when a newer member with its instance id replaced it.
   */
  heartbeat(group: string, memberId: string): Promise<GroupSnapshot | undefined>;
  /**
   * Stores an assignment if the members did not change since `expectedMembersVersion`, none was
   * stored for that version yet (one generation per rebalance, however many members computed it)
   * and the initial rebalance delay is over; the new generation, or undefined.
   */
  setAssignment(group: string, expectedMembersVersion: number, assignment: Assignment, topology: string): Promise<number | undefined>;
  /** Forces a new assignment (a subscribed topic's partition count changed). */
  invalidate(group: string): Promise<void>;
  /**
   * Takes partitions that are free or held by a member that is gone; returns the ones now held by
   * `memberId`. A fenced or disconnected member takes nothing.
   */
  claim(group: string, memberId: string, tpKeys: string[]): Promise<string[]>;
  /** Gives partitions up (only those `memberId` holds). */
  release(group: string, memberId: string, tpKeys: string[]): Promise<void>;
  /** Removes the member and releases everything it holds. */
  leave(group: string, memberId: string): Promise<void>;
  /**
   * A static member's connection went away without leaving the group: it releases what it holds
   * but stays a member, its assignment reserved for it, until one session timeout from now — unless
   * a member with its instance id takes its place first. No rebalance. A fenced member just leaves.
   */
  disconnect(group: string, memberId: string): Promise<void>;
  /**
   * Commits offsets atomically (all or none). With a member id, every partition must be held by
   * that member (a GatewayError 40903 otherwise); without, the group must have no live members.
   */
  commit(group: string, memberId: string | undefined, offsets: OffsetCommit[]): Promise<void>;
  committed(group: string): Promise<Record<string, CommittedOffset>>;
  describe(group: string): Promise<GroupSnapshot | undefined>;
  listGroups(): Promise<string[]>;
  /** Calls `listener(group)` whenever a group changes on any gateway. */
  onChange(listener: (group: string) => void): Promise<() => void>;
  close(): Promise<void>;
}

export { tpKey } from '../log/store.js';

export function parseTpKey(key: string): { topic: string; partition: number } {
  const at = key.lastIndexOf(':');
  return { topic: key.slice(0, at), partition: Number(key.slice(at + 1)) };
}
