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
  topics: string[];
  assignor: AssignorName;
  sessionTimeoutMs: number;
  /** Epoch ms at which the member is gone unless it heartbeats. */
  expiresAt: number;
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
  members: MemberRecord[];
  /** tpKey → id of the member that holds (delivers) the partition. */
  owners: Record<string, string>;
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

export interface GroupStateStore {
  /** Adds or renews a member; bumps the members version. */
  join(group: string, member: Omit<MemberRecord, 'expiresAt'>): Promise<void>;
  /** Renews the member and expires others past their session; undefined when this member is gone. */
  heartbeat(group: string, memberId: string): Promise<GroupSnapshot | undefined>;
  /** Stores an assignment if the members did not change since `expectedMembersVersion`; the new generation, or undefined. */
  setAssignment(group: string, expectedMembersVersion: number, assignment: Assignment, topology: string): Promise<number | undefined>;
  /** Forces a new assignment (a subscribed topic's partition count changed). */
  invalidate(group: string): Promise<void>;
  /** Takes partitions that are free or held by a member that is gone; returns the ones now held by `memberId`. */
  claim(group: string, memberId: string, tpKeys: string[]): Promise<string[]>;
  /** Gives partitions up (only those `memberId` holds). */
  release(group: string, memberId: string, tpKeys: string[]): Promise<void>;
  /** Removes the member and releases everything it holds. */
  leave(group: string, memberId: string): Promise<void>;
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

export const tpKey = (topic: string, partition: number): string => `${topic}:${partition}`;

export function parseTpKey(key: string): { topic: string; partition: number } {
  const at = key.lastIndexOf(':');
  return { topic: key.slice(0, at), partition: Number(key.slice(at + 1)) };
}
