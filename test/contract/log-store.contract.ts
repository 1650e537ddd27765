/**
 * The contract every LogStore implementation passes (MemoryStore and RedisStreamsStore): the
 * Kafka log semantics the services build on.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppendRecord, LogStore, TopicMetadata } from '../../src/log/store.js';
import { compressionContract } from './compression.contract.js';

export interface StoreFactory {
  /** A fresh, empty store (a new key prefix for Redis). */
  create(): Promise<LogStore>;
  /** Stops whatever `create` needed (e.g. the redis-server). */
  teardown?(): Promise<void>;
}

const topic = (name: string, partitions = 2, configs: Record<string, string> = {}): TopicMetadata => ({
  name,
  topicId: randomUUID(),
  partitions,
  replicationFactor: 1,
  configs,
  createdAt: Date.now(),
});

const record = (value: string | null, extra: Partial<AppendRecord> = {}): AppendRecord => ({
  key: null,
  value: value === null ? null : Buffer.from(value),
  headers: [],
  timestamp: 1_700_000_000_000,
  ...extra,
});

const CREATE = { timestampType: 'CreateTime' } as const;
const ALL = { maxRecords: 10_000, maxBytes: 64 * 1024 * 1024 };

export function logStoreContract(name: string, factory: StoreFactory): void {
  describe(`${name} (log store contract)`, () => {
    let store: LogStore;
    beforeAll(async () => {
      store = await factory.create();
    });
    afterAll(async () => {
      await store?.close();
      await factory.teardown?.();
    });

    it('gives dense offsets from 0 across batches', async () => {
      expect(await store.append('dense', 0, [record('a'), record('b')], CREATE)).toEqual({ baseOffset: 0, logAppendTime: -1 });
      expect((await store.append('dense', 0, [record('c')], CREATE)).baseOffset).toBe(2);
      expect((await store.append('dense', 0, [record('d'), record('e'), record('f')], CREATE)).baseOffset).toBe(3);
      const read = await store.read('dense', 0, 0, ALL);
      expect(read.map((r) => r.offset)).toEqual([0, 1, 2, 3, 4, 5]);
      expect(read.map((r) => r.value?.toString())).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
      expect(await store.offsets('dense', 0)).toEqual({ logStartOffset: 0, nextOffset: 6 });
    });

    it('keeps partitions independent', async () => {
      await store.append('independent', 0, [record('p0')], CREATE);
      await store.append('independent', 1, [record('p1-a'), record('p1-b')], CREATE);
      expect(await store.offsets('independent', 0)).toEqual({ logStartOffset: 0, nextOffset: 1 });
      expect(await store.offsets('independent', 1)).toEqual({ logStartOffset: 0, nextOffset: 2 });
      expect(await store.offsets('independent', 2)).toEqual({ logStartOffset: 0, nextOffset: 0 });
    });

    it('appends batches to several partitions in one call, each at its own dense offsets', async () => {
      await store.append('many', 1, [record('before')], CREATE);
      const results = await store.appendBatches(
        'many',
        [
          { partition: 2, records: [record('p2-a'), record('p2-b')] },
          { partition: 1, records: [record('p1-a')] },
          { partition: 0, records: [record('p0-a'), record('p0-b'), record('p0-c')] },
        ],
        CREATE,
      );
      expect(results).toEqual([
        { baseOffset: 0, logAppendTime: -1 },
        { baseOffset: 1, logAppendTime: -1 },
        { baseOffset: 0, logAppendTime: -1 },
      ]);
      const values = async (partition: number) => (await store.read('many', partition, 0, ALL)).map((r) => [r.offset, r.value?.toString()]);
      expect(await values(0)).toEqual([
        [0, 'p0-a'],
        [1, 'p0-b'],
        [2, 'p0-c'],
      ]);
      expect(await values(1)).toEqual([
        [0, 'before'],
        [1, 'p1-a'],
      ]);
      expect(await values(2)).toEqual([
        [0, 'p2-a'],
        [1, 'p2-b'],
      ]);
      const logAppend = await store.appendBatches(
        'many',
        [
          { partition: 0, records: [record('x')] },
          { partition: 1, records: [record('y')] },
        ],
        { timestampType: 'LogAppendTime' },
      );
      expect(logAppend[0].logAppendTime).toBeGreaterThan(1_700_000_000_000);
      expect(logAppend[1].logAppendTime).toBe(logAppend[0].logAppendTime);
      expect((await store.read('many', 1, 2, ALL))[0].timestamp).toBe(logAppend[0].logAppendTime);
    });

    it('returns keys, values and headers byte-exact', async () => {
      const binary = Buffer.from([0, 255, 128, 10, 13, 0, 1]);
      const appended: AppendRecord[] = [
        { key: binary, value: Buffer.from([0xff, 0xfe, 0x00]), headers: [{ name: 'h', value: Buffer.from([0, 1, 2]) }], timestamp: 5 },
        { key: Buffer.alloc(0), value: null, headers: [], timestamp: 6 },
        { key: null, value: Buffer.alloc(0), headers: [], timestamp: 7 },
        {
          key: null,
          value: Buffer.from('x'),
          headers: [
            { name: 'dup', value: Buffer.from('first') },
            { name: 'ü-name', value: null },
            { name: 'dup', value: Buffer.from('second') },
            { name: '', value: Buffer.alloc(0) },
          ],
          timestamp: 8,
        },
      ];
      await store.append('bytes', 0, appended, CREATE);
      const read = await store.read('bytes', 0, 0, ALL);
      expect(read).toHaveLength(4);
      read.forEach((r, i) => {
        expect(r.offset).toBe(i);
        expect(r.key).toEqual(appended[i].key);
        expect(r.value).toEqual(appended[i].value);
        expect(r.headers).toEqual(appended[i].headers);
        expect(r.timestamp).toBe(appended[i].timestamp);
      });
      expect(read[1].key).not.toBeNull();
      expect(read[1].value).toBeNull();
      expect(read[2].key).toBeNull();
    });

    it('stamps one append time on a LogAppendTime batch and keeps CreateTime otherwise', async () => {
      const before = Date.now();
      const result = await store.append('times', 0, [record('a', { timestamp: 1 }), record('b', { timestamp: 2 })], { timestampType: 'LogAppendTime' });
      expect(result.logAppendTime).toBeGreaterThanOrEqual(before - 1000);
      const read = await store.read('times', 0, 0, ALL);
      expect(read.map((r) => r.timestamp)).toEqual([result.logAppendTime, result.logAppendTime]);
      await store.append('times', 0, [record('c', { timestamp: 3 })], CREATE);
      expect((await store.read('times', 0, 2, ALL))[0].timestamp).toBe(3);
    });

    it('honours the record limit and the byte limit, and always returns a first record', async () => {
      await store.append(
        'limits',
        0,
        Array.from({ length: 20 }, (_, i) => record(`${i}`.padStart(100, '0'))),
        CREATE,
      );
      expect((await store.read('limits', 0, 5, { maxRecords: 3, maxBytes: ALL.maxBytes })).map((r) => r.offset)).toEqual([5, 6, 7]);
      const byBytes = await store.read('limits', 0, 0, { maxRecords: 100, maxBytes: 350 });
      expect(byBytes.length).toBeGreaterThanOrEqual(3);
      expect(byBytes.length).toBeLessThanOrEqual(4);
      expect(await store.read('limits', 0, 0, { maxRecords: 100, maxBytes: 1 })).toHaveLength(1);
      expect(await store.read('limits', 0, 20, ALL)).toEqual([]);
    });

    it("counts a record's headers against the byte limit as Kafka's record format does, however empty they are", async () => {
      // 300 headers with an empty name and a null value: 2 bytes each in Kafka's format, 609 bytes in all.
      const headers = Array.from({ length: 300 }, () => ({ name: '', value: null }));
      await store.append('header-bytes', 0, [record(null, { headers }), record(null, { headers }), record(null, { headers })], CREATE);
      expect(await store.read('header-bytes', 0, 0, { maxRecords: 100, maxBytes: 1000 })).toHaveLength(1);
      expect(await store.read('header-bytes', 0, 0, { maxRecords: 100, maxBytes: 1300 })).toHaveLength(2);
    });

    it('reads more than one internal chunk in order', async () => {
      const many = Array.from({ length: 1234 }, (_, i) => record(String(i)));
      await store.append('chunks', 0, many, CREATE);
      const read = await store.read('chunks', 0, 3, { maxRecords: 1200, maxBytes: ALL.maxBytes });
      expect(read).toHaveLength(1200);
      expect(read[0].offset).toBe(3);
      expect(read.at(-1)?.offset).toBe(1202);
    });

    it('advances the log start on delete and never reuses offsets', async () => {
      await store.append('trim', 0, [record('a'), record('b'), record('c'), record('d')], CREATE);
      expect(await store.deleteRecordsBefore('trim', 0, 2)).toBe(2);
      expect(await store.offsets('trim', 0)).toEqual({ logStartOffset: 2, nextOffset: 4 });
      expect((await store.read('trim', 0, 2, ALL)).map((r) => r.value?.toString())).toEqual(['c', 'd']);
      expect(await store.deleteRecordsBefore('trim', 0, 1)).toBe(2);
      expect(await store.deleteRecordsBefore('trim', 0, 99)).toBe(4);
      expect(await store.offsets('trim', 0)).toEqual({ logStartOffset: 4, nextOffset: 4 });
      expect((await store.append('trim', 0, [record('e')], CREATE)).baseOffset).toBe(4);
      expect((await store.read('trim', 0, 4, ALL)).map((r) => r.offset)).toEqual([4]);
    });

    it('finds the first offset at or after a time, with timestamps out of order', async () => {
      const stamps = [1_000, 5_000, 3_000, 9_000, 7_000, 9_000, 20_000];
      await store.append(
        'by-time',
        0,
        stamps.map((t) => record(String(t), { timestamp: t })),
        CREATE,
      );
      expect(await store.offsetForTimestamp('by-time', 0, 0)).toBe(0);
      expect(await store.offsetForTimestamp('by-time', 0, 1_000)).toBe(0);
      expect(await store.offsetForTimestamp('by-time', 0, 2_000)).toBe(1);
      expect(await store.offsetForTimestamp('by-time', 0, 6_000)).toBe(3);
      expect(await store.offsetForTimestamp('by-time', 0, 9_000)).toBe(3);
      expect(await store.offsetForTimestamp('by-time', 0, 10_000)).toBe(6);
      expect(await store.offsetForTimestamp('by-time', 0, 20_001)).toBeUndefined();
      expect(await store.offsetForTimestamp('by-time', 1, 0)).toBeUndefined();
    });

    it('finds times across many batches and below a trimmed start', async () => {
      for (let batch = 0; batch < 30; batch++) {
        await store.append(
          'by-time-many',
          0,
          Array.from({ length: 10 }, (_, i) => record('x', { timestamp: 100_000 + batch * 1_000 + i * 10 })),
          CREATE,
        );
      }
      expect(await store.offsetForTimestamp('by-time-many', 0, 100_000 + 17 * 1_000 + 35)).toBe(17 * 10 + 4);
      await store.deleteRecordsBefore('by-time-many', 0, 100);
      expect(await store.offsetForTimestamp('by-time-many', 0, 0)).toBe(100);
    });

    it('creates a topic only once, lists, updates and deletes it with its records', async () => {
      const meta = topic('lifecycle', 3, { 'retention.ms': '1000' });
      expect(await store.createTopic(meta)).toBe(true);
      expect(await store.createTopic({ ...meta, partitions: 9 })).toBe(false);
      expect(await store.getTopic('lifecycle')).toEqual(meta);
      expect((await store.listTopics()).map((t) => t.name)).toContain('lifecycle');
      await store.updateTopic({ ...meta, partitions: 4, configs: {} });
      expect(await store.getTopic('lifecycle')).toMatchObject({ partitions: 4, configs: {} });

      await store.append('lifecycle', 3, [record('a'), record('b')], CREATE);
      expect(await store.deleteTopic('lifecycle')).toBe(true);
      expect(await store.deleteTopic('lifecycle')).toBe(false);
      expect(await store.getTopic('lifecycle')).toBeUndefined();
      expect((await store.listTopics()).map((t) => t.name)).not.toContain('lifecycle');

      expect(await store.createTopic(topic('lifecycle', 4))).toBe(true);
      expect(await store.offsets('lifecycle', 3)).toEqual({ logStartOffset: 0, nextOffset: 0 });
      expect((await store.append('lifecycle', 3, [record('again')], CREATE)).baseOffset).toBe(0);
    });

    it('hands out copies: changing a returned buffer does not change the log', async () => {
      await store.append('copies', 0, [record('original')], CREATE);
      const [first] = await store.read('copies', 0, 0, ALL);
      first.value?.fill(0);
      const [again] = await store.read('copies', 0, 0, ALL);
      expect(again.value?.toString()).toBe('original');
    });

    it('has a stable cluster id and answers ping', async () => {
      const id = await store.clusterId();
      expect(id).toMatch(/^[A-Za-z0-9_-]{8,}$/);
      expect(await store.clusterId()).toBe(id);
      await expect(store.ping()).resolves.toBeUndefined();
    });

    compressionContract(() => store);
  });
}
