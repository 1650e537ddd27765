import { invalidInput, keyNotFound, notCompacted } from '../errors.js';
import type { LogRecord, LogStore } from '../log/store.js';
import { partitionForKey } from '../produce/partitioner.js';
import type { Topic, TopicService } from './topic-service.js';

export interface TableRecord extends LogRecord {
  partition: number;
}

export interface TablePage {
  records: TableRecord[];
  /** Where the next page starts; undefined after the last one. */
  cursor: string | undefined;
}

export const MAX_TABLE_PAGE = 1000;
/** Store reads per page at most: a stretch of deleted keys (tombstones) ends a page early rather than making one request scan it all. */
const MAX_READS_PER_PAGE = 20;

/**
 * A compacted topic read as a table (what Kafka Streams calls a KTable): each key's latest value,
 * from the key index the log store keeps for compacted topics. Tombstoned keys are absent.
 */
export class TableService {
  constructor(
    private readonly store: LogStore,
    private readonly topics: TopicService,
  ) {}

  /** The key's latest record; in the partition the default partitioner gives the key, unless `partition` says otherwise. */
  async latest(topicName: string, key: Buffer, partition?: number): Promise<TableRecord> {
    const topic = await this.compactedTopic(topicName);
    const at = partition ?? partitionForKey(key, topic.partitions);
    this.topics.assertPartition(topic, at);
    const record = await this.store.latest(topic.name, at, key);
    if (!record || record.value === null) throw keyNotFound(topic.name, at);
    return { ...record, partition: at };
  }

  /**
   * About `limit` keys' latest records, partition after partition, from `cursor` (undefined for the
   * first page); a page may hold fewer, even none, and still have a next one. A key that exists for
   * the whole paging is returned at least once.
   */
  async page(topicName: string, cursor: string | undefined, limit: number): Promise<TablePage> {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_TABLE_PAGE) throw invalidInput(`limit must be between 1 and ${MAX_TABLE_PAGE}, got ${limit}.`);
    const topic = await this.compactedTopic(topicName);
    let { partition, inner } = decodeCursor(cursor, topic);
    const records: TableRecord[] = [];
    for (let reads = 0; partition < topic.partitions && records.length < limit && reads < MAX_READS_PER_PAGE; reads++) {
      const page = await this.store.latestPage(topic.name, partition, inner, limit - records.length);
      for (const record of page.records) if (record.value !== null) records.push({ ...record, partition });
      if (page.cursor === undefined) {
        partition++;
        inner = '';
      } else inner = page.cursor;
    }
    return { records, cursor: partition < topic.partitions ? encodeCursor(partition, inner) : undefined };
  }

  private async compactedTopic(name: string): Promise<Topic> {
    const topic = await this.topics.lookup(name);
    if (!topic.effective.compacted) throw notCompacted(topic.name);
    return topic;
  }
}

/** A cursor names the partition and the store's own cursor in it, as opaque base64url text. */
function encodeCursor(partition: number, inner: string): string {
  return Buffer.from(`${partition}:${inner}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string | undefined, topic: Topic): { partition: number; inner: string } {
  if (cursor === undefined || cursor === '') return { partition: 0, inner: '' };
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^(\d{1,5}):(.*)$/s.exec(text);
  if (!match || Number(match[1]) >= topic.partitions) throw invalidInput(`cursor '${cursor}' is not a cursor this topic's key listing gave.`);
  return { partition: Number(match[1]), inner: match[2] };
}
