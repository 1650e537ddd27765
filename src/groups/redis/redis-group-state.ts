import { ErrorCode, GatewayError, backendUnavailable, fencedInstance } from '../../errors.js';
import { ChannelListeners, type RedisConnection } from '../../redis/connection.js';
import { loadScripts, type Script, type ScriptSpec } from '../../redis/scripts.js';
import type { Assignment } from '../assignors.js';
import {
  INITIAL_REBALANCE_DELAY_CAP_FACTOR,
  type CommittedOffset,
  type GroupSnapshot,
  type GroupStateStore,
  type JoinOptions,
  type JoinResult,
  type MemberRecord,
  type OffsetCommit,
} from '../group-state.js';
import { activeGroup, notOwner } from '../memory-group-state.js';
import { GroupKeys } from './keys.js';

const SCRIPTS = ['join', 'heartbeat', 'set-assignment', 'claim', 'release', 'leave', 'disconnect', 'commit'] as const;
type ScriptName = (typeof SCRIPTS)[number];

/** The gateway's error for a failed group command (`group` names a fenced member's group). */
function groupError(error: unknown, group = ''): GatewayError {
  if (error instanceof GatewayError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const fenced = /FENCED (\S*)/.exec(message);
  if (fenced) return fencedInstance(group, fenced[1]);
  const owner = /NOT_OWNER (\S*)/.exec(message);
  if (owner) return notOwner(owner[1]);
  if (error instanceof Error && error.name === 'ReplyError')
    return new GatewayError(ErrorCode.BACKEND_ERROR, `Redis refused a group command: ${message}`, { cause: error });
  return backendUnavailable(message, error);
}

/** Consumer group state in Redis: one Lua script per change, every key of a group in one slot. */
export class RedisGroupState implements GroupStateStore {
  private readonly keys: GroupKeys;
  private readonly scripts: Record<ScriptName, Script<unknown>>;
  /** Group changes announced by every gateway, one subscribed connection for this gateway's listeners. */
  private readonly changes: ChannelListeners<string>;

  constructor(
    private readonly redis: RedisConnection,
    prefix: string,
  ) {
    this.keys = new GroupKeys(prefix);
    this.changes = new ChannelListeners(redis, this.keys.events(), (group) => [group]);
    // Every group script takes the group's four keys (one slot) and answers as its caller expects.
    this.scripts = loadScripts<Record<ScriptName, unknown>>(
      redis,
      new URL('./scripts/', import.meta.url),
      Object.fromEntries(SCRIPTS.map((name) => [name, { file: name, keys: 4 }])) as Record<ScriptName, ScriptSpec>,
    );
  }

  private async run<T>(name: ScriptName, group: string, ...args: Array<string | number>): Promise<T> {
    try {
      return (await this.scripts[name](this.keys.groupKeys(group), ...args)) as T;
    } catch (error) {
      throw groupError(error, group);
    }
  }

  async join(group: string, member: Omit<MemberRecord, 'expiresAt' | 'disconnected' | 'fencedBy'>, options: JoinOptions): Promise<JoinResult> {
    const replaced = await this.run<string | null>(
      'join',
      group,
      member.memberId,
      JSON.stringify(member),
      member.sessionTimeoutMs,
      this.keys.events(),
      group,
      options.initialRebalanceDelayMs,
      INITIAL_REBALANCE_DELAY_CAP_FACTOR,
    );
    try {
      await this.redis.sadd(this.keys.groups(), group);
    } catch (error) {
      throw groupError(error);
    }
    return { replaced: replaced ?? undefined };
  }

  async heartbeat(group: string, memberId: string): Promise<GroupSnapshot | undefined> {
    const raw = await this.run<string | null>('heartbeat', group, memberId, this.keys.events(), group);
    return raw ? parseSnapshot(raw) : undefined;
  }

  async setAssignment(group: string, expectedMembersVersion: number, assignment: Assignment, topology: string): Promise<number | undefined> {
    const generation = await this.run<number>('set-assignment', group, expectedMembersVersion, JSON.stringify(assignment), topology, this.keys.events(), group);
    return generation < 0 ? undefined : generation;
  }

  async invalidate(group: string): Promise<void> {
    try {
      await this.redis.hincrby(this.keys.meta(group), 'mv', 1);
      await this.redis.publish(this.keys.events(), group);
    } catch (error) {
      throw groupError(error);
    }
  }

  async claim(group: string, memberId: string, tpKeys: string[]): Promise<string[]> {
    if (tpKeys.length === 0) return [];
    return this.run<string[]>('claim', group, memberId, ...tpKeys);
  }

  async release(group: string, memberId: string, tpKeys: string[]): Promise<void> {
    if (tpKeys.length === 0) return;
    await this.run('release', group, memberId, this.keys.events(), group, ...tpKeys);
  }

  async leave(group: string, memberId: string): Promise<void> {
    await this.run('leave', group, memberId, this.keys.events(), group);
  }

  async disconnect(group: string, memberId: string): Promise<void> {
    await this.run('disconnect', group, memberId, this.keys.events(), group);
  }

  async commit(group: string, memberId: string | undefined, offsets: OffsetCommit[]): Promise<void> {
    if (offsets.length === 0) return;
    try {
      await this.run('commit', group, memberId ?? '', ...offsets.flatMap((o) => [o.tpKey, o.offset, o.metadata ?? '']));
    } catch (error) {
      if (error instanceof GatewayError && /ACTIVE_GROUP/.test(String((error.cause as Error | undefined)?.message ?? error.message))) throw activeGroup(group);
      throw error;
    }
    try {
      await this.redis.sadd(this.keys.groups(), group);
    } catch (error) {
      throw groupError(error);
    }
  }

  async committed(group: string): Promise<Record<string, CommittedOffset>> {
    try {
      const raw = await this.redis.hgetall(this.keys.offsets(group));
      return Object.fromEntries(Object.entries(raw).map(([key, json]) => [key, JSON.parse(json) as CommittedOffset]));
    } catch (error) {
      throw groupError(error);
    }
  }

  async describe(group: string): Promise<GroupSnapshot | undefined> {
    try {
      const [meta, members, owners, now] = await Promise.all([
        this.redis.hgetall(this.keys.meta(group)),
        this.redis.hgetall(this.keys.members(group)),
        this.redis.hgetall(this.keys.owners(group)),
        this.redis.time().then(([seconds, micros]) => Number(seconds) * 1000 + Math.floor(Number(micros) / 1000)),
      ]);
      if (Object.keys(meta).length === 0 && Object.keys(members).length === 0) {
        return (await this.redis.exists(this.keys.offsets(group))) ? emptySnapshot() : undefined;
      }
      return {
        membersVersion: Number(meta.mv ?? 0),
        assignedVersion: Number(meta.av ?? -1),
        generation: Number(meta.gen ?? 0),
        assignment: parseAssignment(meta.assignment ?? '{}'),
        topology: meta.topology ?? '',
        members: Object.values(members)
          .map((json) => JSON.parse(json) as MemberRecord)
          .filter((m) => m.expiresAt >= now && m.fencedBy === undefined),
        owners,
        rebalanceDelayMs: Math.max(0, Number(meta.delayUntil ?? 0) - now),
      };
    } catch (error) {
      throw groupError(error);
    }
  }

  async listGroups(): Promise<string[]> {
    try {
      return (await this.redis.smembers(this.keys.groups())).sort();
    } catch (error) {
      throw groupError(error);
    }
  }

  async onChange(listener: (group: string) => void): Promise<() => void> {
    try {
      return await this.changes.listen(listener);
    } catch (error) {
      throw groupError(error);
    }
  }

  async close(): Promise<void> {
    this.changes.close();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

function emptySnapshot(): GroupSnapshot {
  return { membersVersion: 0, assignedVersion: -1, generation: 0, assignment: {}, topology: '', members: [], owners: {}, rebalanceDelayMs: 0 };
}

/** An assignment rewritten by a script comes back with cjson's `{}` for each empty partition list. */
function parseAssignment(json: string): Assignment {
  const parsed = JSON.parse(json) as Record<string, Assignment[string] | Record<string, never>>;
  return Object.fromEntries(Object.entries(parsed).map(([member, tps]) => [member, Array.isArray(tps) ? tps : []]));
}

function parseSnapshot(raw: string): GroupSnapshot {
  const parsed = JSON.parse(raw) as Omit<GroupSnapshot, 'assignment'> & {
    assignment: string;
    members: MemberRecord[] | Record<string, never>;
    owners: Record<string, string> | unknown[];
  };
  return {
    membersVersion: parsed.membersVersion,
    assignedVersion: parsed.assignedVersion,
    generation: parsed.generation,
    assignment: parseAssignment(parsed.assignment),
    topology: parsed.topology,
    // cjson encodes an empty table as {}: an empty member list or owner map.
    members: Array.isArray(parsed.members) ? parsed.members : [],
    owners: Array.isArray(parsed.owners) ? {} : parsed.owners,
    rebalanceDelayMs: parsed.rebalanceDelayMs,
  };
}
