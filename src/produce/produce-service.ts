import type { Config } from '../config.js';
import { ErrorCode, GatewayError, invalidInput, keyRequired, recordTooLarge, tooManyHeaders } from '../errors.js';
import type { Compression } from '../log/codecs.js';
import { recordSize } from '../log/record-size.js';
import type { LogStore, PartitionBatch, RecordHeader } from '../log/store.js';
import type { Topic, TopicService } from '../topics/topic-service.js';
import { NullKeyPartitioner, partitionForKey, type NullKeyStrategy } from './partitioner.js';

/** One record of a produce request, already decoded to bytes by the route. */
export interface ProduceRecord {
  /** Explicit partition; wins over the key. */
  partition?: number;
  key: Buffer | null;
  value: Buffer | null;
  headers?: RecordHeader[];
  /** CreateTime in epoch ms; the gateway's clock when absent. */
  timestamp?: number;
}

export interface ProducedRecord {
  partition: number;
  offset: number;
  /** The record's timestamp as stored (the append time for LogAppendTime topics). */
  timestamp: number;
  timestampType: 'CreateTime' | 'LogAppendTime';
  keySize: number;
  valueSize: number;
}

const NO_HEADERS: RecordHeader[] = [];

export interface ProduceOptions {
  nullKeyStrategy?: NullKeyStrategy;
  /** The position of the first record in the client's request, so errors name the record as the client counts (streaming mode sends records one by one). */
  firstIndex?: number;
  /** The producer's codec: used when the topic's `compression.type` is `producer` (default none). */
  compression?: Compression;
}

/**
 * Produces batches with Kafka's semantics: partition choice (explicit, murmur2 of the key, or
 * round-robin/sticky for null keys), size limits, and one append for the whole request (atomic
 * per partition, and across partitions where the store can). Every record is validated before
 * anything is written, so a bad record fails the whole request.
 */
export class ProduceService {
  private readonly nullKeys = new NullKeyPartitioner();

  constructor(
    private readonly store: LogStore,
    private readonly topics: TopicService,
    private readonly config: Config,
  ) {}

  async produce(topicName: string, records: ProduceRecord[], options: ProduceOptions = {}): Promise<ProducedRecord[]> {
    if (records.length === 0) throw invalidInput('A produce request needs at least one record.');
    if (records.length > this.config.maxBatchRecords) {
      throw new GatewayError(ErrorCode.PAYLOAD_TOO_LARGE, `A produce request may hold at most ${this.config.maxBatchRecords} records, got ${records.length}.`);
    }
    const topic = await this.topics.lookup(topicName);
    const partitions = this.choosePartitions(topic, records, options.nullKeyStrategy ?? 'round-robin', options.firstIndex ?? 0);
    const now = Date.now();
    const byPartition = new Map<number, PartitionBatch & { indexes: number[] }>();
    records.forEach((record, index) => {
      const partition = partitions[index];
      let batch = byPartition.get(partition);
      if (!batch) byPartition.set(partition, (batch = { partition, indexes: [], records: [] }));
      batch.indexes.push(index);
      batch.records.push({ key: record.key, value: record.value, headers: record.headers ?? NO_HEADERS, timestamp: record.timestamp ?? now });
    });

    const { timestampType, compacted } = topic.effective;
    const batches = [...byPartition.values()];
    const compression = storedCompression(topic, options.compression);
    const appended = await this.store.appendBatches(topic.name, batches, { timestampType, compacted, compression, topicId: topic.topicId });
    const results = new Array<ProducedRecord>(records.length);
    batches.forEach((batch, b) => {
      const { baseOffset, logAppendTime } = appended[b];
      batch.indexes.forEach((index, i) => {
        const record = records[index];
        results[index] = {
          partition: batch.partition,
          offset: baseOffset + i,
          timestamp: timestampType === 'LogAppendTime' ? logAppendTime : batch.records[i].timestamp,
          timestampType,
          keySize: record.key?.length ?? -1,
          valueSize: record.value?.length ?? -1,
        };
      });
    });
    return results;
  }

  /** Validates every record and picks its partition; throws before anything is written. */
  private choosePartitions(topic: Topic, records: ProduceRecord[], strategy: NullKeyStrategy, firstIndex: number): number[] {
    const maxBytes = topic.effective.maxMessageBytes;
    let sticky: number | undefined;
    return records.map((record, i) => {
      const index = firstIndex + i;
      if (record.key === null && topic.effective.compacted) throw keyRequired(index, topic.name);
      const headers = record.headers?.length ?? 0;
      if (headers > this.config.maxHeadersPerRecord) throw tooManyHeaders(index, headers, this.config.maxHeadersPerRecord);
      const size = recordSize(record);
      if (size > maxBytes) throw recordTooLarge(index, size, maxBytes, topic.name);
      if (record.timestamp !== undefined && (!Number.isSafeInteger(record.timestamp) || record.timestamp < 0)) {
        throw invalidInput(`Record ${index} has an invalid timestamp: ${record.timestamp}.`);
      }
      if (record.partition !== undefined) {
        this.topics.assertPartition(topic, record.partition);
        return record.partition;
      }
      if (record.key !== null) return partitionForKey(record.key, topic.partitions);
      if (strategy === 'sticky') return (sticky ??= this.nullKeys.next(topic.name, topic.partitions));
      return this.nullKeys.next(topic.name, topic.partitions);
    });
  }
}

/** Kafka's rule: a topic's own codec wins over the producer's, `producer` keeps the producer's, `uncompressed` none. */
function storedCompression(topic: Topic, producer: Compression | undefined): Compression {
  const type = topic.effective.compressionType;
  if (type === 'producer') return producer ?? 'none';
  return type === 'uncompressed' ? 'none' : type;
}
