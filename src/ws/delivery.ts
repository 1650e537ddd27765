import { ErrorCode, GatewayError } from '../errors.js';
import type { FetchService } from '../fetch/fetch-service.js';
import type { LogRecord } from '../log/store.js';
import { embeddedParts, type EmbeddedFormat } from '../records/embedded-format.js';
import { Signal } from './signal.js';

/** Waits for a partition to grow past an offset without polling Redis in a loop. */
export interface RecordWaiter {
  /** Resolves true when records at or after `fromOffset` may exist, false on timeout or abort. */
  waitForRecords(topic: string, partition: number, fromOffset: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

/** A record as a socket or event stream delivers it. */
export interface DeliveredRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: unknown;
  value: unknown;
  headers: Array<{ name: string; value: string | null }>;
  /** Set when the key or value could not be decoded in the asked format; the record is still delivered. */
  error?: string;
}

/** Where delivered batches go: a WebSocket, an SSE response. */
export interface DeliverySink {
  send(batch: DeliveredRecord[]): void;
  /** Bytes handed to `send` that the transport has not flushed yet. */
  backlogBytes(): number;
}

export type StartOffset = number | 'earliest' | 'latest';
export type OffsetResetPolicy = 'earliest' | 'latest' | 'none';

export type RecordDecoder = (record: LogRecord) => Promise<Pick<DeliveredRecord, 'key' | 'value' | 'error'>>;

export interface DeliveryOptions {
  /** Records the client may receive before it grants more (flow control). */
  credit: number;
  /** The sink's backlog above which delivery waits for it to drain. */
  maxBacklogBytes: number;
  /** What an offset that retention has passed (or that is past the end) becomes. */
  offsetReset: OffsetResetPolicy;
  format: EmbeddedFormat;
  /** Decodes schema formats; embedded formats (json, binary, string) need none. */
  decode?: RecordDecoder;
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
}

const key = (tp: TopicPartition) => `${tp.topic}\u0000${tp.partition}`;
const MAX_BATCH = 500;
const MAX_BATCH_BYTES = 1024 * 1024;
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

  constructor(
    private readonly fetch: FetchService,
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
   * Starts delivering a partition from `start`; resolves with the offset it starts at (for a
   * partition already assigned, its position), or undefined once closed.
   */
  async assign(tp: TopicPartition, start: StartOffset): Promise<number | undefined> {
    if (this.closed) return undefined;
    const held = this.readers.get(key(tp));
    if (held) return held.offset;
    const offset = await this.resolve(tp, start);
    const reader: PartitionReader = { ...tp, offset, paused: false, stopped: false, wait: new AbortController(), loop: Promise.resolve() };
    this.readers.set(key(tp), reader);
    reader.loop = this.run(reader);
    return offset;
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

  async seek(tp: TopicPartition, target: StartOffset | { timestamp: number }): Promise<void> {
    const reader = this.readers.get(key(tp));
    if (!reader) throw new GatewayError(ErrorCode.PARTITION_NOT_FOUND, `Partition ${tp.partition} of topic '${tp.topic}' is not assigned to this consumer.`);
    let offset: number;
    if (typeof target === 'object') {
      const found = await this.fetch.offsetForTimestamp(tp.topic, tp.partition, target.timestamp);
      offset = found?.offset ?? (await this.fetch.offsets(tp.topic, tp.partition)).nextOffset;
    } else if (typeof target === 'number') {
      const { logStartOffset, nextOffset } = await this.fetch.offsets(tp.topic, tp.partition);
      if (target < logStartOffset || target > nextOffset) {
        throw new GatewayError(ErrorCode.OFFSET_OUT_OF_RANGE, `Offset ${target} is out of range for partition ${tp.partition} of topic '${tp.topic}' (log holds ${logStartOffset} to ${nextOffset - 1}).`);
      }
      offset = target;
    } else offset = await this.resolve(tp, target);
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

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.assigned().map((tp) => this.revoke(tp)));
  }

  private async resolve(tp: TopicPartition, start: StartOffset): Promise<number> {
    const { logStartOffset, nextOffset } = await this.fetch.offsets(tp.topic, tp.partition);
    if (start === 'earliest') return logStartOffset;
    if (start === 'latest') return nextOffset;
    if (start >= logStartOffset && start <= nextOffset) return start;
    return this.reset(tp, start, logStartOffset, nextOffset);
  }

  private reset(tp: TopicPartition, offset: number, logStartOffset: number, nextOffset: number): number {
    if (this.options.offsetReset === 'none') {
      throw new GatewayError(
        ErrorCode.OFFSET_OUT_OF_RANGE,
        `Offset ${offset} of partition ${tp.partition} of topic '${tp.topic}' is out of range (log holds ${logStartOffset} to ${nextOffset - 1}) and auto.offset.reset is none.`,
      );
    }
    return this.options.offsetReset === 'earliest' ? logStartOffset : nextOffset;
  }

  private blocked(reader: PartitionReader): boolean {
    return reader.paused || this.credit <= 0 || this.sink.backlogBytes() > this.options.maxBacklogBytes;
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
        const maxRecords = Math.min(this.credit, MAX_BATCH);
        const result = await this.fetch.read(reader.topic, reader.partition, { offset: from, maxRecords, maxBytes: MAX_BATCH_BYTES });
        if (reader.stopped || reader.offset !== from) continue; // revoked or seeked meanwhile
        if (result.records.length === 0) {
          await this.waitAtEnd(reader, from);
          continue;
        }
        const batch = this.options.decode ? await Promise.all(result.records.map((record) => this.decoded(reader, record))) : result.records.map((record) => this.render(reader, record));
        const next = result.records[result.records.length - 1].offset + 1;
        if (reader.stopped || reader.offset !== from) continue;
        await this.options.beforeSend?.(reader, next);
        if (reader.stopped || reader.offset !== from) continue;
        this.credit -= batch.length;
        reader.offset = next;
        this.sink.send(batch);
        // The read reached the end of the log (the high watermark came in the same round trip): wait
        // for the next append now instead of reading once more only to find nothing.
        if (result.records.length < maxRecords && next >= result.highWatermark) await this.waitAtEnd(reader, next);
      } catch (caught) {
        if (reader.stopped) break;
        let error = caught;
        if (error instanceof GatewayError && error.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
          try {
            const { logStartOffset, nextOffset } = await this.fetch.offsets(reader.topic, reader.partition);
            if (reader.offset === from) reader.offset = this.reset(reader, from, logStartOffset, nextOffset);
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

  /** Waits (blocking, not polling) until the partition may hold records at `from`, or the reader is woken. */
  private async waitAtEnd(reader: PartitionReader, from: number): Promise<void> {
    await this.waiter.waitForRecords(reader.topic, reader.partition, from, this.options.waitTimeoutMs ?? 20_000, reader.wait.signal);
    if (reader.wait.signal.aborted) reader.wait = new AbortController();
  }

  /** A record in the consumer's embedded format (json, binary or string). */
  private render(tp: TopicPartition, record: LogRecord, decoded?: Awaited<ReturnType<RecordDecoder>>): DeliveredRecord {
    const { key, value, error }: Pick<DeliveredRecord, 'key' | 'value' | 'error'> = decoded ?? this.embedded(record);
    return {
      topic: tp.topic,
      partition: tp.partition,
      offset: record.offset,
      timestamp: record.timestamp,
      key,
      value,
      error, // undefined unless decoding failed; JSON leaves it out
      headers: record.headers.map((h) => ({ name: h.name, value: h.value === null ? null : h.value.toString('base64') })),
    };
  }

  /** Key and value in an embedded format; JSON stays as its stored text for the sinks to embed. */
  private embedded(record: LogRecord): Pick<DeliveredRecord, 'key' | 'value' | 'error'> {
    return embeddedParts(record, this.options.format, true);
  }

  /** A record decoded with its schema (format avro, protobuf or jsonschema). */
  private async decoded(tp: TopicPartition, record: LogRecord): Promise<DeliveredRecord> {
    return this.render(tp, record, await this.options.decode!(record));
  }
}
