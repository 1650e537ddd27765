import { randomUUID } from 'node:crypto';
import { IN_MEMORY } from './durability.js';
import type {
  AppendListener,
  AppendOptions,
  AppendRecord,
  AppendResult,
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
  /** Offset of records[0]. */
  logStartOffset: number;
  records: LogRecord[];
  /** `storedSize` of the records, summed. */
  storedBytes: number;
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
    return this.appendAt(topic, partition, records, options.timestampType === 'LogAppendTime' ? Date.now() : -1);
  }

  async appendBatches(topic: string, batches: PartitionBatch[], options: AppendOptions): Promise<AppendResult[]> {
    const logAppendTime = options.timestampType === 'LogAppendTime' ? Date.now() : -1;
    return batches.map((batch) => this.appendAt(topic, batch.partition, batch.records, logAppendTime));
  }

  private appendAt(topic: string, partition: number, records: AppendRecord[], logAppendTime: number): AppendResult {
    const log = this.partition(topic, partition);
    const baseOffset = log.logStartOffset + log.records.length;
    records.forEach((record, i) => {
      const stored = copyRecord({ ...record, offset: baseOffset + i });
      if (logAppendTime >= 0) stored.timestamp = logAppendTime;
      log.records.push(stored);
      log.storedBytes += storedSize(stored);
    });
    const nextOffset = baseOffset + records.length;
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
    for (let i = Math.max(0, fromOffset - log.logStartOffset); i < log.records.length && out.length < options.maxRecords; i++) {
      const record = log.records[i];
      bytes += recordSize(record);
      if (out.length > 0 && bytes > options.maxBytes) break;
      out.push(copyRecord(record));
    }
    return out;
  }

  async offsets(topic: string, partition: number): Promise<PartitionOffsets> {
    const log = this.partition(topic, partition);
    return { logStartOffset: log.logStartOffset, nextOffset: log.logStartOffset + log.records.length };
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
    while (removed < limits.maxRecords && removed < log.records.length) {
      const head = log.records[removed];
      const size = storedSize(head);
      const goes =
        (limits.beforeOffset !== undefined && head.offset < limits.beforeOffset) ||
        (limits.beforeTimestamp !== undefined && head.timestamp < limits.beforeTimestamp) ||
        (limits.maxBytes !== undefined && log.storedBytes - removedBytes > limits.maxBytes);
      if (!goes) break;
      removed++;
      removedBytes += size;
      if (limits.maxStepBytes !== undefined && removedBytes >= limits.maxStepBytes) break;
    }
    log.records.splice(0, removed);
    log.logStartOffset += removed;
    log.storedBytes -= removedBytes;
    const budgetSpent = removed >= limits.maxRecords || (limits.maxStepBytes !== undefined && removedBytes >= limits.maxStepBytes);
    return { logStartOffset: log.logStartOffset, removedRecords: removed, removedBytes, more: removed > 0 && budgetSpent };
  }

  async partitionStats(topic: string, partition: number): Promise<PartitionStats> {
    const log = this.partition(topic, partition);
    return { ...(await this.offsets(topic, partition)), storedBytes: log.storedBytes };
  }

  private partition(topic: string, partition: number): MemoryPartition {
    const key = `${topic}\u0000${partition}`;
    let log = this.partitions.get(key);
    if (!log) this.partitions.set(key, (log = { logStartOffset: 0, records: [], storedBytes: 0 }));
    return log;
  }
}
