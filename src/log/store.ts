import type { Compression } from './codecs.js';
import type { Durability } from './durability.js';

/**
 * The log store: everything the services need from storage, and nothing of Kafka's policy.
 * Two implementations pass one contract suite (test/contract/log-store.contract.ts):
 * RedisStreamsStore (the product) and MemoryStore (no durability, for a machine without Redis).
 */

export type TimestampType = 'CreateTime' | 'LogAppendTime';

/** A partition of a topic: the unit of order, assignment and commit. */
export interface TopicPartition {
  topic: string;
  partition: number;
}

/** A partition as a map key: `topic:partition` (Kafka topic names never contain ':'); also the field name groups store commits under. */
export const tpKey = (topic: string, partition: number): string => `${topic}:${partition}`;

/** A partition and a position in it (for commits: the next offset to read, as Kafka commits). */
export interface TopicPartitionOffset extends TopicPartition {
  offset: number;
}

/** A Kafka record header: names may repeat, order is kept, a value may be null. */
export interface RecordHeader {
  name: string;
  value: Buffer | null;
}

/** A record as the producer gave it, before the log assigns its offset. */
export interface AppendRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
  /** CreateTime in epoch milliseconds; replaced by the append time when the topic uses LogAppendTime. */
  timestamp: number;
}

/** A record as stored in a partition. */
export interface LogRecord extends AppendRecord {
  offset: number;
}

export interface AppendOptions {
  timestampType: TimestampType;
  /** The topic is compacted: each keyed record becomes its key's latest (for `compact` and `latest`), in the same atomic append. */
  compacted?: boolean;
  /** How record values are stored (the topic's `compression.type`, resolved); reads return them as appended either way. Default none. */
  compression?: Compression;
  /** The topic's id, so per-topic storage state (zstd dictionaries) never outlives a deleted topic of the same name. */
  topicId?: string;
}

/** The records of one produce request that go to one partition. */
export interface PartitionBatch {
  partition: number;
  records: AppendRecord[];
}

export interface AppendResult {
  /** Offset of the first record of the batch; the batch occupies baseOffset … baseOffset + n − 1. */
  baseOffset: number;
  /** The broker time stamped on the batch when the topic uses LogAppendTime, otherwise -1 (as Kafka reports). */
  logAppendTime: number;
}

export interface PartitionOffsets {
  /** First offset still in the log (advances when retention or a delete removes records). */
  logStartOffset: number;
  /** The offset the next appended record will get (Kafka's log end offset / high watermark). */
  nextOffset: number;
}

/** A partition's offsets and how much it stores. */
export interface PartitionStats extends PartitionOffsets {
  /** Bytes of the records in the log as stored (see `storedSize`): what `retention.bytes` bounds. */
  storedBytes: number;
}

/**
 * Which records at the head of a partition to remove: a head record goes while any given limit
 * asks for it, and the first record no limit asks for stops the removal (Kafka too only ever
 * removes from the start of the log, so a record with a late timestamp holds back older ones
 * behind it).
 */
export interface TrimLimits {
  /** Records below this offset go (DeleteRecords). */
  beforeOffset?: number;
  /** Records whose timestamp is below this (epoch ms) go (`retention.ms`). */
  beforeTimestamp?: number;
  /** Head records go while the partition stores more than this many bytes (`retention.bytes`). */
  maxBytes?: number;
  /** Most records one call removes: bounds how long one call holds the backend. */
  maxRecords: number;
  /** The call stops after the record that brings the removed bytes to this (one record always goes): bounds it for large records. */
  maxStepBytes?: number;
}

export interface TrimResult {
  /** The log start offset after the call. */
  logStartOffset: number;
  removedRecords: number;
  removedBytes: number;
  /** The call stopped at `maxRecords` or `maxStepBytes`: another call may remove more. */
  more: boolean;
}

export interface ReadOptions {
  /** Most records to return. */
  maxRecords: number;
  /** Byte budget, records counted by `recordSize` (Kafka's record format); the first record is returned even when it alone exceeds it (as Kafka does). */
  maxBytes: number;
}

export interface CompactOptions {
  /** The cleaner's clock, epoch milliseconds: when a tombstone is first seen, and whether its delete.retention.ms has passed. */
  now: number;
  /** Newest record timestamp that may be compacted (now minus min.compaction.lag.ms): a pass stops at the first younger record. */
  newestTimestamp: number;
  /** How long a tombstone stays once compaction first saw it as its key's latest record (delete.retention.ms). */
  deleteRetentionMs: number;
  /** Most records one call looks at, so that a call never holds Redis for long. */
  maxScan: number;
}

export interface CompactResult {
  removed: number;
  /** Stored bytes of the removed records (they leave the partition's size, as retention's do). */
  removedBytes: number;
  /** The pass reached the head of the log (or its lag); the next call starts a new pass. */
  done: boolean;
}

export interface CompactionState {
  /** Records stored in the partition now (fewer than the offset range once compacted). */
  records: number;
  /** Where the last complete pass stopped: records from here on were appended since, or are too young (dirty). */
  cleanedOffset: number;
  /** Where a pass under way stands; undefined when none is. */
  cursor: number | undefined;
  /** When compaction first saw the oldest tombstone still stored; undefined when there is none. */
  oldestTombstoneSeenAt: number | undefined;
  /** The partition's next offset, read with the rest (the trigger needs it). */
  nextOffset: number;
}

/** One page of a compacted partition's latest records by key. */
export interface LatestPage {
  /** Each key's latest record (a tombstone when the key was deleted and its tombstone is still kept). */
  records: LogRecord[];
  /** Where the next page starts; undefined after the last page. */
  cursor: string | undefined;
}

export interface TopicMetadata {
  name: string;
  /** A random id given at creation; a re-created topic gets a new one (Kafka's topic id). */
  topicId: string;
  partitions: number;
  replicationFactor: number;
  /** Only the configs set explicitly on this topic; defaults are applied by the topics service. */
  configs: Record<string, string>;
  /** Epoch milliseconds. */
  createdAt: number;
}

export interface LogStore {
  readonly kind: 'redis' | 'memory';
  /** What the backend keeps across crashes, as last read from it (`none` for the in-memory store). */
  readonly durability: Durability;

  /** The stable id of this cluster, created on first use and kept in the store. */
  clusterId(): Promise<string>;
  /**
   * Resolves when the backend answers and still holds this store's data, refreshing `durability`;
   * throws a retriable GatewayError when it does not answer, a non-retriable one when it lost its data.
   */
  ping(): Promise<void>;
  close(): Promise<void>;

  /** Creates the topic; false when a topic of that name exists already. */
  createTopic(topic: TopicMetadata): Promise<boolean>;
  getTopic(name: string): Promise<TopicMetadata | undefined>;
  listTopics(): Promise<TopicMetadata[]>;
  /** Deletes the topic's metadata and every record of its partitions; false when it did not exist. */
  deleteTopic(name: string): Promise<boolean>;
  /** Replaces the stored metadata (partition count, configs) of an existing topic. */
  updateTopic(topic: TopicMetadata): Promise<void>;

  /**
   * Appends a whole batch atomically: all records get consecutive offsets, or none is written.
   * Offsets are dense and never reused — not after trimming, not after a restart.
   */
  append(topic: string, partition: number, records: AppendRecord[], options: AppendOptions): Promise<AppendResult>;
  /**
   * Appends batches to several partitions of a topic, one result per batch in the same order; each
   * batch is atomic as with `append`. Stores that can (memory, a single Redis node) make the whole
   * call atomic: one inconsistent partition writes nothing anywhere.
   */
  appendBatches(topic: string, batches: PartitionBatch[], options: AppendOptions): Promise<AppendResult[]>;
  /** Records from `fromOffset` on (fewer when the log ends). Offsets below the log start are the caller's to refuse. */
  read(topic: string, partition: number, fromOffset: number, options: ReadOptions): Promise<LogRecord[]>;
  offsets(topic: string, partition: number): Promise<PartitionOffsets>;
  /** The first offset whose timestamp is >= `timestamp`, or undefined when there is none (Kafka's offsetsForTimes). */
  offsetForTimestamp(topic: string, partition: number, timestamp: number): Promise<number | undefined>;
  /** Removes every record below `offset` and returns the new log start offset (Kafka's DeleteRecords), in steps of `trimHead`. */
  deleteRecordsBefore(topic: string, partition: number, offset: number): Promise<number>;
  /**
   * Removes records from the head of the partition as `limits` ask, at most `limits.maxRecords`,
   * atomically: the log start offset and the stored-bytes count move together, never backwards, so
   * concurrent callers (several gateways' cleaners) cannot corrupt a partition, only repeat a no-op.
   */
  trimHead(topic: string, partition: number, limits: TrimLimits): Promise<TrimResult>;
  /** Offsets and stored bytes of a partition (for the v3 partition resource and `/metrics`). */
  partitionStats(topic: string, partition: number): Promise<PartitionStats>;

  /**
   * One bounded step of compaction (Kafka's log cleaner): removes records that a later record of the
   * same key supersedes, and tombstones past their delete.retention.ms. Survivors keep their offsets,
   * so a compacted partition has gaps; the log's last record is always kept. Safe to run from
   * several gateways at once: each step is atomic and the pass's position is kept in the store.
   */
  compact(topic: string, partition: number, options: CompactOptions): Promise<CompactResult>;
  compactionState(topic: string, partition: number): Promise<CompactionState>;
  /** The latest record of `key` in a compacted partition (the topic as a table); undefined when the key has none. */
  latest(topic: string, partition: number, key: Buffer): Promise<LogRecord | undefined>;
  /**
   * A page of about `count` keys' latest records of a compacted partition, from `cursor` ('' for the
   * first page). A key present for the whole paging is returned at least once.
   */
  latestPage(topic: string, partition: number, cursor: string, count: number): Promise<LatestPage>;

  /**
   * Calls `listener` after appends to any partition (by any gateway sharing the store) with the
   * partition's new next offset; best effort, for waking waiting consumers. Returns an unsubscribe.
   */
  onAppend(listener: AppendListener): Promise<() => void>;
  /**
   * Says this gateway has consumers waiting on a partition for the next while (about 30 s), so
   * appends to it are announced to `onAppend` listeners; stores that always announce ignore it.
   */
  watchAppends(topic: string, partition: number): Promise<void>;
}

export type AppendListener = (topic: string, partition: number, nextOffset: number) => void;
