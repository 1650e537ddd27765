import { ErrorCode, GatewayError, fencedInstance } from '../errors.js';
import type { Assignment } from './assignors.js';
import {
  INITIAL_REBALANCE_DELAY_CAP_FACTOR,
  type CommittedOffset,
  type GroupSnapshot,
  type GroupStateStore,
  type JoinOptions,
  type JoinResult,
  type MemberRecord,
  type OffsetCommit,
} from './group-state.js';

interface MemoryGroup {
  membersVersion: number;
  assignedVersion: number;
  generation: number;
  assignment: Assignment;
  topology: string;
  members: Map<string, MemberRecord>;
  owners: Map<string, string>;
  offsets: Map<string, CommittedOffset>;
  /** The initial rebalance delay: its length, when it ends, and the latest it may end. */
  delayMs: number;
  delayUntil: number;
  delayCap: number;
}

/** Consumer group state for the in-memory store: the same rules as the Redis scripts, in one process. */
export class MemoryGroupState implements GroupStateStore {
  private readonly groups = new Map<string, MemoryGroup>();
  private readonly listeners = new Set<(group: string) => void>();

  private group(id: string): MemoryGroup {
    let group = this.groups.get(id);
    if (!group) {
      group = {
        membersVersion: 0,
        assignedVersion: -1,
        generation: 0,
        assignment: {},
        topology: '',
        members: new Map(),
        owners: new Map(),
        offsets: new Map(),
        delayMs: 0,
        delayUntil: 0,
        delayCap: 0,
      };
      this.groups.set(id, group);
    }
    return group;
  }

  private changed(id: string): void {
    for (const listener of this.listeners) queueMicrotask(() => listener(id));
  }

  /** The member's session is running (a fenced member's too: what it holds stays protected). */
  private live(group: MemoryGroup, memberId: string): boolean {
    const member = group.members.get(memberId);
    return member !== undefined && member.expiresAt >= Date.now();
  }

  async join(id: string, member: Omit<MemberRecord, 'expiresAt' | 'disconnected' | 'fencedBy'>, options: JoinOptions): Promise<JoinResult> {
    const group = this.group(id);
    const now = Date.now();
    let others = 0;
    let replaced: MemberRecord | undefined;
    for (const [otherId, other] of group.members) {
      if (otherId === member.memberId || other.fencedBy !== undefined) continue;
      if (other.expiresAt < now) group.members.delete(otherId);
      else if (member.instanceId !== undefined && other.instanceId === member.instanceId) replaced = other;
      else others++;
    }
    let keepsAssignment = false;
    if (replaced) {
      if (replaced.disconnected) group.members.delete(replaced.memberId);
      else replaced.fencedBy = member.memberId;
      const inherited = group.assignment[replaced.memberId];
      delete group.assignment[replaced.memberId];
      if (inherited) group.assignment[member.memberId] = inherited;
      keepsAssignment = group.assignedVersion === group.membersVersion && sameSubscription(replaced, member);
    } else if (others === 0) {
      group.delayMs = options.initialRebalanceDelayMs;
      group.delayUntil = now + group.delayMs;
      group.delayCap = now + group.delayMs * INITIAL_REBALANCE_DELAY_CAP_FACTOR;
    } else if (now < group.delayUntil) {
      group.delayUntil = Math.min(now + group.delayMs, group.delayCap);
    }
    group.members.set(member.memberId, { ...member, expiresAt: now + member.sessionTimeoutMs });
    group.membersVersion++;
    if (keepsAssignment) group.assignedVersion = group.membersVersion;
    this.changed(id);
    return { replaced: replaced?.memberId };
  }

  async heartbeat(id: string, memberId: string): Promise<GroupSnapshot | undefined> {
    const group = this.group(id);
    const now = Date.now();
    let expired = false;
    for (const [otherId, member] of group.members) {
      if (otherId !== memberId && member.expiresAt < now) {
        group.members.delete(otherId);
        // A fenced member is no longer counted, so its expiry changes nothing.
        if (member.fencedBy === undefined) expired = true;
      }
    }
    const self = group.members.get(memberId);
    if (self?.fencedBy !== undefined) {
      if (self.expiresAt < now) group.members.delete(memberId);
    } else if (self && self.expiresAt >= now) self.expiresAt = now + self.sessionTimeoutMs;
    else if (self) {
      group.members.delete(memberId);
      expired = true;
    }
    if (expired) {
      group.membersVersion++;
      this.changed(id);
    }
    if (self?.fencedBy !== undefined) throw fencedInstance(id, self.instanceId ?? memberId);
    return self && group.members.has(memberId) ? this.snapshot(group) : undefined;
  }

  async setAssignment(id: string, expectedMembersVersion: number, assignment: Assignment, topology: string): Promise<number | undefined> {
    const group = this.group(id);
    if (group.membersVersion !== expectedMembersVersion || group.assignedVersion === expectedMembersVersion || Date.now() < group.delayUntil) return undefined;
    group.assignment = structuredClone(assignment);
    group.topology = topology;
    group.assignedVersion = expectedMembersVersion;
    group.generation++;
    this.changed(id);
    return group.generation;
  }

  async invalidate(id: string): Promise<void> {
    this.group(id).membersVersion++;
    this.changed(id);
  }

  async claim(id: string, memberId: string, tpKeys: string[]): Promise<string[]> {
    const group = this.group(id);
    const self = group.members.get(memberId);
    if (!this.live(group, memberId) || self?.fencedBy !== undefined || self?.disconnected) return [];
    const claimed: string[] = [];
    for (const key of tpKeys) {
      const owner = group.owners.get(key);
      if (owner === undefined || owner === memberId || !this.live(group, owner)) {
        group.owners.set(key, memberId);
        claimed.push(key);
      }
    }
    return claimed;
  }

  async release(id: string, memberId: string, tpKeys: string[]): Promise<void> {
    const group = this.group(id);
    for (const key of tpKeys) if (group.owners.get(key) === memberId) group.owners.delete(key);
    if (tpKeys.length > 0) this.changed(id);
  }

  async leave(id: string, memberId: string): Promise<void> {
    const group = this.group(id);
    const member = group.members.get(memberId);
    if (!member) return;
    group.members.delete(memberId);
    this.releaseAll(group, memberId);
    if (member.fencedBy === undefined) group.membersVersion++;
    this.changed(id);
  }

  async disconnect(id: string, memberId: string): Promise<void> {
    const group = this.group(id);
    const member = group.members.get(memberId);
    if (!member) return;
    if (member.fencedBy !== undefined) return this.leave(id, memberId);
    member.disconnected = true;
    member.expiresAt = Date.now() + member.sessionTimeoutMs;
    this.releaseAll(group, memberId);
    this.changed(id);
  }

  private releaseAll(group: MemoryGroup, memberId: string): void {
    for (const [key, owner] of [...group.owners]) if (owner === memberId) group.owners.delete(key);
  }

  async commit(id: string, memberId: string | undefined, offsets: OffsetCommit[]): Promise<void> {
    const group = this.group(id);
    for (const commit of offsets) {
      if (memberId !== undefined) {
        if (group.owners.get(commit.tpKey) !== memberId || !this.live(group, memberId)) throw notOwner(commit.tpKey);
      } else if ([...group.members.values()].some((m) => m.expiresAt >= Date.now())) {
        throw activeGroup(id);
      }
    }
    for (const commit of offsets) group.offsets.set(commit.tpKey, { offset: commit.offset, metadata: commit.metadata ?? '' });
  }

  async committed(id: string): Promise<Record<string, CommittedOffset>> {
    return Object.fromEntries(this.groups.get(id)?.offsets ?? []);
  }

  async describe(id: string): Promise<GroupSnapshot | undefined> {
    const group = this.groups.get(id);
    return group && this.snapshot(group);
  }

  async listGroups(): Promise<string[]> {
    return [...this.groups.keys()].sort();
  }

  async onChange(listener: (group: string) => void): Promise<() => void> {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {}

  private snapshot(group: MemoryGroup): GroupSnapshot {
    const now = Date.now();
    return {
      membersVersion: group.membersVersion,
      assignedVersion: group.assignedVersion,
      generation: group.generation,
      assignment: structuredClone(group.assignment),
      topology: group.topology,
      members: [...group.members.values()].filter((m) => m.expiresAt >= now && m.fencedBy === undefined).map((m) => ({ ...m })),
      owners: Object.fromEntries(group.owners),
      rebalanceDelayMs: Math.max(0, group.delayUntil - now),
    };
  }
}

/** Same topics and assignor: a static member that comes back with them keeps its assignment as it is. */
function sameSubscription(a: Pick<MemberRecord, 'topics' | 'assignor'>, b: Pick<MemberRecord, 'topics' | 'assignor'>): boolean {
  return a.assignor === b.assignor && [...a.topics].sort().join(',') === [...b.topics].sort().join(',');
}

export const notOwner = (key: string): GatewayError =>
  new GatewayError(ErrorCode.NOT_PARTITION_OWNER, `Partition ${key} is not assigned to this consumer (any more); its offset was not committed.`);

export const activeGroup = (group: string): GatewayError =>
  new GatewayError(ErrorCode.CONFLICT, `Consumer group '${group}' has active members; only they can commit its offsets.`);
