import { randomUUID } from 'node:crypto';
import { ErrorCode, GatewayError } from '../errors.js';
import { compilePattern, type LinearPattern } from '../patterns.js';
import type { FetchService } from '../fetch/fetch-service.js';
import { recordSize } from '../log/record-size.js';
import type { AppendNotifier } from '../fetch/append-notifier.js';
import { decodeRecord, type DecodedRecord, type RecordFormat } from '../fetch/schema-decoding.js';
import type { RegistryService } from '../registry/registry-service.js';
import type { TopicService } from '../topics/topic-service.js';
import type { TopicPartition } from './assignors.js';
import type { GroupMember } from './group-member.js';
import type { GroupService } from './group-service.js';
import { tpKey } from './group-state.js';

export type OffsetReset = 'earliest' | 'latest' | 'none';

export interface InstanceConfig {
  format: RecordFormat;
  offsetReset: OffsetReset;
  /** Commit the positions returned by each `records` call, right after it (Confluent's auto.commit.enable). */
  autoCommit: boolean;
  requestTimeoutMs: number;
}

export interface PolledRecord extends DecodedRecord {
  topic: string;
  partition: number;
  offset: number;
}

/**
 * A Confluent v2 consumer instance: lives in the gateway that created it (as in Confluent REST
 * Proxy), is a group member while subscribed, keeps its own positions, and is closed — leaving
 * its group, so its partitions are reassigned — when idle past the instance timeout.
 */
export class ConsumerInstance {
  member: GroupMember | undefined;
  topics: string[] = [];
  pattern: string | undefined;
  manual: TopicPartition[] | undefined;
  readonly positions = new Map<string, number>();
  lastUsed = Date.now();
  /** Aborts a long poll so a revocation does not wait for it. */
  polling: AbortController | undefined;
  private lock: Promise<void> = Promise.resolve();

  constructor(
    readonly group: string,
    readonly id: string,
    readonly config: InstanceConfig,
  ) {}

  /** The partitions this instance reads now. */
  held(): TopicPartition[] {
    return this.manual ?? this.member?.assignment() ?? [];
  }

  /** Runs `work` alone: a poll and a rebalance of this instance never interleave. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.lock.then(work, work);
    this.lock = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }
}

const notFound = (group: string, id: string) => new GatewayError(ErrorCode.CONSUMER_INSTANCE_NOT_FOUND, `Consumer instance ${id} not found in group ${group}.`);
const MAX_POLL_RECORDS = 500;

export class ConsumerInstances {
  private readonly instances = new Map<string, ConsumerInstance>();
  private readonly reaper: NodeJS.Timeout;

  constructor(
    private readonly groups: GroupService,
    private readonly topics: TopicService,
    private readonly fetch: FetchService,
    private readonly appends: AppendNotifier,
    private readonly registry: RegistryService,
    private readonly idleTimeoutMs: number,
  ) {
    this.reaper = setInterval(() => void this.reapIdle(), Math.min(5000, Math.max(100, idleTimeoutMs / 4)));
    this.reaper.unref();
  }

  create(group: string, name: string | undefined, config: InstanceConfig): ConsumerInstance {
    const id = name ?? `rest-consumer-${randomUUID()}`;
    const key = `${group}\u0000${id}`;
    if (this.instances.has(key)) throw new GatewayError(ErrorCode.CONSUMER_ALREADY_EXISTS, `Consumer with specified consumer ID ${id} already exists in group ${group}.`);
    const instance = new ConsumerInstance(group, id, config);
    this.instances.set(key, instance);
    return instance;
  }

  get(group: string, id: string): ConsumerInstance {
    const instance = this.instances.get(`${group}\u0000${id}`);
    if (!instance) throw notFound(group, id);
    instance.lastUsed = Date.now();
    return instance;
  }

  async delete(group: string, id: string): Promise<void> {
    const instance = this.get(group, id);
    this.instances.delete(`${group}\u0000${id}`);
    await this.unsubscribe(instance);
  }

  async subscribe(instance: ConsumerInstance, topics: string[] | undefined, pattern: string | undefined): Promise<void> {
    if (instance.manual) throw new GatewayError(ErrorCode.CONSUMER_ALREADY_SUBSCRIBED, 'Subscription to topics, partitions and pattern are mutually exclusive.');
    let names = topics ?? [];
    if (pattern !== undefined) {
      let regex: LinearPattern;
      try {
        regex = compilePattern(`^(?:${pattern})$`);
      } catch (error) {
        throw new GatewayError(ErrorCode.UNPROCESSABLE, `topic_pattern is not a valid regular expression: ${(error as Error).message}`);
      }
      names = (await this.topics.list()).map((t) => t.name).filter((name) => regex.test(name));
    }
    for (const name of names) await this.topics.lookup(name);
    await this.unsubscribe(instance);
    instance.topics = names;
    instance.pattern = pattern;
    if (names.length === 0) return;
    instance.member = await this.groups.join({
      group: instance.group,
      topics: names,
      clientId: instance.id,
      onAssigned: (partitions) => instance.exclusive(() => this.start(instance, partitions)),
      onRevoked: async (partitions) => {
        instance.polling?.abort();
        await instance.exclusive(async () => {
          if (instance.config.autoCommit) await this.commitPositions(instance, partitions).catch(() => undefined);
          for (const tp of partitions) instance.positions.delete(tpKey(tp.topic, tp.partition));
        });
      },
    });
  }

  async unsubscribe(instance: ConsumerInstance): Promise<void> {
    const member = instance.member;
    instance.member = undefined;
    instance.topics = [];
    instance.pattern = undefined;
    instance.manual = undefined;
    if (member) await this.groups.leave(member);
    instance.positions.clear();
  }

  async assign(instance: ConsumerInstance, partitions: TopicPartition[]): Promise<void> {
    if (instance.member) throw new GatewayError(ErrorCode.CONSUMER_ALREADY_SUBSCRIBED, 'Subscription to topics, partitions and pattern are mutually exclusive.');
    for (const tp of partitions) this.topics.assertPartition(await this.topics.lookup(tp.topic), tp.partition);
    instance.manual = partitions;
    instance.positions.clear();
    await this.start(instance, partitions);
  }

  /** Commits the given offsets, or (none given) the positions of everything held. */
  async commit(instance: ConsumerInstance, offsets: Array<TopicPartition & { offset: number; metadata?: string }> | undefined): Promise<void> {
    if (!offsets) return this.commitPositions(instance, instance.held());
    await this.groups.commit(instance.group, instance.member, offsets);
  }

  async committed(instance: ConsumerInstance, partitions: TopicPartition[]): Promise<Array<TopicPartition & { offset: number; metadata: string }>> {
    const committed = await this.groups.committed(instance.group);
    return partitions.map((tp) => {
      const entry = committed[tpKey(tp.topic, tp.partition)];
      return { ...tp, offset: entry?.offset ?? -1, metadata: entry?.metadata ?? '' };
    });
  }

  async seek(instance: ConsumerInstance, targets: Array<TopicPartition & { offset: number | 'beginning' | 'end' }>): Promise<void> {
    await instance.exclusive(async () => {
      for (const target of targets) {
        const key = tpKey(target.topic, target.partition);
        if (!instance.positions.has(key)) throw new GatewayError(ErrorCode.ILLEGAL_STATE, `Partition ${target.partition} of topic '${target.topic}' is not assigned to this consumer.`);
        const { logStartOffset, nextOffset } = await this.fetch.offsets(target.topic, target.partition);
        const offset = target.offset === 'beginning' ? logStartOffset : target.offset === 'end' ? nextOffset : target.offset;
        if (offset < logStartOffset || offset > nextOffset) {
          throw new GatewayError(ErrorCode.OFFSET_OUT_OF_RANGE, `Offset ${offset} is out of range for partition ${target.partition} of topic '${target.topic}' (log holds ${logStartOffset} to ${nextOffset - 1}).`);
        }
        instance.positions.set(key, offset);
      }
    });
  }

  /** Long poll: returns as soon as records arrive (up to `maxBytes`), or empty after `timeoutMs`. */
  async records(instance: ConsumerInstance, timeoutMs: number, maxBytes: number): Promise<PolledRecord[]> {
    if (!instance.member && !instance.manual) throw new GatewayError(ErrorCode.ILLEGAL_STATE, 'Consumer is not subscribed to any topics or assigned any partitions.');
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const records = await instance.exclusive(() => this.readOnce(instance, maxBytes));
      const left = deadline - Date.now();
      if (records.length > 0 || left <= 0) {
        if (records.length > 0 && instance.config.autoCommit) await this.commitPositions(instance, instance.held()).catch(() => undefined);
        return records;
      }
      instance.polling = new AbortController();
      const signal = instance.polling.signal;
      const held = instance.held().filter((tp) => instance.positions.has(tpKey(tp.topic, tp.partition)));
      const waits = held.map((tp) => this.appends.waitForRecords(tp.topic, tp.partition, instance.positions.get(tpKey(tp.topic, tp.partition)) ?? 0, left, signal));
      await (waits.length > 0 ? Promise.race(waits) : new Promise((resolve) => setTimeout(resolve, Math.min(left, 200))));
      instance.polling.abort();
      instance.polling = undefined;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.reaper);
    for (const instance of [...this.instances.values()]) await this.delete(instance.group, instance.id).catch(() => undefined);
  }

  private async readOnce(instance: ConsumerInstance, maxBytes: number): Promise<PolledRecord[]> {
    const out: PolledRecord[] = [];
    let budget = maxBytes;
    for (const tp of instance.held()) {
      const key = tpKey(tp.topic, tp.partition);
      const offset = instance.positions.get(key);
      if (offset === undefined || budget <= 0) continue;
      let result;
      try {
        result = await this.fetch.read(tp.topic, tp.partition, { offset, maxRecords: MAX_POLL_RECORDS, maxBytes: Math.max(1, budget) });
      } catch (error) {
        if (error instanceof GatewayError && error.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
          instance.positions.set(key, await this.resetPosition(instance, tp));
          continue;
        }
        throw error;
      }
      for (const record of result.records) {
        budget -= recordSize(record);
        out.push({ topic: tp.topic, partition: tp.partition, offset: record.offset, ...(await decodeRecord(record, instance.config.format, this.registry)) });
      }
      if (result.records.length > 0) instance.positions.set(key, result.records[result.records.length - 1].offset + 1);
    }
    return out;
  }

  private async start(instance: ConsumerInstance, partitions: TopicPartition[]): Promise<void> {
    const committed = await this.groups.committed(instance.group);
    for (const tp of partitions) {
      const stored = committed[tpKey(tp.topic, tp.partition)]?.offset;
      const { logStartOffset, nextOffset } = await this.fetch.offsets(tp.topic, tp.partition);
      const position = stored !== undefined && stored >= logStartOffset && stored <= nextOffset ? stored : await this.resetPosition(instance, tp);
      instance.positions.set(tpKey(tp.topic, tp.partition), position);
    }
  }

  private async resetPosition(instance: ConsumerInstance, tp: TopicPartition): Promise<number> {
    const { logStartOffset, nextOffset } = await this.fetch.offsets(tp.topic, tp.partition);
    if (instance.config.offsetReset === 'none') {
      throw new GatewayError(ErrorCode.NO_OFFSET_FOR_PARTITION, `No valid committed offset for partition ${tp.partition} of topic '${tp.topic}' and auto.offset.reset is none.`);
    }
    return instance.config.offsetReset === 'earliest' ? logStartOffset : nextOffset;
  }

  private async commitPositions(instance: ConsumerInstance, partitions: TopicPartition[]): Promise<void> {
    const offsets = partitions.flatMap((tp) => {
      const offset = instance.positions.get(tpKey(tp.topic, tp.partition));
      return offset === undefined ? [] : [{ ...tp, offset }];
    });
    await this.groups.commit(instance.group, instance.member, offsets);
  }

  private async reapIdle(): Promise<void> {
    const now = Date.now();
    for (const instance of [...this.instances.values()]) {
      if (now - instance.lastUsed > this.idleTimeoutMs && !instance.polling) await this.delete(instance.group, instance.id).catch(() => undefined);
    }
  }
}
