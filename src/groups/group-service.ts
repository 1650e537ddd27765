import type { FetchService } from '../fetch/fetch-service.js';
import type { TopicService } from '../topics/topic-service.js';
import type { TopicPartition } from './assignors.js';
import { parseTpKey, tpKey, type CommittedOffset, type GroupSnapshot, type GroupStateStore } from './group-state.js';
import { GroupMember, type MemberOptions } from './group-member.js';

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
  ) {}

  async start(): Promise<void> {
    this.stopListening = await this.state.onChange((group) => {
      for (const member of this.members.get(group) ?? []) void member.poke();
    });
  }

  /** Joins a group; the member's callbacks start and stop delivery as partitions come and go. */
  async join(options: MemberOptions): Promise<GroupMember> {
    for (const topic of options.topics) await this.topics.lookup(topic);
    const member = new GroupMember(this.state, this.topics, options);
    let local = this.members.get(options.group);
    if (!local) this.members.set(options.group, (local = new Set()));
    local.add(member);
    await member.start();
    return member;
  }

  async leave(member: GroupMember): Promise<void> {
    this.members.get(member.group)?.delete(member);
    await member.leave();
  }

  async committed(group: string): Promise<Record<string, CommittedOffset>> {
    return this.state.committed(group);
  }

  async committedOffset(group: string, tp: TopicPartition): Promise<number | undefined> {
    return (await this.state.committed(group))[tpKey(tp.topic, tp.partition)]?.offset;
  }

  async commit(group: string, member: GroupMember | undefined, offsets: Array<TopicPartition & { offset: number; metadata?: string }>): Promise<void> {
    await this.state.commit(group, member?.memberId, offsets.map((o) => ({ tpKey: tpKey(o.topic, o.partition), offset: o.offset, metadata: o.metadata })));
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
    const ends = await Promise.all(tps.map((tp) => this.fetch.offsets(tp.topic, tp.partition).then((o) => o.nextOffset, () => undefined)));
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
    await Promise.all(all.map((member) => member.leave().catch(() => undefined)));
    this.members.clear();
    await this.state.close();
  }
}
