import { alreadyConsuming, notAGroupMember, notAssigned, offsetOutOfRange, subscriptionExclusive, type GatewayError } from '../errors.js';
import type { RecordFormat } from '../fetch/schema-decoding.js';
import type { GroupMember, MemberOptions } from '../groups/group-member.js';
import { tpKey } from '../groups/group-state.js';
import type { TopicPartition, TopicPartitionOffset } from '../log/store.js';
import type { Services } from '../services.js';
import { recordRenderer } from './delivered-record.js';
import { PartitionDelivery, type DeliverySink } from './partition-delivery.js';
import { startingOffset, type OffsetResetPolicy } from './start-offsets.js';

/** When a group member's offsets are committed (Kafka's three delivery semantics). */
export type DeliveryMode = 'at-least-once' | 'at-most-once' | 'auto-commit';

/** Where a partition starts: an offset, or the log's start or end. */
export type StartOffset = number | 'earliest' | 'latest';

/** What a consumer tells its client; the transport (WebSocket, SSE) renders each. */
export interface ConsumerEvents {
  /** Partitions now delivered, each with the offset it starts at: always before any record of them. */
  assigned(partitions: TopicPartitionOffset[], generation: number | undefined): void;
  /** Partitions no longer delivered (their records already handed to the sink). */
  revoked(partitions: TopicPartition[], generation: number): void;
  /** A partition or the membership failed in a way the client must hear about. */
  error(error: unknown): void;
  /** A newer member with this member's group instance id took its place: it stopped delivering and left (Kafka's FENCED_INSTANCE_ID). */
  fenced(error: GatewayError): void;
}

export interface ConsumerOptions {
  format: RecordFormat;
  /** Records delivered before the client grants more (flow control), shared by all partitions. */
  credit: number;
  /** Where a partition without a usable committed offset starts (and where one retention passed goes). */
  offsetReset: OffsetResetPolicy;
  delivery: DeliveryMode;
  /** How often an auto-committing member commits (it also commits when a partition moves and when it leaves). */
  autoCommitIntervalMs: number;
  /** A position the client already holds (an SSE resume token): a group member starts at the later of it and the commit. */
  resumeAt?(tp: TopicPartition): number | undefined;
}

export type GroupOptions = Omit<MemberOptions, 'group' | 'topics' | 'onAssigned' | 'onRevoked' | 'onError'>;

/**
 * One consumer, whatever carries it: a member of a consumer group (`subscribe`) or a reader of
 * chosen partitions (`assign`). It owns what every transport needs and must not get differently
 * wrong: which partitions it holds, where each starts (the committed offset, else
 * auto.offset.reset), what it may commit (only what it holds) and when (its delivery mode), and
 * the delivery of records to its sink under credit and the outbound budget. The WebSocket session
 * and the SSE stream are thin adapters over it.
 */
export class Consumer {
  readonly delivery: PartitionDelivery;
  private member: GroupMember | undefined;
  private group: string | undefined;
  private autoCommit: NodeJS.Timeout | undefined;
  private manual = false;
  private closed = false;

  constructor(
    private readonly services: Services,
    sink: DeliverySink,
    private readonly events: ConsumerEvents,
    private readonly options: ConsumerOptions,
  ) {
    const { format } = options;
    this.delivery = new PartitionDelivery(services.fetch, services.feeds, services.appends, sink, {
      credit: options.credit,
      offsetReset: options.offsetReset,
      format,
      renderer: (tp) => recordRenderer(tp.topic, tp.partition, format, services.registry),
      beforeSend:
        options.delivery === 'at-most-once'
          ? async (tp, next) => {
              // At most once: the position after a batch is committed before the batch goes out.
              if (this.group) await this.services.groups.commit(this.group, this.member, [{ ...tp, offset: next }]);
            }
          : undefined,
      onError: (_tp, error) => events.error(error),
    });
  }

  /** Reads chosen partitions without a group; a numeric offset outside the log is refused. */
  async assign(partitions: Array<TopicPartition & { offset?: StartOffset }>): Promise<TopicPartitionOffset[]> {
    if (this.group) throw subscriptionExclusive();
    const starts: TopicPartitionOffset[] = [];
    for (const p of partitions) {
      this.services.topics.assertPartition(await this.services.topics.lookup(p.topic), p.partition);
    }
    for (const p of partitions) starts.push({ topic: p.topic, partition: p.partition, offset: await this.resolve(p, p.offset ?? 'earliest') });
    this.manual = true;
    return this.start(starts, undefined);
  }

  /** Joins a consumer group: partitions come and go as the group rebalances, announced through the events. */
  async subscribe(group: string, topics: string[], options: GroupOptions = {}): Promise<void> {
    if (this.group || this.manual) throw alreadyConsuming();
    for (const topic of topics) await this.services.topics.lookup(topic);
    this.group = group;
    try {
      this.member = await this.services.groups.join({
        ...options,
        group,
        topics,
        onAssigned: (partitions, generation) => this.onAssigned(group, partitions, generation),
        onRevoked: (partitions, generation) => this.onRevoked(partitions, generation),
        onError: (error) => this.events.error(error),
        onFenced: (error) => this.events.fenced(error),
      });
    } catch (error) {
      this.group = undefined;
      throw error;
    }
    // The client went away while this member joined: close() found no member to take out, so it goes now.
    if (this.closed) return this.services.groups.disconnect(this.member);
    if (this.options.delivery === 'auto-commit') {
      this.autoCommit = setInterval(() => void this.commitPositions().catch((error: unknown) => this.events.error(error)), this.options.autoCommitIntervalMs);
    }
  }

  get isGroupMember(): boolean {
    return this.group !== undefined;
  }

  /** Commits the given offsets (each must be held), or everything delivered when none are given; returns what was committed. */
  async commit(offsets?: Array<TopicPartitionOffset & { metadata?: string }>): Promise<TopicPartitionOffset[]> {
    if (!this.group) throw notAGroupMember();
    if (!offsets) return this.commitPositions();
    for (const o of offsets) if (!this.member?.holds(o)) throw notAssigned(o);
    await this.services.groups.commit(this.group, this.member, offsets);
    return offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset }));
  }

  /** Moves a held partition to an offset (in the log), its start or end, or the first record at or after a time. */
  async seek(tp: TopicPartition, target: StartOffset | { timestamp: number }): Promise<void> {
    if (!this.delivery.has(tp)) throw notAssigned(tp);
    let offset: number;
    if (typeof target === 'object') {
      const found = await this.services.fetch.offsetForTimestamp(tp.topic, tp.partition, target.timestamp);
      offset = found?.offset ?? (await this.services.fetch.offsets(tp.topic, tp.partition)).nextOffset;
    } else offset = await this.resolve(tp, target);
    this.delivery.seek(tp, offset);
  }

  setPaused(partitions: TopicPartition[] | undefined, paused: boolean): void {
    this.delivery.setPaused(partitions, paused);
  }

  addCredit(records: number): void {
    this.delivery.addCredit(records);
  }

  /**
   * The client went away: stops delivering, and an auto-committing member commits what it
   * delivered — up to `undelivered`, the first record of a partition the transport had but could
   * no longer send. A static member (group instance id) keeps its place in the group for its
   * session timeout, so a reconnect gets its partitions back; any other member leaves.
   */
  async close(undelivered: TopicPartitionOffset[] = []): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.autoCommit);
    // Delivery stops first: records handed over after the transport went away never reach the
    // client, and an auto-committing member must not commit them as delivered.
    const positions = (await this.delivery.close()).map((p) => {
      const lost = undelivered.find((u) => u.topic === p.topic && u.partition === p.partition);
      return lost ? { ...p, offset: Math.min(p.offset, lost.offset) } : p;
    });
    if (this.options.delivery === 'auto-commit') await this.commitPositions(positions).catch((error: unknown) => this.events.error(error));
    if (this.member) await this.services.groups.disconnect(this.member);
  }

  private async onAssigned(group: string, partitions: TopicPartition[], generation: number): Promise<void> {
    const committed = await this.services.groups.committed(group);
    const starts: TopicPartitionOffset[] = [];
    for (const tp of partitions) {
      try {
        const log = await this.services.fetch.offsets(tp.topic, tp.partition);
        const stored = committed[tpKey(tp.topic, tp.partition)]?.offset;
        const resumed = this.options.resumeAt?.(tp);
        const from = resumed !== undefined && (stored === undefined || resumed > stored) ? resumed : stored;
        starts.push({ ...tp, offset: startingOffset(tp, from, log, this.options.offsetReset) });
      } catch (error) {
        // One partition that cannot start (auto.offset.reset none) does not hold up the others.
        this.events.error(error);
      }
    }
    await this.start(starts, generation);
  }

  private async onRevoked(partitions: TopicPartition[], generation: number): Promise<void> {
    const positions: TopicPartitionOffset[] = [];
    for (const tp of partitions) {
      const offset = await this.delivery.revoke(tp);
      if (offset !== undefined) positions.push({ ...tp, offset });
    }
    // The partition moves on: an auto-committing member hands over where it got to.
    if (this.options.delivery === 'auto-commit' && this.group && positions.length > 0) {
      await this.services.groups.commit(this.group, this.member, positions).catch((error: unknown) => this.events.error(error));
    }
    this.events.revoked(partitions, generation);
  }

  /** Starts partitions and announces them before any of their records can go out. */
  private start(starts: TopicPartitionOffset[], generation: number | undefined): Promise<TopicPartitionOffset[]> {
    return this.delivery.assigning(async () => {
      const started: TopicPartitionOffset[] = [];
      for (const s of starts) {
        const offset = this.delivery.assign(s, s.offset);
        if (offset !== undefined) started.push({ topic: s.topic, partition: s.partition, offset });
      }
      this.events.assigned(started, generation);
      return started;
    });
  }

  private async commitPositions(delivered = this.delivery.positions()): Promise<TopicPartitionOffset[]> {
    const member = this.member;
    if (!this.group || !member) return [];
    const positions = delivered.filter((p) => member.holds(p));
    if (positions.length > 0) await this.services.groups.commit(this.group, member, positions);
    return positions;
  }

  private async resolve(tp: TopicPartition, start: StartOffset): Promise<number> {
    const log = await this.services.fetch.offsets(tp.topic, tp.partition);
    if (start === 'earliest') return log.logStartOffset;
    if (start === 'latest') return log.nextOffset;
    if (start < log.logStartOffset || start > log.nextOffset) throw offsetOutOfRange(tp, start, log);
    return start;
  }
}
