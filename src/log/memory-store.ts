import { randomUUID } from 'node:crypto';
import { IN_MEMORY } from './durability.js';
import type {
  AppendListener,
  AppendOptions,
  AppendRecord,
  AppendResult,
  CompactionState,
  CompactOptions,
  CompactResult,
  LatestPage,
  PartitionBatch,
  LogRecord,
  LogStore,
  PartitionOffsets,
  PartitionStats,
  ReadOptions,
  TopicMetadata,
  TrimLimits,
  TrimResult,
} from './store.js';
import { recordSize, storedSize } from './record-size.js';
import { trimInSteps } from './trim-steps.js';

interface MemoryPartition {
  logStartOffset: number;
  nextOffset: number;
  /** In offset order; compaction leaves gaps, so a record's index is found by binary search. */
  records: LogRecord[];
  /** `storedSize` of the records, summed. */
  storedBytes: number;
  /** A compacted topic's keys (latin1 of the bytes) → offset of their latest record. */
  keyIndex: Map<string, number>;
  /** Tombstone offset → when compaction first saw it. */
  tombstones: Map<number, number>;
  cleanedOffset: number;
  cursor: number | undefined;
}

/** Index of the first record at or after `offset`. */
function indexOf(records: readonly LogRecord[], offset: number): number {
  let low = 0;
  let high = records.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (records[mid].offset < offset) low = mid + 1;
    else high = mid;
  }
  return low;
}

const copyRecord = <T extends AppendRecord>(record: T): T => ({
  ...record,
  key: record.key === null ? null : Buffer.from(record.key),
  value: record.value === null ? null : Buffer.from(record.value),
  headers: record.headers.map((h) => ({ name: h.name, value: h.value === null ? null : Buffer.from(h.value) })),
});

/**
 * The log store for a machine without Redis: the same contract, nothing durable. Buffers are
 * copied on the way in and out so no caller can change a stored record.
 */
export class MemoryStore implements LogStore {
  readonly kind = 'memory' as const;
  readonly durability = IN_MEMORY;
  private readonly id = randomUUID().replace(/-/g, '').slice(0, 22);
  private readonly topics = new Map<string, TopicMetadata>();
  private readonly partitions = new Map<string, MemoryPartition>();
  private readonly listeners = new Set<AppendListener>();

  async clusterId(): Promise<string> {
    return this.id;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}

  async createTopic(topic: TopicMetadata): Promise<boolean> {
    if (this.topics.has(topic.name)) return false;
    this.topics.set(topic.name, structuredClone(topic));
    return true;
  }

  async getTopic(name: string): Promise<TopicMetadata | undefined> {
    const topic = this.topics.get(name);
    return topic && structuredClone(topic);
  }

  async listTopics(): Promise<TopicMetadata[]> {
    return [...this.topics.values()].map((t) => structuredClone(t));
  }

  async deleteTopic(name: string): Promise<boolean> {
    const topic = this.topics.get(name);
    if (!topic) return false;
    this.topics.delete(name);
    for (const key of [...this.partitions.keys()]) if (key.startsWith(`${name}\u0000`)) this.partitions.delete(key);
    return true;
  }

  async updateTopic(topic: TopicMetadata): Promise<void> {
    this.topics.set(topic.name, structuredClone(topic));
  }

  async append(topic: string, partition: number, records: AppendRecord[], options: AppendOptions): Promise<AppendResult> {
    return this.appendAt(topic, partition, records, options.timestampType === 'LogAppendTime' ? Date.now() : -1, options.compacted === true);
  }

  async appendBatches(topic: string, batches: PartitionBatch[], options: AppendOptions): Promise<AppendResult[]> {
    const logAppendTime = options.timestampType === 'LogAppendTime' ? Date.now() : -1;
    return batches.map((batch) => this.appendAt(topic, batch.partition, batch.records, logAppendTime, options.compacted === true));
  }

  private appendAt(topic: string, partition: number, records: AppendRecord[], logAppendTime: number, compacted: boolean): AppendResult {
    const log = this.partition(topic, partition);
    const baseOffset = log.nextOffset;
    records.forEach((record, i) => {
      const stored = copyRecord({ ...record, offset: baseOffset + i });
      if (logAppendTime >= 0) stored.timestamp = logAppendTime;
      log.records.push(stored);
      log.storedBytes += storedSize(stored);
      if (compacted && stored.key !== null) log.keyIndex.set(stored.key.toString('latin1'), stored.offset);
    });
    const nextOffset = (log.nextOffset = baseOffset + records.length);
    for (const listener of this.listeners) listener(topic, partition, nextOffset);
    return { baseOffset, logAppendTime };
  }

  async watchAppends(): Promise<void> {}

  async onAppend(listener: AppendListener): Promise<() => void> {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async read(topic: string, partition: number, fromOffset: number, options: ReadOptions): Promise<LogRecord[]> {
    const log = this.partition(topic, partition);
    const out: LogRecord[] = [];
    let bytes = 0;
    for (let i = indexOf(log.records, fromOffset); i < log.records.length && out.length < options.maxRecords; i++) {
      const record = log.records[i];
      bytes += recordSize(record);
      if (out.length > 0 && bytes > options.maxBytes) break;
      out.push(copyRecord(record));
    }
    return out;
  }

  async offsets(topic: string, partition: number): Promise<PartitionOffsets> {
    const log = this.partition(topic, partition);
    return { logStartOffset: log.logStartOffset, nextOffset: log.nextOffset };
  }

  async offsetForTimestamp(topic: string, partition: number, timestamp: number): Promise<number | undefined> {
    return this.partition(topic, partition).records.find((r) => r.timestamp >= timestamp)?.offset;
  }

  async deleteRecordsBefore(topic: string, partition: number, offset: number): Promise<number> {
    return trimInSteps(this, topic, partition, { beforeOffset: offset });
  }

  async trimHead(topic: string, partition: number, limits: TrimLimits): Promise<TrimResult> {
    const log = this.partition(topic, partition);
    let removed = 0;
    let removedBytes = 0;
    let newStart = log.logStartOffset;
    let budgetSpent = false;
    while (removed < log.records.length) {
      const head = log.records[removed];
      const goes =
        (limits.beforeOffset !== undefined && head.offset < limits.beforeOffset) ||
        (limits.beforeTimestamp !== undefined && head.timestamp < limits.beforeTimestamp) ||
        (limits.maxBytes !== undefined && log.storedBytes - removedBytes > limits.maxBytes);
      if (!goes) break;
      removed++;
      removedBytes += storedSize(head);
      newStart = head.offset + 1;
      if (removed >= limits.maxRecords || (limits.maxStepBytes !== undefined && removedBytes >= limits.maxStepBytes)) {
        budgetSpent = true;
        break;
      }
    }
    if (!budgetSpent && removed === log.records.length) {
      // No record is left at or after the new start (as trim-head.lua): retention empties the log up
      // to its next offset, and DeleteRecords moves the start to the offset asked for.
      if (limits.beforeTimestamp !== undefined || limits.maxBytes !== undefined) newStart = log.nextOffset;
      if (limits.beforeOffset !== undefined) newStart = Math.max(newStart, Math.min(limits.beforeOffset, log.nextOffset));
    }
    newStart = Math.min(newStart, log.nextOffset);
    if (newStart <= log.logStartOffset) return { logStartOffset: log.logStartOffset, removedRecords: 0, removedBytes: 0, more: false };
    log.records.splice(0, removed);
    log.logStartOffset = newStart;
    log.storedBytes -= removedBytes;
    return { logStartOffset: log.logStartOffset, removedRecords: removed, removedBytes, more: budgetSpent };
  }

  async partitionStats(topic: string, partition: number): Promise<PartitionStats> {
    const log = this.partition(topic, partition);
    return { ...(await this.offsets(topic, partition)), storedBytes: log.storedBytes };
  }

  /** compact.lua's step, record for record (see there for the rules). */
  async compact(topic: string, partition: number, options: CompactOptions): Promise<CompactResult> {
    const log = this.partition(topic, partition);
    // What went below the log start (retention, delete-records) leaves the index and tombstones, as in compact.lua.
    for (const [key, offset] of log.keyIndex) if (offset < log.logStartOffset) log.keyIndex.delete(key);
    for (const offset of log.tombstones.keys()) if (offset < log.logStartOffset) log.tombstones.delete(offset);
    let i = indexOf(log.records, Math.max(log.logStartOffset, log.cursor ?? 0));
    let removed = 0;
    let removedBytes = 0;
    let stop: number | undefined;
    let scanned = 0;
    let last = -1;
    const kept: LogRecord[] = log.records.slice(0, i);
    for (; i < log.records.length && scanned < options.maxScan; i++, scanned++) {
      const record = log.records[i];
      if (record.offset >= log.nextOffset - 1 || record.timestamp > options.newestTimestamp) {
        stop = record.offset;
        break;
      }
      last = record.offset;
      if (this.compactable(log, record, options)) {
        removed++;
        removedBytes += storedSize(record);
      } else kept.push(record);
    }
    const exhausted = i >= log.records.length;
    log.records = kept.concat(log.records.slice(i));
    log.storedBytes -= removedBytes;
    if (stop !== undefined || exhausted) {
      log.cleanedOffset = stop ?? log.nextOffset;
      log.cursor = undefined;
      return { removed, removedBytes, done: true };
    }
    log.cursor = last + 1;
    return { removed, removedBytes, done: false };
  }

  /** Whether compaction removes `record` now; updates the key index and tombstone times as compact.lua does. */
  private compactable(log: MemoryPartition, record: LogRecord, options: CompactOptions): boolean {
    if (record.key === null) return false;
    const key = record.key.toString('latin1');
    const latest = log.keyIndex.get(key) ?? -1;
    if (latest > record.offset) {
      if (record.value === null) log.tombstones.delete(record.offset);
      return true;
    }
    if (latest < record.offset) log.keyIndex.set(key, record.offset);
    if (record.value !== null) return false;
    const seen = log.tombstones.get(record.offset);
    if (seen === undefined) {
      log.tombstones.set(record.offset, options.now);
      return false;
    }
    if (seen + options.deleteRetentionMs > options.now) return false;
    log.keyIndex.delete(key);
    log.tombstones.delete(record.offset);
    return true;
  }

  async compactionState(topic: string, partition: number): Promise<CompactionState> {
    const log = this.partition(topic, partition);
    let oldest: number | undefined;
    for (const seen of log.tombstones.values()) if (oldest === undefined || seen < oldest) oldest = seen;
    return {
      records: log.records.length,
      cleanedOffset: Math.max(log.logStartOffset, log.cleanedOffset),
      cursor: log.cursor,
      oldestTombstoneSeenAt: oldest,
      nextOffset: log.nextOffset,
    };
  }

  async latest(topic: string, partition: number, key: Buffer): Promise<LogRecord | undefined> {
    const log = this.partition(topic, partition);
    const offset = log.keyIndex.get(key.toString('latin1'));
    if (offset === undefined) return undefined;
    const record = log.records[indexOf(log.records, offset)];
    return record?.offset === offset ? copyRecord(record) : undefined;
  }

  /** Pages in key order; the cursor is the last key of the page before (base64url). */
  async latestPage(topic: string, partition: number, cursor: string, count: number): Promise<LatestPage> {
    const log = this.partition(topic, partition);
    const after = Buffer.from(cursor, 'base64url').toString('latin1');
    const keys = [...log.keyIndex.keys()].filter((k) => cursor === '' || k > after).sort();
    const page = keys.slice(0, count);
    const records: LogRecord[] = [];
    for (const key of page) {
      const found = await this.latest(topic, partition, Buffer.from(key, 'latin1'));
      if (found) records.push(found);
    }
    return { records, cursor: keys.length > count ? Buffer.from(page[page.length - 1], 'latin1').toString('base64url') : undefined };
  }

  private partition(topic: string, partition: number): MemoryPartition {
    const key = `${topic}\u0000${partition}`;
    let log = this.partitions.get(key);
    if (!log) {
      log = { logStartOffset: 0, nextOffset: 0, records: [], storedBytes: 0, keyIndex: new Map(), tombstones: new Map(), cleanedOffset: 0, cursor: undefined };
      this.partitions.set(key, log);
    }
    return log;
  }
}
