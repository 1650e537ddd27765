import type { RecordWaiter } from '../fetch/append-notifier.js';
import type { FetchService } from '../fetch/fetch-service.js';
import type { LogRecord } from '../log/store.js';
import type { TopicService } from '../topics/topic-service.js';
import { PartitionTails } from './partition-tails.js';

/** Records of a batch rendered in one format, cut into chunks that consumers share as whole messages. */
export interface Rendering {
  json: readonly string[];
  /** For each record, the index after the last record of its chunk. */
  chunkEnd: readonly number[];
  /** Running total of JSON lengths: bytes of records i … j - 1 are at[j] - at[i]. */
  at: readonly number[];
}

/** A chunk closes at this much JSON or this many records: small enough to fit a client's share, large enough to amortise a message. */
const CHUNK_BYTES = 16 * 1024;
const CHUNK_RECORDS = 100;

/** What one store read of a partition brings, shared by every consumer that reads there. */
export class FeedBatch {
  /** Per format: each record rendered once for every consumer of the batch. */
  private readonly renderings = new Map<string, Promise<Rendering>>();
  /** The renderings done, for a synchronous hand-over at the tail. */
  private readonly finished = new Map<string, Rendering>();
  /** `records` messages of whole chunks, built once for every consumer sending that chunk. */
  private readonly frames = new Map<string, Buffer>();
  /** More than one consumer read this batch: worth sending in shared chunk frames. */
  shared = false;

  constructor(
    readonly topicId: string,
    readonly topic: string,
    readonly partition: number,
    /** The offset the read asked for: a compacted partition holds no record from there up to the first one. */
    readonly fromOffset: number,
    readonly records: LogRecord[],
    /** The partition's next offset when the batch was read. */
    readonly highWatermark: number,
    readonly readAt: number,
  ) {}

  get baseOffset(): number {
    return this.records[0].offset;
  }

  get endOffset(): number {
    return this.records[this.records.length - 1].offset + 1;
  }

  covers(offset: number): boolean {
    return this.records.length > 0 && offset >= this.fromOffset && offset < this.endOffset;
  }

  /** Index of the first record at or after `offset` (offsets have gaps once a partition is compacted). */
  indexOf(offset: number): number {
    let low = 0;
    let high = this.records.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.records[mid].offset < offset) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** The records rendered by `render` (the consumer's format names it), computed once per format. */
  rendered(format: string, render: (records: LogRecord[]) => Promise<string[]>): Promise<Rendering> {
    let rendering = this.renderings.get(format);
    if (!rendering) {
      rendering = render(this.records).then((json) => {
        const finished = chunked(json);
        this.finished.set(format, finished);
        return finished;
      });
      this.renderings.set(format, rendering);
      // A failed rendering (the registry unreachable) is not kept: the next consumer tries again.
      rendering.catch(() => this.renderings.delete(format));
    }
    return rendering;
  }

  /** The rendering in `format` if it is done already. */
  renderedNow(format: string): Rendering | undefined {
    return this.finished.get(format);
  }

  /** The message of a whole chunk starting at `start`, built once per format and shared. */
  chunkFrame(format: string, start: number, build: () => string): Buffer {
    const key = `${format}\u0000${start}`;
    let frame = this.frames.get(key);
    if (!frame) {
      frame = Buffer.from(build(), 'utf8');
      this.frames.set(key, frame);
    }
    return frame;
  }

  /** Stored bytes of the batch, for the cache's budget. */
  bytes(): number {
    let bytes = 0;
    for (const record of this.records) bytes += (record.key?.length ?? 0) + (record.value?.length ?? 0) + 64;
    return bytes;
  }
}

/** A store read in flight, and how many consumers wait for it. */
interface PendingRead {
  readers: number;
  /** The read's limits, as its first consumer asked. */
  records: number;
  bytes: number;
  batch: Promise<FeedBatch | undefined>;
}

/** A batch, and where in it a consumer's position falls. */
export interface FeedRead {
  /** The offset asked for; the batch's first record may be above it (a gap in a compacted partition). */
  from: number;
  batch: FeedBatch;
  /** Index in `batch.records` of the first record at or after the asked offset. */
  index: number;
  /**
   * True when this read went to the store and found the partition's end right after the batch:
   * the consumer may wait for the next append. A batch from the cache never says so (the
   * partition may have grown since), so the consumer reads once more instead.
   */
  atEnd: boolean;
}

export interface FeedLimits {
  /** Records per store read. */
  batchRecords: number;
  /** Bytes per store read (the first record comes whatever its size). */
  batchBytes: number;
  /** Store reads in flight at once for delivery; more wait their turn. */
  maxConcurrentReads: number;
  /** Stored bytes of recent batches kept for consumers that arrive a little later. */
  cacheBytes: number;
  /** How long a batch is kept. */
  cacheTtlMs: number;
}

export const DEFAULT_FEED_LIMITS: FeedLimits = {
  batchRecords: 500,
  batchBytes: 1024 * 1024,
  maxConcurrentReads: 32,
  cacheBytes: 32 * 1024 * 1024,
  cacheTtlMs: 1000,
};

/**
 * Reads of partitions for pushed delivery (WebSocket, SSE), shared by every consumer on this
 * gateway: consumers of one partition at one position share one store read and, per format, one
 * rendering of each record and one serialized message — a thousand browser tabs tailing a
 * partition cost about what one does. Reads in flight are bounded, so a crowd of consumers
 * waking at once queues here instead of flooding Redis and the event loop, and a batch that
 * several consumers shared stays cached briefly (by bytes and time) for those a little behind.
 */
export class PartitionFeeds {
  private readonly inFlight = new Map<string, PendingRead>();
  private readonly cache = new Map<string, FeedBatch[]>();
  private cachedBytes = 0;
  private reading = 0;
  private readonly queue: Array<() => void> = [];
  private readonly sweeper: NodeJS.Timeout;
  /** Consumers caught up with a partition, served by one loop per partition. */
  readonly tails: PartitionTails;

  constructor(
    private readonly fetch: FetchService,
    private readonly topics: TopicService,
    waiter: RecordWaiter,
    private readonly limits: FeedLimits = DEFAULT_FEED_LIMITS,
  ) {
    this.tails = new PartitionTails(this, waiter);
    // Idle partitions' batches expire here, so they do not keep memory until the next read.
    this.sweeper = setInterval(() => {
      if (this.cache.size > 0) this.evict(() => false);
    }, limits.cacheTtlMs);
    this.sweeper.unref();
  }

  /**
   * Records of a partition from `offset` on: a cached batch that covers it, a read in flight from
   * there, or a new read. Undefined when the partition holds nothing at `offset` yet. Range errors
   * (OFFSET_OUT_OF_RANGE) come from the store read, as for any fetch.
   */
  async read(
    topicName: string,
    partition: number,
    offset: number,
    wanted: { records: number; bytes: number } = { records: Infinity, bytes: Infinity },
  ): Promise<FeedRead | undefined> {
    const topic = await this.topics.lookup(topicName);
    const key = `${topic.topicId}\u0000${partition}`;
    const cached = this.cached(key, offset);
    if (cached) return { from: offset, batch: cached, index: cached.indexOf(offset), atEnd: false };
    const readKey = `${key}\u0000${offset}`;
    let pending = this.inFlight.get(readKey);
    if (pending) pending.readers++;
    else {
      // The first consumer sizes the read, so a partition's only reader is never brought records it
      // cannot take (read again later); those who join it take what it brings.
      const read: PendingRead = {
        readers: 1,
        records: Math.max(1, Math.min(this.limits.batchRecords, wanted.records)),
        bytes: Math.max(1, Math.min(this.limits.batchBytes, wanted.bytes)),
        batch: Promise.resolve(undefined),
      };
      read.batch = this.readStore(topic.topicId, topic.name, partition, offset, read);
      this.inFlight.set(readKey, (pending = read));
      const forget = () => this.inFlight.delete(readKey);
      read.batch.then(forget, forget);
    }
    const { records } = pending;
    const batch = await pending.batch;
    if (!batch) return undefined;
    return { from: offset, batch, index: 0, atEnd: batch.endOffset >= batch.highWatermark && batch.records.length < records };
  }

  private async readStore(topicId: string, topic: string, partition: number, offset: number, read: PendingRead): Promise<FeedBatch | undefined> {
    await this.turn();
    try {
      const result = await this.fetch.read(topic, partition, { offset, maxRecords: read.records, maxBytes: read.bytes });
      if (result.records.length === 0) return undefined;
      const batch = new FeedBatch(topicId, topic, partition, offset, result.records, result.highWatermark, Date.now());
      // Kept only where consumers share the partition: a batch read for one consumer alone would
      // live on only to be promoted to the old generation, costing a partition's sole reader
      // garbage-collection time for nothing.
      if (read.readers > 1) {
        batch.shared = true;
        this.remember(`${topicId}\u0000${partition}`, batch);
      }
      return batch;
    } finally {
      this.done();
    }
  }

  private cached(key: string, offset: number): FeedBatch | undefined {
    const batches = this.cache.get(key);
    if (!batches) return undefined;
    const now = Date.now();
    for (const batch of batches) if (batch.covers(offset) && now - batch.readAt < this.limits.cacheTtlMs) return batch;
    return undefined;
  }

  private remember(key: string, batch: FeedBatch): void {
    const batches = (this.cache.get(key) ?? []).filter((b) => {
      const keep = b.fromOffset !== batch.fromOffset;
      if (!keep) this.cachedBytes -= b.bytes();
      return keep;
    });
    batches.push(batch);
    this.cache.set(key, batches);
    this.cachedBytes += batch.bytes();
    if (this.cachedBytes > this.limits.cacheBytes) this.evict(() => true);
  }

  /** Drops expired batches, and when over budget the oldest others too, until half the budget is free. */
  private evict(overBudget: () => boolean): void {
    const now = Date.now();
    const all: Array<[string, FeedBatch]> = [];
    for (const [key, batches] of this.cache) for (const batch of batches) all.push([key, batch]);
    all.sort((a, b) => a[1].readAt - b[1].readAt);
    const keep = all.filter(([, batch]) => now - batch.readAt < this.limits.cacheTtlMs);
    let bytes = keep.reduce((n, [, batch]) => n + batch.bytes(), 0);
    if (overBudget()) while (bytes > this.limits.cacheBytes / 2 && keep.length > 0) bytes -= keep.shift()![1].bytes();
    this.cache.clear();
    for (const [key, batch] of keep) {
      const list = this.cache.get(key) ?? [];
      list.push(batch);
      this.cache.set(key, list);
    }
    this.cachedBytes = bytes;
  }

  close(): void {
    clearInterval(this.sweeper);
  }

  private turn(): Promise<void> {
    if (this.reading < this.limits.maxConcurrentReads) {
      this.reading++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.queue.push(resolve));
  }

  private done(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.reading--;
  }
}

function chunked(json: string[]): Rendering {
  const chunkEnd = new Array<number>(json.length);
  const at = new Array<number>(json.length + 1);
  at[0] = 0;
  let chunkStart = 0;
  for (let i = 0; i < json.length; i++) {
    at[i + 1] = at[i] + json[i].length + 1;
    if (at[i + 1] - at[chunkStart] >= CHUNK_BYTES || i + 1 - chunkStart >= CHUNK_RECORDS || i === json.length - 1) {
      for (let j = chunkStart; j <= i; j++) chunkEnd[j] = i + 1;
      chunkStart = i + 1;
    }
  }
  return { json, chunkEnd, at };
}
