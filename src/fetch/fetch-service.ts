import { invalidInput, offsetOutOfRange } from '../errors.js';
import type { LogRecord, LogStore, PartitionOffsets } from '../log/store.js';
import type { TopicService } from '../topics/topic-service.js';

export interface FetchRequest {
  offset: number;
  maxRecords: number;
  maxBytes: number;
}

export interface FetchResult {
  topic: string;
  partition: number;
  records: LogRecord[];
  logStartOffset: number;
  /** The offset the next record will get (Kafka's high watermark). */
  highWatermark: number;
}

export const MAX_FETCH_RECORDS = 10_000;
export const MAX_FETCH_BYTES = 64 * 1024 * 1024;

/** Direct reads of a partition log with Kafka's range rules. */
export class FetchService {
  /**
   * Reads in flight, by partition, offset and limits: when many consumers of one partition wake at
   * once at the same position, they share one read of the store.
   */
  private readonly inFlight = new Map<string, Promise<FetchResult>>();

  constructor(
    private readonly store: LogStore,
    private readonly topics: TopicService,
  ) {}

  /**
   * Reads from `offset` on. Like a Kafka fetch: an offset equal to the high watermark returns no
   * records; one below the log start or past the high watermark is OFFSET_OUT_OF_RANGE.
   */
  read(topicName: string, partition: number, request: FetchRequest): Promise<FetchResult> {
    const key = `${topicName}\u0000${partition}\u0000${request.offset}\u0000${request.maxRecords}\u0000${request.maxBytes}`;
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const read = this.readOnce(topicName, partition, request);
    this.inFlight.set(key, read);
    const forget = () => this.inFlight.delete(key);
    read.then(forget, forget);
    return read;
  }

  private async readOnce(topicName: string, partition: number, request: FetchRequest): Promise<FetchResult> {
    if (!Number.isSafeInteger(request.offset) || request.offset < 0) throw invalidInput(`Offset must be a non-negative integer, got ${request.offset}.`);
    if (!Number.isInteger(request.maxRecords) || request.maxRecords < 1 || request.maxRecords > MAX_FETCH_RECORDS) {
      throw invalidInput(`max records must be between 1 and ${MAX_FETCH_RECORDS}, got ${request.maxRecords}.`);
    }
    if (!Number.isInteger(request.maxBytes) || request.maxBytes < 1 || request.maxBytes > MAX_FETCH_BYTES) {
      throw invalidInput(`max bytes must be between 1 and ${MAX_FETCH_BYTES}, got ${request.maxBytes}.`);
    }
    const topic = await this.topics.lookup(topicName);
    this.topics.assertPartition(topic, partition);
    // Both in one round trip: a read at the end of the log finds nothing, and one outside the log's
    // range is refused whatever it found.
    const [offsets, records] = await Promise.all([
      this.store.offsets(topic.name, partition),
      this.store.read(topic.name, partition, request.offset, { maxRecords: request.maxRecords, maxBytes: request.maxBytes }),
    ]);
    if (request.offset < offsets.logStartOffset || request.offset > offsets.nextOffset) {
      throw offsetOutOfRange({ topic: topic.name, partition }, request.offset, offsets);
    }
    return { topic: topic.name, partition, records, logStartOffset: offsets.logStartOffset, highWatermark: offsets.nextOffset };
  }

  async offsets(topicName: string, partition: number): Promise<PartitionOffsets> {
    const topic = await this.topics.lookup(topicName);
    return this.topics.partitionOffsets(topic, partition);
  }

  /** Kafka's offsetsForTimes: the first offset whose timestamp is >= `timestamp`, or null when none is. */
  async offsetForTimestamp(topicName: string, partition: number, timestamp: number): Promise<{ offset: number; timestamp: number } | null> {
    if (!Number.isSafeInteger(timestamp)) throw invalidInput(`Timestamp must be an integer (epoch milliseconds), got ${timestamp}.`);
    const topic = await this.topics.lookup(topicName);
    this.topics.assertPartition(topic, partition);
    const offset = await this.store.offsetForTimestamp(topic.name, partition, timestamp);
    if (offset === undefined) return null;
    const [record] = await this.store.read(topic.name, partition, offset, { maxRecords: 1, maxBytes: 1 });
    return { offset, timestamp: record?.timestamp ?? timestamp };
  }
}
