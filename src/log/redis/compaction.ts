import type { RedisConnection } from '../../redis/connection.js';
import type { Script } from '../../redis/scripts.js';
import type { CompactionState, CompactOptions, CompactResult, LatestPage, LogRecord } from '../store.js';
import type { LogKeys } from './keys.js';
import type { StreamEntry } from './stream-entries.js';

/** compact.lua's reply: [records removed, 1 when the pass is complete]. */
export type CompactReply = [number, number, number];

/**
 * Compaction and the latest-record reads of compacted partitions on Redis: the key index
 * (`…:keys`, key → latest offset, kept by append.lua), the tombstone times (`…:tombs`) and
 * compact.lua, which removes superseded records in bounded steps.
 */
export class RedisCompaction {
  constructor(
    private readonly redis: RedisConnection,
    private readonly keys: LogKeys,
    private readonly script: Script<CompactReply>,
    /** Entries as records, values decompressed (the store's reading of a topic's entries). */
    private readonly toRecords: (topic: string, entries: StreamEntry[]) => Promise<LogRecord[]>,
  ) {}

  async compact(topic: string, partition: number, options: CompactOptions): Promise<CompactResult> {
    const keys = [
      this.keys.log(topic, partition),
      this.keys.meta(topic, partition),
      this.keys.keyIndex(topic, partition),
      this.keys.tombstones(topic, partition),
    ];
    const [removed, done, removedBytes] = await this.script(keys, options.now, options.newestTimestamp, options.deleteRetentionMs, options.maxScan);
    return { removed: Number(removed), removedBytes: Number(removedBytes), done: Number(done) === 1 };
  }

  async state(topic: string, partition: number): Promise<CompactionState> {
    const [[start, cleaned, cursor, next], records, oldest] = await Promise.all([
      this.redis.hmget(this.keys.meta(topic, partition), 'start', 'cleaned', 'ccursor', 'next'),
      this.redis.xlen(this.keys.log(topic, partition)),
      this.redis.zrange(this.keys.tombstones(topic, partition), 0, 0, 'WITHSCORES'),
    ]);
    return {
      records,
      cleanedOffset: Math.max(Number(start ?? 0), Number(cleaned ?? 0)),
      cursor: cursor === null ? undefined : Number(cursor),
      oldestTombstoneSeenAt: oldest.length === 2 ? Number(oldest[1]) : undefined,
      nextOffset: Number(next ?? 0),
    };
  }

  /**
   * The key index names the latest offset; a compaction or an append may move it between the two
   * reads, so a record gone by then is looked up again. One that stays gone was removed below the
   * log start (retention, delete-records): the key has no record any more.
   */
  async latest(topic: string, partition: number, key: Buffer): Promise<LogRecord | undefined> {
    const index = this.keys.keyIndex(topic, partition);
    let offset = await this.redis.hget(index, key);
    while (offset !== null) {
      const id = `0-${Number(offset) + 1}`;
      const [entry] = (await this.redis.xrangeBuffer(this.keys.log(topic, partition), id, id)) as unknown as StreamEntry[];
      if (entry) return (await this.toRecords(topic, [entry]))[0];
      const again = await this.redis.hget(index, key);
      if (again === offset) return undefined;
      offset = again;
    }
    return undefined;
  }

  /** One HSCAN of the key index, then one XRANGE per key sent together (one round trip). */
  async latestPage(topic: string, partition: number, cursor: string, count: number): Promise<LatestPage> {
    const log = this.keys.log(topic, partition);
    const [next, flat] = (await this.redis.hscanBuffer(this.keys.keyIndex(topic, partition), cursor === '' ? '0' : cursor, 'COUNT', count)) as unknown as [
      Buffer,
      Buffer[],
    ];
    const ids: string[] = [];
    for (let i = 1; i < flat.length; i += 2) ids.push(`0-${Number(flat[i].toString('latin1')) + 1}`);
    const entries = (await Promise.all(ids.map((id) => this.redis.xrangeBuffer(log, id, id)))) as unknown as StreamEntry[][];
    // A key whose record is gone was removed below the log start: it has no record any more.
    const records = await this.toRecords(
      topic,
      entries.flatMap((found) => (found[0] ? [found[0]] : [])),
    );
    const nextCursor = next.toString('latin1');
    return { records, cursor: nextCursor === '0' ? undefined : nextCursor };
  }
}
