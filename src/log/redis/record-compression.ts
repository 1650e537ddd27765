import { ErrorCode, GatewayError } from '../../errors.js';
import type { RedisConnection } from '../../redis/connection.js';
import { compress, decompress, isRecordCodec, ZstdDictionary, type Compression, type RecordCodec } from '../codecs.js';
import type { AppendRecord, LogRecord } from '../store.js';
import type { LogKeys } from './keys.js';

/** A record on its way into a stream entry: its value as stored, and the entry's `c` field when compressed. */
export interface StoredRecord extends AppendRecord {
  codec?: string;
}

/**
 * Bytes of sample values a topic's zstd dictionary is made of. About 16 KB of ~1 KB JSON records
 * brings zstd per record from 0.67× to 0.19×; larger dictionaries gain little (bench/README.md).
 */
const DICTIONARY_BYTES = 16 * 1024;
/** Dictionaries a gateway keeps for reading, across topics; a topic normally has one. */
const READ_CACHE_LIMIT = 1000;
const CURRENT = 'current';

interface TopicWriter {
  topicId: string;
  dictionary?: ZstdDictionary;
  samples: Buffer[];
  sampleBytes: number;
  /** The dictionary look-up or creation under way, shared by concurrent appends. */
  pending?: Promise<void>;
}

/**
 * Compresses record values as a topic's `compression.type` asks and decompresses them on read.
 * Only the value is compressed (keys stay readable for compaction, headers are small); a value that
 * would not get smaller is stored as it is, without a codec marker.
 *
 * zstd records of one topic share a dictionary made of the topic's first values (zstd's raw content
 * dictionary), stored in the topic's dictionary hash before any record names it. Until a gateway has
 * seen enough values for one (and no other gateway has made one), records are compressed without.
 */
export class RecordCompression {
  private readonly writers = new Map<string, TopicWriter>();
  private readonly readers = new Map<string, ZstdDictionary>();

  constructor(
    private readonly redis: RedisConnection,
    private readonly keys: LogKeys,
  ) {}

  /** The records with their values compressed by `codec` where that makes them smaller. */
  async encode(topic: string, topicId: string | undefined, codec: Compression, records: readonly AppendRecord[]): Promise<StoredRecord[]> {
    if (codec === 'none') return records as StoredRecord[];
    const dictionary = codec === 'zstd' ? await this.writerDictionary(topic, topicId ?? '', records) : undefined;
    const marker = dictionary ? `zstd:${dictionary.id}` : codec;
    return records.map((record) => {
      if (record.value === null || record.value.length === 0) return record;
      const value = compress(codec, record.value, dictionary);
      return value.length < record.value.length ? { ...record, value, codec: marker } : record;
    });
  }

  /** Whether reading records with these markers needs a dictionary this gateway has not loaded yet. */
  needsDictionaries(topic: string, markers: ReadonlyArray<string | undefined>): boolean {
    return markers.some((marker) => marker !== undefined && marker.startsWith('zstd:') && !this.readers.has(readerKey(topic, marker.slice(5))));
  }

  async loadDictionaries(topic: string, markers: ReadonlyArray<string | undefined>): Promise<void> {
    const ids = new Set(markers.filter((m): m is string => m !== undefined && m.startsWith('zstd:')).map((m) => m.slice(5)));
    for (const id of ids) {
      if (this.readers.has(readerKey(topic, id))) continue;
      const bytes = await this.redis.hgetBuffer(this.keys.dictionaries(topic), id);
      if (!bytes)
        throw new GatewayError(ErrorCode.BACKEND_ERROR, `Topic '${topic}' has records compressed with zstd dictionary ${id}, which is missing from Redis.`);
      this.remember(topic, new ZstdDictionary(id, bytes));
    }
  }

  /** The record with its value as produced; dictionaries must have been loaded (see `loadDictionaries`). */
  decode(topic: string, record: LogRecord, marker: string): LogRecord {
    if (record.value === null) return record;
    const [name, id] = marker.split(':', 2);
    if (!isRecordCodec(name)) throw new GatewayError(ErrorCode.BACKEND_ERROR, `Record ${record.offset} of topic '${topic}' has an unknown codec '${marker}'.`);
    const dictionary = id === undefined ? undefined : this.readers.get(readerKey(topic, id));
    if (id !== undefined && !dictionary) throw new Error(`zstd dictionary ${id} of topic '${topic}' is not loaded`);
    record.value = decompress(name as RecordCodec, record.value, dictionary);
    return record;
  }

  /** Forgets a deleted topic's dictionary, so a topic created again under its name makes its own. */
  forget(topic: string): void {
    this.writers.delete(topic);
  }

  private async writerDictionary(topic: string, topicId: string, records: readonly AppendRecord[]): Promise<ZstdDictionary | undefined> {
    let writer = this.writers.get(topic);
    if (!writer || writer.topicId !== topicId) {
      writer = { topicId, samples: [], sampleBytes: 0 };
      this.writers.set(topic, writer);
      const state = writer;
      writer.pending = this.adoptCurrent(topic, state).finally(() => (state.pending = undefined));
    }
    if (writer.pending) await writer.pending;
    if (writer.dictionary) return writer.dictionary;
    for (const record of records) {
      if (writer.sampleBytes >= DICTIONARY_BYTES) break;
      if (record.value === null || record.value.length === 0) continue;
      writer.samples.push(Buffer.from(record.value));
      writer.sampleBytes += record.value.length;
    }
    if (writer.sampleBytes >= DICTIONARY_BYTES) {
      const state = writer;
      writer.pending = this.publish(topic, state).finally(() => (state.pending = undefined));
      await writer.pending;
    }
    return writer.dictionary;
  }

  /** Takes the topic's current dictionary when some gateway has made one already. */
  private async adoptCurrent(topic: string, writer: TopicWriter): Promise<void> {
    const key = this.keys.dictionaries(topic);
    const id = await this.redis.hget(key, CURRENT);
    if (id === null) return;
    const bytes = await this.redis.hgetBuffer(key, id);
    if (bytes) writer.dictionary = this.remember(topic, new ZstdDictionary(id, bytes));
  }

  /**
   * Stores a dictionary made of this gateway's samples and makes it current unless another gateway
   * was first; then uses whichever is current. The dictionary is written before any record names it.
   */
  private async publish(topic: string, writer: TopicWriter): Promise<void> {
    if (writer.dictionary) return;
    const made = ZstdDictionary.fromSamples(writer.samples, DICTIONARY_BYTES);
    const key = this.keys.dictionaries(topic);
    await this.redis.hsetnx(key, made.id, made.bytes);
    await this.redis.hsetnx(key, CURRENT, made.id);
    writer.samples = [];
    const current = await this.redis.hget(key, CURRENT);
    if (current === made.id) writer.dictionary = this.remember(topic, made);
    else await this.adoptCurrent(topic, writer);
  }

  private remember(topic: string, dictionary: ZstdDictionary): ZstdDictionary {
    if (this.readers.size >= READ_CACHE_LIMIT) this.readers.delete(this.readers.keys().next().value!);
    this.readers.set(readerKey(topic, dictionary.id), dictionary);
    return dictionary;
  }
}

const readerKey = (topic: string, id: string): string => `${topic}\u0000${id}`;
