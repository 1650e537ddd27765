import { invalidInput } from '../errors.js';
import type { FetchService } from '../fetch/fetch-service.js';
import type { TopicService } from '../topics/topic-service.js';
import type { TopicPartition } from './assignors.js';
import { parseTpKey, tpKey, type CommittedOffset, type GroupSnapshot, type GroupStateStore } from './group-state.js';
import { DEFAULT_INITIAL_REBALANCE_DELAY_MS, GroupMember, type MemberOptions } from './group-member.js';

export interface GroupServiceOptions {
  /** The initial rebalance delay of groups whose first member does not choose one (`GROUP_INITIAL_REBALANCE_DELAY_MS`; default 3000 ms, like Kafka). */
  initialRebalanceDelayMs?: number;
}

/** Kafka's rule for `group.instance.id`: the legal characters and length of a topic name. */
const INSTANCE_ID = /^[a-zA-Z0-9._-]{1,249}$/;
/** The longest initial rebalance delay a member may ask for (Kafka's default rebalance timeout). */
const MAX_INITIAL_REBALANCE_DELAY_MS = 300_000;

export interface PartitionLag extends TopicPartition {
  /** The group's committed offset, or undefined when it never committed this partition. */
  committedOffset: number | undefined;
  logEndOffset: number;
  lag: number;
  memberId: string | undefined;
}

/**
 * Consumer groups (no HTTP): members, committed offsets and lag. Members of one group may live on
 * different gateways; every change is announced so each gateway's members react at once.
 */
export class GroupService {
  private readonly members = new Map<string, Set<GroupMember>>();
  private stopListening: (() => void) | undefined;

  constructor(
    readonly state: GroupStateStore,
    private readonly topics: TopicService,
    private readonly fetch: FetchService,
    private readonly defaults: GroupServiceOptions = {},
  ) {}

  async start(): Promise<void> {
    this.stopListening = await this.state.onChange((group) => {
      for (const member of this.members.get(group) ?? []) void member.poke();
    });
  }

  /**
   * Joins a group; the member's callbacks start and stop delivery as partitions come and go.
   * A bad `groupInstanceId` or `initialRebalanceDelayMs` is a 40002 and joins nothing.
   */
  async join(options: MemberOptions): Promise<GroupMember> {
    validate(options);
    for (const topic of options.topics) await this.topics.lookup(topic);
    let local = this.members.get(options.group);
    if (!local) this.members.set(options.group, (local = new Set()));
    const joined = local;
    const member: GroupMember = new GroupMember(this.state, this.topics, {
      ...options,
      initialRebalanceDelayMs: options.initialRebalanceDelayMs ?? this.defaults.initialRebalanceDelayMs ?? DEFAULT_INITIAL_REBALANCE_DELAY_MS,
      onFenced: (error) => {
        joined.delete(member);
        (options.onFenced ?? options.onError)?.(error);
      },
    });
    local.add(member);
    await member.start();
    return member;
  }

  /** Leaves the group (an unsubscribe, a deleted consumer): the others rebalance, a static member too. */
  async leave(member: GroupMember): Promise<void> {
    this.members.get(member.group)?.delete(member);
    await member.leave();
  }

  /**
   * The member's connection went away without it leaving (a transport drop, a gateway shutting
   * down). A static member (`groupInstanceId`) stops delivering but stays in the group for one
   * session timeout, its partitions reserved for a reconnect with the same instance id, on any
   * gateway; a dynamic member leaves.
   */
  async disconnect(member: GroupMember): Promise<void> {
    this.members.get(member.group)?.delete(member);
    await member.disconnect();
  }

  async committed(group: string): Promise<Record<string, CommittedOffset>> {
    return this.state.committed(group);
  }

  async committedOffset(group: string, tp: TopicPartition): Promise<number | undefined> {
    return (await this.state.committed(group))[tpKey(tp.topic, tp.partition)]?.offset;
  }

  async commit(group: string, member: GroupMember | undefined, offsets: Array<TopicPartition & { offset: number; metadata?: string }>): Promise<void> {
    await this.commitAs(group, member?.memberId, offsets);
  }

  /** Commits as the member with this id, wherever it runs (a v2 instance's member may live on another gateway); undefined: as no member. */
  async commitAs(group: string, memberId: string | undefined, offsets: Array<TopicPartition & { offset: number; metadata?: string }>): Promise<void> {
    await this.state.commit(
      group,
      memberId,
      offsets.map((o) => ({ tpKey: tpKey(o.topic, o.partition), offset: o.offset, metadata: o.metadata })),
    );
  }

  async describe(group: string): Promise<GroupSnapshot | undefined> {
    return this.state.describe(group);
  }

  async list(): Promise<string[]> {
    return this.state.listGroups();
  }

  /**
   * The group as described (undefined when it has no state) and the lag of every partition it has
   * committed or holds (log end offset − committed offset), both from one read of the group.
   */
  async lagReport(group: string): Promise<{ snapshot: GroupSnapshot | undefined; lags: PartitionLag[] }> {
    const [committed, snapshot] = await Promise.all([this.state.committed(group), this.state.describe(group)]);
    const keys = new Set([...Object.keys(committed), ...Object.keys(snapshot?.owners ?? {})]);
    for (const tps of Object.values(snapshot?.assignment ?? {})) for (const tp of tps) keys.add(tpKey(tp.topic, tp.partition));
    // Every partition's end offset at once (the requests in flight together), kept in key order.
    const sorted = [...keys].sort();
    const tps = sorted.map(parseTpKey);
    const ends = await Promise.all(
      tps.map((tp) =>
        this.fetch.offsets(tp.topic, tp.partition).then(
          (o) => o.nextOffset,
          () => undefined,
        ),
      ),
    );
    const lags: PartitionLag[] = [];
    sorted.forEach((key, i) => {
      const end = ends[i];
      if (end === undefined) return;
      const offset = committed[key]?.offset;
      lags.push({ ...tps[i], committedOffset: offset, logEndOffset: end, lag: Math.max(0, end - (offset ?? 0)), memberId: snapshot?.owners[key] });
    });
    return { snapshot, lags };
  }

  async close(): Promise<void> {
    this.stopListening?.();
    const all = [...this.members.values()].flatMap((set) => [...set]);
    // Like a Kafka consumer closing: static members keep their place for a session, so a gateway's
    // restart moves no partitions of the members that reconnect in time.
    await Promise.all(all.map((member) => member.disconnect().catch(() => undefined)));
    this.members.clear();
    await this.state.close();
  }
}

export const isGroupInstanceId = (id: string): boolean => INSTANCE_ID.test(id) && id !== '.' && id !== '..';

function validate(options: MemberOptions): void {
  const instanceId = options.groupInstanceId;
  if (instanceId !== undefined && !isGroupInstanceId(instanceId)) {
    throw invalidInput(`Group instance id '${instanceId}' is illegal: use 1-249 characters of [a-zA-Z0-9._-], not '.' or '..'.`);
  }
  const delay = options.initialRebalanceDelayMs;
  if (delay !== undefined && (!Number.isInteger(delay) || delay < 0 || delay > MAX_INITIAL_REBALANCE_DELAY_MS)) {
    throw invalidInput(`Initial rebalance delay must be an integer from 0 to ${MAX_INITIAL_REBALANCE_DELAY_MS} ms, got ${delay}.`);
  }
}
