import { randomUUID } from 'node:crypto';
import { Cluster } from 'ioredis';
import type { Config } from '../../config.js';
import type { Durability } from '../durability.js';
import type {
  AppendListener,
  AppendOptions,
  AppendRecord,
  AppendResult,
  CompactionState,
  CompactOptions,
  CompactResult,
  LatestPage,
  LogRecord,
  PartitionBatch,
  LogStore,
  PartitionOffsets,
  PartitionStats,
  ReadOptions,
  TopicMetadata,
  TrimLimits,
  TrimResult,
} from '../store.js';
import { ChannelListeners, openRedis, type RedisConnection } from '../../redis/connection.js';
import { loadScripts, type Script } from '../../redis/scripts.js';
import { TickPipeline } from '../../redis/tick-pipeline.js';
import { LogKeys } from './keys.js';
import { recordSize } from '../record-size.js';
import { trimInSteps } from '../trim-steps.js';
import { assertAppendOnly, assertNoEviction, readDurability } from './persistence.js';
import { packRecords } from './record-codec.js';
import { RecordCompression } from './record-compression.js';
import { appendError, isNewPartition, storeError } from './store-errors.js';
import { StoreMarker, type StoreLog } from './store-marker.js';
import { RedisCompaction, type CompactReply } from './compaction.js';
import { StreamEntries, type StreamEntry } from './stream-entries.js';

/** The log's Lua scripts and their replies. */
interface LogScripts extends Record<string, unknown> {
  /** append.lua for any number of partitions (5 keys per partition), in one call on a single node. */
  append: number[];
  /** append.lua for one partition: 5 keys, the form Redis Cluster routes by slot. */
  appendPartition: number[];
  /** trim-head.lua: [log start offset, removed records, removed bytes, 1 when a budget stopped it]. */
  trimHead: [number, number, number, number];
  compact: CompactReply;
}

/** How long a partition stays "watched" after a gateway last said it has waiting consumers. */
const WATCH_TTL_MS = 30_000;
const READ_CHUNK = 500;
/** How often the store marker is read to notice a Redis that lost its data. */
const MARKER_CHECK_MS = 1000;
/** A missing topic or partition makes the store read its marker, at most this often. */
const MISSING_CHECK_MS = 250;
/** Persistence settings reported by `/health` and `/ready` are at most this old. */
const DURABILITY_MAX_AGE_MS = 2000;

const SILENT: StoreLog = { error: () => undefined, warn: () => undefined, info: () => undefined };

interface Announcement {
  topic: string;
  partition: number;
  next: number;
}

/** An append announcement: a line `<next offset> <partition> <topic>` per partition (see append.lua). */
function* parseAnnouncement(message: string): Iterable<Announcement> {
  for (const line of message.split('\n')) {
    const first = line.indexOf(' ');
    const second = line.indexOf(' ', first + 1);
    if (first < 0 || second < 0) continue;
    yield { next: Number(line.slice(0, first)), partition: Number(line.slice(first + 1, second)), topic: line.slice(second + 1) };
  }
}

/**
 * The log store on Redis Streams: one stream per partition (DESIGN.md §3). Works on a single node
 * and on Redis Cluster: every script touches the keys of one partition, which share a hash tag.
 */
export class RedisStreamsStore implements LogStore {
  readonly kind = 'redis' as const;
  private readonly keys: LogKeys;
  private readonly scripts: { [K in keyof LogScripts]: Script<LogScripts[K]> };
  private readonly marker: StoreMarker;
  private readonly compaction: RedisCompaction;
  private readonly compression: RecordCompression;
  private readonly entries: StreamEntries;
  private cachedClusterId: string | undefined;
  /** Append announcements of every gateway: one subscribed connection for all of this gateway's listeners. */
  private readonly announcements: ChannelListeners<Announcement>;
  private watchdog: NodeJS.Timeout | undefined;
  private lastDurability: Durability & { node: string };
  private durabilityReadAt = Date.now();
  /** Partition reads and offset lookups of one turn, sent together. */
  private readonly reads: TickPipeline;

  private constructor(
    private readonly redis: RedisConnection,
    prefix: string,
    durability: Durability & { node: string },
    private readonly log: StoreLog,
  ) {
    this.keys = new LogKeys(prefix);
    this.lastDurability = durability;
    this.marker = new StoreMarker(redis, this.keys, log);
    this.reads = new TickPipeline(redis);
    this.announcements = new ChannelListeners(redis, this.keys.appendsChannel(), parseAnnouncement, log);
    this.compression = new RecordCompression(redis, this.keys);
    this.entries = new StreamEntries(this.compression);
    this.scripts = loadScripts<LogScripts>(redis, new URL('./scripts/', import.meta.url), {
      append: { file: 'append' },
      appendPartition: { file: 'append', keys: 5 },
      trimHead: { file: 'trim-head', keys: 3 },
      compact: { file: 'compact', keys: 4 },
    });
    this.compaction = new RedisCompaction(redis, this.keys, this.scripts.compact, (topic, entries) => this.entries.toRecords(topic, entries));
  }

  /**
   * Connects and refuses a Redis that would lose acknowledged records or restart offsets at 0: one
   * that may evict keys, one without an append-only file (unless `ALLOW_NON_DURABLE_REDIS`), and a
   * Redis Cluster of which a node lost this store's data. Then watches for Redis losing its data.
   */
  static async open(config: Config, log: StoreLog = SILENT): Promise<RedisStreamsStore> {
    const redis = await openRedis(config, 'streamgate-log', log);
    let store: RedisStreamsStore;
    try {
      await assertNoEviction(redis);
      const durability = await readDurability(redis);
      assertAppendOnly(durability, config.allowNonDurableRedis);
      store = new RedisStreamsStore(redis, config.keyPrefix, durability, log);
      await store.marker.establish();
    } catch (error) {
      redis.disconnect();
      throw error;
    }
    store.watch();
    return store;
  }

  /** As last read from Redis: at start, by `ping`, and every few seconds. */
  get durability(): Durability {
    const { mode, appendonly, appendfsync, save } = this.lastDurability;
    return { mode, appendonly, appendfsync, save };
  }

  private watch(): void {
    this.watchdog = setInterval(() => {
      this.marker.verify().catch(() => undefined);
      if (Date.now() - this.durabilityReadAt >= DURABILITY_MAX_AGE_MS) this.refreshDurability().catch(() => undefined);
    }, MARKER_CHECK_MS);
    this.watchdog.unref();
  }

  private async refreshDurability(): Promise<void> {
    const readAt = Date.now();
    const durability = await readDurability(this.redis);
    if (durability.mode !== this.lastDurability.mode) {
      this.log.warn({ from: this.lastDurability.mode, to: durability.mode, node: durability.node }, `Redis persistence changed: now ${durability.mode}`);
    }
    this.lastDurability = durability;
    this.durabilityReadAt = readAt;
  }

  /** A check after something looked missing: the store marker tells a new partition or topic from lost data. */
  private checkMarker(): Promise<void> {
    return this.marker.verify(Date.now() - MISSING_CHECK_MS);
  }

  async clusterId(): Promise<string> {
    this.marker.assertIntact();
    if (this.cachedClusterId) return this.cachedClusterId;
    try {
      const key = this.keys.clusterId();
      // Kafka cluster ids are 22-character URL-safe base64 UUIDs.
      await this.redis.set(key, Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url'), 'NX');
      this.cachedClusterId = (await this.redis.get(key)) ?? undefined;
      if (!this.cachedClusterId) throw new Error('cluster id vanished');
      return this.cachedClusterId;
    } catch (error) {
      throw storeError(error);
    }
  }

  /** Reads the store marker (one GET per primary) and, when older than two seconds, the persistence settings. */
  async ping(): Promise<void> {
    try {
      await this.marker.verify();
      if (Date.now() - this.durabilityReadAt >= DURABILITY_MAX_AGE_MS) await this.refreshDurability();
    } catch (error) {
      throw storeError(error);
    }
  }

  async watchAppends(topic: string, partition: number): Promise<void> {
    try {
      this.marker.assertIntact();
      await this.redis.set(this.keys.watched(topic, partition), '1', 'PX', WATCH_TTL_MS);
    } catch (error) {
      throw storeError(error);
    }
  }

  /** One subscriber connection per gateway relays every partition's append announcements to the listeners. */
  async onAppend(listener: AppendListener): Promise<() => void> {
    try {
      return await this.announcements.listen(({ topic, partition, next }) => listener(topic, partition, next));
    } catch (error) {
      throw storeError(error);
    }
  }

  async close(): Promise<void> {
    clearInterval(this.watchdog);
    this.announcements.close();
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }

  async createTopic(topic: TopicMetadata): Promise<boolean> {
    try {
      // Never re-create a topic on a Redis that lost its data.
      await this.marker.verify();
      const created = await this.redis.set(this.keys.topic(topic.name), JSON.stringify(topic), 'NX');
      if (created !== 'OK') return false;
      await this.redis.sadd(this.keys.topics(), topic.name);
      return true;
    } catch (error) {
      throw storeError(error);
    }
  }

  async getTopic(name: string): Promise<TopicMetadata | undefined> {
    try {
      this.marker.assertIntact();
      const json = await this.redis.get(this.keys.topic(name));
      if (json) return JSON.parse(json) as TopicMetadata;
      await this.checkMarker();
      return undefined;
    } catch (error) {
      throw storeError(error);
    }
  }

  async listTopics(): Promise<TopicMetadata[]> {
    try {
      this.marker.assertIntact();
      const names = await this.redis.smembers(this.keys.topics());
      if (names.length === 0) {
        await this.checkMarker();
        return [];
      }
      // One GET per topic, sent together: neither MGET nor a pipeline may span slots (or nodes) under Redis Cluster.
      const replies = await Promise.all(names.map((name) => this.redis.get(this.keys.topic(name))));
      return replies.flatMap((json) => (typeof json === 'string' ? [JSON.parse(json) as TopicMetadata] : []));
    } catch (error) {
      throw storeError(error);
    }
  }

  async deleteTopic(name: string): Promise<boolean> {
    try {
      const topic = await this.getTopic(name);
      if (!topic) return false;
      await this.redis.del(this.keys.topic(name));
      await this.redis.srem(this.keys.topics(), name);
      await this.redis.unlink(this.keys.dictionaries(name));
      this.compression.forget(name);
      // One UNLINK per partition (its keys share a slot), sent together: the partitions may live on different nodes.
      await Promise.all(Array.from({ length: topic.partitions }, (_, p) => this.redis.unlink(...this.partitionKeysAll(name, p))));
      return true;
    } catch (error) {
      throw storeError(error);
    }
  }

  async updateTopic(topic: TopicMetadata): Promise<void> {
    try {
      this.marker.assertIntact();
      await this.redis.set(this.keys.topic(topic.name), JSON.stringify(topic), 'XX');
    } catch (error) {
      throw storeError(error);
    }
  }

  async append(topic: string, partition: number, records: AppendRecord[], options: AppendOptions): Promise<AppendResult> {
    return (await this.appendBatches(topic, [{ partition, records }], options))[0];
  }

  /**
   * One script call for the whole request on a single node (atomic across its partitions); under
   * Redis Cluster one call per partition, since each partition's keys live in their own slot. A
   * call that fails after reaching Redis is never sent again (see connection.ts): its error says
   * the outcome is unknown.
   */
  async appendBatches(topic: string, batches: PartitionBatch[], options: AppendOptions): Promise<AppendResult[]> {
    try {
      this.marker.assertIntact();
      if (this.redis instanceof Cluster && batches.length > 1) {
        return await Promise.all(batches.map((batch) => this.appendChecked(topic, [batch], options).then((results) => results[0])));
      }
      return await this.appendChecked(topic, batches, options);
    } catch (error) {
      throw appendError(error);
    }
  }

  /**
   * A partition without metadata is new, or its Redis lost its data: the script refuses it before
   * writing anything, and goes again once the store marker says the store is intact.
   */
  private async appendChecked(topic: string, batches: PartitionBatch[], options: AppendOptions): Promise<AppendResult[]> {
    try {
      return await this.appendScript(topic, batches, options, false);
    } catch (error) {
      if (!isNewPartition(error)) throw error;
    }
    await this.marker.verify().catch((error: unknown) => {
      throw storeError(error);
    });
    return this.appendScript(topic, batches, options, true);
  }

  private async appendScript(topic: string, batches: PartitionBatch[], options: AppendOptions, mayBeNew: boolean): Promise<AppendResult[]> {
    const keys: string[] = [];
    const mode = options.timestampType === 'LogAppendTime' ? 'L' : 'C';
    const args: Array<string | Buffer> = [mode, this.keys.appendsChannel(), topic, mayBeNew ? '1' : '0', options.compacted ? '1' : '0'];
    for (const { partition, records } of batches) {
      const stored = await this.compression.encode(topic, options.topicId, options.compression ?? 'none', records);
      keys.push(...this.keys.partitionKeys(topic, partition), this.keys.watched(topic, partition), this.keys.keyIndex(topic, partition));
      args.push(String(partition), String(records.length), packRecords(stored));
    }
    const [logAppendTime, ...baseOffsets] = batches.length === 1 ? await this.scripts.appendPartition(keys, ...args) : await this.scripts.append(keys, ...args);
    return baseOffsets.map((baseOffset) => ({ baseOffset: Number(baseOffset), logAppendTime: Number(logAppendTime) }));
  }

  async read(topic: string, partition: number, fromOffset: number, options: ReadOptions): Promise<LogRecord[]> {
    const key = this.keys.log(topic, partition);
    const out: LogRecord[] = [];
    let bytes = 0;
    let from = fromOffset;
    try {
      this.marker.assertIntact();
      while (out.length < options.maxRecords) {
        const count = Math.min(READ_CHUNK, options.maxRecords - out.length);
        const entries = await this.reads.send<StreamEntry[]>('XRANGE', [key, `0-${from + 1}`, '+', 'COUNT', count], true);
        for (const record of await this.entries.toRecords(topic, entries)) {
          bytes += recordSize(record);
          if (out.length > 0 && bytes > options.maxBytes) return out;
          out.push(record);
        }
        if (entries.length < count) break;
        from = out[out.length - 1].offset + 1;
      }
      return out;
    } catch (error) {
      throw storeError(error);
    }
  }

  async offsets(topic: string, partition: number): Promise<PartitionOffsets> {
    try {
      this.marker.assertIntact();
      const [start, next] = await this.reads.send<Array<string | null>>('HMGET', [this.keys.meta(topic, partition), 'start', 'next']);
      if (next === null) await this.checkMarker();
      return { logStartOffset: Number(start ?? 0), nextOffset: Number(next ?? 0) };
    } catch (error) {
      throw storeError(error);
    }
  }

  /**
   * The time index holds (max timestamp so far, offset) points; the last point below `timestamp`
   * bounds where the first record at or after it can be, and a short scan from there finds it.
   */
  async offsetForTimestamp(topic: string, partition: number, timestamp: number): Promise<number | undefined> {
    try {
      const [below, offsets] = await Promise.all([
        this.redis.zrevrangebyscore(this.keys.timeIndex(topic, partition), `(${timestamp}`, '-inf', 'LIMIT', 0, 1),
        this.offsets(topic, partition),
      ]);
      let from = Math.max(offsets.logStartOffset, below.length > 0 ? Number(below[0]) + 1 : 0);
      while (from < offsets.nextOffset) {
        const records = await this.read(topic, partition, from, { maxRecords: READ_CHUNK, maxBytes: Number.MAX_SAFE_INTEGER });
        if (records.length === 0) return undefined;
        const found = records.find((record) => record.timestamp >= timestamp);
        if (found) return found.offset;
        from = records[records.length - 1].offset + 1;
      }
      return undefined;
    } catch (error) {
      throw storeError(error);
    }
  }

  async deleteRecordsBefore(topic: string, partition: number, offset: number): Promise<number> {
    return trimInSteps(this, topic, partition, { beforeOffset: offset });
  }

  async trimHead(topic: string, partition: number, limits: TrimLimits): Promise<TrimResult> {
    const limit = (value: number | undefined) => (value === undefined ? '' : String(value));
    try {
      this.marker.assertIntact();
      const [logStartOffset, removedRecords, removedBytes, more] = await this.scripts.trimHead(
        this.keys.partitionKeys(topic, partition),
        limit(limits.beforeOffset),
        limit(limits.beforeTimestamp),
        limit(limits.maxBytes),
        limits.maxRecords,
        limits.maxStepBytes ?? Number.MAX_SAFE_INTEGER,
      );
      return { logStartOffset, removedRecords, removedBytes, more: more === 1 };
    } catch (error) {
      throw storeError(error);
    }
  }

  async partitionStats(topic: string, partition: number): Promise<PartitionStats> {
    try {
      this.marker.assertIntact();
      const [start, next, bytes] = await this.redis.hmget(this.keys.meta(topic, partition), 'start', 'next', 'bytes');
      return { logStartOffset: Number(start ?? 0), nextOffset: Number(next ?? 0), storedBytes: Number(bytes ?? 0) };
    } catch (error) {
      throw storeError(error);
    }
  }

  compact(topic: string, partition: number, options: CompactOptions): Promise<CompactResult> {
    return this.guarded(() => this.compaction.compact(topic, partition, options));
  }

  compactionState(topic: string, partition: number): Promise<CompactionState> {
    return this.guarded(() => this.compaction.state(topic, partition));
  }

  latest(topic: string, partition: number, key: Buffer): Promise<LogRecord | undefined> {
    return this.guarded(() => this.compaction.latest(topic, partition, key));
  }

  latestPage(topic: string, partition: number, cursor: string, count: number): Promise<LatestPage> {
    return this.guarded(() => this.compaction.latestPage(topic, partition, cursor, count));
  }

  /** Runs `work` on a store that still holds its data, with Redis errors as the gateway's. */
  private async guarded<T>(work: () => Promise<T>): Promise<T> {
    try {
      this.marker.assertIntact();
      return await work();
    } catch (error) {
      throw storeError(error);
    }
  }

  /** Every key of a partition, for deleting it. */
  private partitionKeysAll(topic: string, partition: number): string[] {
    return [
      ...this.keys.partitionKeys(topic, partition),
      this.keys.watched(topic, partition),
      this.keys.keyIndex(topic, partition),
      this.keys.tombstones(topic, partition),
    ];
  }
}
