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

export interface ReadOptions {
  /** Most records to return. */
  maxRecords: number;
  /** Byte budget, records counted by `recordSize` (Kafka's record format); the first record is returned even when it alone exceeds it (as Kafka does). */
  maxBytes: number;
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
  /** Removes every record below `offset` and returns the new log start offset (Kafka's DeleteRecords). */
  deleteRecordsBefore(topic: string, partition: number, offset: number): Promise<number>;

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
