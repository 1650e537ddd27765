import { ErrorCode, GatewayError, notAssigned } from '../errors.js';
import type { FetchService } from '../fetch/fetch-service.js';
import type { RecordWaiter } from '../fetch/append-notifier.js';
import { tpKey, type TopicPartition } from '../log/store.js';
import type { RecordRenderer } from './delivered-record.js';
import type { FeedBatch, FeedRead, PartitionFeeds, Rendering } from './partition-feeds.js';
import type { TailFollower } from './partition-tails.js';
import { Signal } from './signal.js';
import { startingOffset, type OffsetResetPolicy } from './start-offsets.js';

/** A run of consecutive records of one batch, rendered, as a sink receives it. */
export interface DeliveredRun {
  batch: FeedBatch;
  /** Indexes in `batch.records`: the run is records[start] … records[end - 1]. */
  start: number;
  end: number;
  /** The batch rendered in the consumer's format. */
  rendering: Rendering;
  /** Names the format, for frames shared by consumers of one format. */
  format: string;
}

/** Where delivered records go: a WebSocket, an SSE response. */
export interface DeliverySink {
  send(run: DeliveredRun): void;
  /** Bytes the sink may take now (its client's share of the outbound budget less what it has queued); 0 or less holds delivery back. */
  room(): number;
}

export interface DeliveryOptions {
  /** Records the client may receive before it grants more (flow control), shared by all its partitions. */
  credit: number;
  /** What an offset that retention has passed (or that is past the end) becomes. */
  offsetReset: OffsetResetPolicy;
  /** The format's name and its renderer (per partition). */
  format: string;
  renderer(tp: TopicPartition): RecordRenderer;
  /** Runs before a batch is sent, with the partition's position after it (at-most-once commits here). */
  beforeSend?(tp: TopicPartition, nextOffset: number): Promise<void>;
  /** A partition stopped for a reason the client must hear about. */
  onError(tp: TopicPartition, error: GatewayError): void;
  /** How long one blocking wait for new records lasts before the loop looks around again. */
  waitTimeoutMs?: number;
}

interface PartitionReader extends TopicPartition {
  /** Next offset to deliver. */
  offset: number;
  paused: boolean;
  stopped: boolean;
  /** Aborts the current blocking wait (seek, pause, stop). */
  wait: AbortController;
  loop: Promise<void>;
  render: RecordRenderer;
}

const key = (tp: TopicPartition) => tpKey(tp.topic, tp.partition);
const MAX_BATCH = 500;
const BACKOFF_MS = 1000;

/**
 * Delivers records of assigned partitions to one sink, as they are appended: one loop per
 * partition reads from its position, waits (blocking, not polling) at the end of the log, and
 * sends only what the client's credit allows and only while the sink is not backed up — so a slow
 * client never makes the gateway buffer without bound.
 */
export class PartitionDelivery {
  private readonly readers = new Map<string, PartitionReader>();
  private readonly changed = new Signal();
  private credit: number;
  private closed = false;
  /** Assignments under way: their partitions start delivering together, sharing the credit from the first read. */
  private starting = 0;

  constructor(
    private readonly fetch: FetchService,
    private readonly feeds: PartitionFeeds,
    private readonly waiter: RecordWaiter,
    private readonly sink: DeliverySink,
    private readonly options: DeliveryOptions,
  ) {
    this.credit = options.credit;
  }

  addCredit(records: number): void {
    this.credit += records;
    this.changed.notify();
  }

  /** The sink drained: loops held back by its backlog may go on. */
  drained(): void {
    this.changed.notify();
  }

  assigned(): TopicPartition[] {
    return [...this.readers.values()].map(({ topic, partition }) => ({ topic, partition }));
  }

  has(tp: TopicPartition): boolean {
    return this.readers.has(key(tp));
  }

  /** Next offset to deliver per partition (the position after the last delivered record). */
  positions(): Array<TopicPartition & { offset: number }> {
    return [...this.readers.values()].map(({ topic, partition, offset }) => ({ topic, partition, offset }));
  }

  /**
   * Starts delivering a partition at `offset` (resolved by the caller); resolves with the offset it
   * starts at (for a partition already assigned, its position), or undefined once closed.
   */
  assign(tp: TopicPartition, offset: number): number | undefined {
    if (this.closed) return undefined;
    const held = this.readers.get(key(tp));
    if (held) return held.offset;
    const reader: PartitionReader = {
      ...tp,
      offset,
      paused: false,
      stopped: false,
      wait: new AbortController(),
      loop: Promise.resolve(),
      render: this.options.renderer(tp),
    };
    this.readers.set(key(tp), reader);
    reader.loop = this.run(reader);
    return offset;
  }

  /** Runs `work` (which assigns partitions) with delivery held back until it is done. */
  async assigning<T>(work: () => Promise<T>): Promise<T> {
    this.starting++;
    try {
      return await work();
    } finally {
      this.starting--;
      this.changed.notify();
    }
  }

  /** Stops delivering a partition and resolves once its loop has stopped; returns its position. */
  async revoke(tp: TopicPartition): Promise<number | undefined> {
    const reader = this.readers.get(key(tp));
    if (!reader) return undefined;
    reader.stopped = true;
    reader.wait.abort();
    this.changed.notify();
    await reader.loop;
    this.readers.delete(key(tp));
    return reader.offset;
  }

  /** Moves a partition's position to `offset` (resolved and range-checked by the caller). */
  seek(tp: TopicPartition, offset: number): void {
    const reader = this.readers.get(key(tp));
    if (!reader) throw notAssigned(tp);
    reader.offset = offset;
    reader.wait.abort();
    this.changed.notify();
  }

  setPaused(tps: TopicPartition[] | undefined, paused: boolean): void {
    for (const reader of this.readers.values()) {
      if (tps && !tps.some((tp) => key(tp) === key(reader))) continue;
      reader.paused = paused;
      reader.wait.abort();
    }
    this.changed.notify();
  }

  /** Stops delivering every partition; resolves once all loops stopped, with their positions. */
  async close(): Promise<Array<TopicPartition & { offset: number }>> {
    this.closed = true;
    const partitions = this.assigned();
    const offsets = await Promise.all(partitions.map((tp) => this.revoke(tp)));
    return partitions.flatMap((tp, i) => (offsets[i] === undefined ? [] : [{ ...tp, offset: offsets[i] }]));
  }

  private blocked(reader: PartitionReader): boolean {
    return reader.paused || this.starting > 0 || this.credit <= 0 || this.sink.room() <= 0;
  }

  /**
   * Takes this reader's part of the socket's credit before it reads, so partitions reading at the
   * same time never deliver more than the client granted: an even split among the partitions that
   * may deliver now, at least one record each while any credit is left.
   */
  private reserveCredit(): number {
    let active = 0;
    for (const reader of this.readers.values()) if (!reader.paused && !reader.stopped) active++;
    const grant = Math.min(this.credit, MAX_BATCH, Math.max(1, Math.ceil(this.credit / Math.max(1, active))));
    this.credit -= grant;
    return grant;
  }

  private returnCredit(records: number): void {
    if (records <= 0) return;
    this.credit += records;
    this.changed.notify();
  }

  private async run(reader: PartitionReader): Promise<void> {
    while (!reader.stopped && !this.closed) {
      if (this.blocked(reader)) {
        await this.changed.wait(reader.wait.signal);
        if (reader.wait.signal.aborted) reader.wait = new AbortController();
        continue;
      }
      const from = reader.offset;
      try {
        const waitFrom = await this.deliverOnce(reader, from);
        // Caught up: wait at the partition's tail with its other readers (an at-most-once member
        // commits before each batch, which the tail's synchronous hand-over cannot do).
        if (waitFrom !== undefined) await (this.options.beforeSend ? this.waitAtEnd(reader, waitFrom) : this.follow(reader, waitFrom));
      } catch (caught) {
        if (reader.stopped) break;
        let error = caught;
        if (error instanceof GatewayError && error.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
          try {
            // Retention passed the position (or the log was cut below it): auto.offset.reset decides.
            const log = await this.fetch.offsets(reader.topic, reader.partition);
            if (reader.offset === from) reader.offset = startingOffset(reader, from, log, this.options.offsetReset);
            continue;
          } catch (resetError) {
            error = resetError;
          }
        }
        const failure = error instanceof GatewayError ? error : new GatewayError(ErrorCode.INTERNAL, 'Delivery failed unexpectedly.', { cause: error });
        this.options.onError(reader, failure);
        if (!failure.retriable) {
          reader.stopped = true;
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, BACKOFF_MS));
      }
    }
  }

  /**
   * Delivers one run of records at `from` within the credit it reserves and the room the sink has.
   * Returns the offset to wait at when the read reached the end of the log (the high watermark came
   * in the same round trip), so the loop waits for the next append instead of reading once more
   * only to find nothing. Credit it did not use goes back, whatever happens.
   */
  private async deliverOnce(reader: PartitionReader, from: number): Promise<number | undefined> {
    const maxRecords = this.reserveCredit();
    let sent = 0;
    try {
      const read = await this.feeds.read(reader.topic, reader.partition, from, { records: maxRecords, bytes: this.sink.room() });
      if (reader.stopped || reader.offset !== from) return undefined; // revoked or seeked meanwhile
      if (!read) return from;
      const { batch, index } = read;
      const rendering = await batch.rendered(this.options.format, reader.render);
      const end = runEnd(rendering, index, maxRecords, this.sink.room());
      const next = batch.records[end - 1].offset + 1;
      if (reader.stopped || reader.offset !== from) return undefined;
      await this.options.beforeSend?.(reader, next);
      if (reader.stopped || reader.offset !== from) return undefined;
      sent = end - index;
      reader.offset = next;
      this.sink.send({ batch, start: index, end, rendering, format: this.options.format });
      return read.atEnd && end === batch.records.length ? next : undefined;
    } finally {
      this.returnCredit(maxRecords - sent);
    }
  }

  /**
   * Parks the reader at the partition's tail from `from` (PartitionTails): new batches are
   * delivered to it there, synchronously, while it can take them whole; resolves when it leaves —
   * held back, a batch only partly taken, or woken by a seek, pause or revoke — so the loop goes on.
   */
  private follow(reader: PartitionReader, from: number): Promise<void> {
    const tails = this.feeds.tails;
    return new Promise((resolve) => {
      const signal = reader.wait.signal;
      if (signal.aborted) return resolve();
      let left = false;
      const follower: TailFollower = {
        format: this.options.format,
        render: reader.render,
        offer: (read) => this.deliverAtTail(reader, read),
        dropped: () => leave(),
      };
      const leave = () => {
        if (left) return;
        left = true;
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) reader.wait = new AbortController();
        resolve();
      };
      const onAbort = () => {
        tails.unfollow(follower);
        leave();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      tails.follow(reader.topic, reader.partition, from, follower);
    });
  }

  /** A batch offered at the tail: delivers it (or what credit and room allow) at once; true when all of it went. */
  private deliverAtTail(reader: PartitionReader, read: FeedRead): boolean {
    const { batch, index } = read;
    // The tail read from where this reader stands; its first record may be past a gap (a compacted partition).
    if (reader.stopped || this.closed || this.blocked(reader) || read.from !== reader.offset) return false;
    const rendering = batch.renderedNow(this.options.format);
    if (!rendering) return false;
    const maxRecords = this.reserveCredit();
    const end = runEnd(rendering, index, maxRecords, this.sink.room());
    reader.offset = batch.records[end - 1].offset + 1;
    this.sink.send({ batch, start: index, end, rendering, format: this.options.format });
    this.returnCredit(maxRecords - (end - index));
    return end === batch.records.length;
  }

  /** Waits (blocking, not polling) until the partition may hold records at `from`, or the reader is woken. */
  private async waitAtEnd(reader: PartitionReader, from: number): Promise<void> {
    await this.waiter.waitForRecords(reader.topic, reader.partition, from, this.options.waitTimeoutMs ?? 20_000, reader.wait.signal);
    if (reader.wait.signal.aborted) reader.wait = new AbortController();
  }
}

/**
 * Where a consumer's run from `start` ends: at most `maxRecords` records, and whole chunks while
 * they fit in `room` bytes — but always the first chunk (or what the credit allows of it), so a
 * client's queue goes over its share by one chunk at most and consumers at one position send the
 * same chunks.
 */
function runEnd(rendering: Rendering, start: number, maxRecords: number, room: number): number {
  const limit = Math.min(rendering.json.length, start + maxRecords);
  let end = Math.min(rendering.chunkEnd[start], limit);
  while (end < limit) {
    const chunkEnd = Math.min(rendering.chunkEnd[end], limit);
    if (rendering.at[chunkEnd] - rendering.at[start] > room) break;
    end = chunkEnd;
  }
  return end;
}
