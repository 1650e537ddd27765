/**
 * The contract every LogStore implementation passes (MemoryStore and RedisStreamsStore): the
 * Kafka log semantics the services build on.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppendRecord, CompactOptions, LatestPage, LogStore, TopicMetadata } from '../../src/log/store.js';
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
const COMPACTED = { timestampType: 'CreateTime', compacted: true } as const;
const keyed = (key: string, value: string | null, timestamp = 1_000): AppendRecord => record(value, { key: Buffer.from(key), timestamp });
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

    it('counts the bytes each partition stores and gives them back as records are removed', async () => {
      const headers = [{ name: 'trace', value: Buffer.from('abc') }];
      // 13 timestamp digits + key 2 + value 5; then 13 + value 3 + headers (4 + 8 + 5 + 3); then 13 + nothing.
      await store.append('sizes', 0, [record('hello', { key: Buffer.from('k1') }), record('bye', { headers }), record(null)], CREATE);
      expect(await store.partitionStats('sizes', 0)).toEqual({ logStartOffset: 0, nextOffset: 3, storedBytes: 20 + 36 + 13 });
      expect(await store.partitionStats('sizes', 1)).toEqual({ logStartOffset: 0, nextOffset: 0, storedBytes: 0 });
      await store.deleteRecordsBefore('sizes', 0, 1);
      expect(await store.partitionStats('sizes', 0)).toEqual({ logStartOffset: 1, nextOffset: 3, storedBytes: 36 + 13 });
      await store.deleteRecordsBefore('sizes', 0, 3);
      expect(await store.partitionStats('sizes', 0)).toEqual({ logStartOffset: 3, nextOffset: 3, storedBytes: 0 });
    });

    it('trims the head by time: records older than the limit go, the first newer one stops the trim', async () => {
      const stamps = [1_000, 2_000, 3_000, 9_000, 4_000, 10_000];
      await store.append(
        'trim-time',
        0,
        stamps.map((t) => record(String(t), { timestamp: t })),
        CREATE,
      );
      expect(await store.trimHead('trim-time', 0, { beforeTimestamp: 2_500, maxRecords: 100 })).toMatchObject({
        logStartOffset: 2,
        removedRecords: 2,
        more: false,
      });
      // 4_000 is older than the limit but sits behind 9_000, which stays: only the head is ever removed.
      expect((await store.trimHead('trim-time', 0, { beforeTimestamp: 5_000, maxRecords: 100 })).logStartOffset).toBe(3);
      expect(await store.offsetForTimestamp('trim-time', 0, 0)).toBe(3);
      expect((await store.read('trim-time', 0, 3, ALL)).map((r) => r.timestamp)).toEqual([9_000, 4_000, 10_000]);
      // All records past the limit: the partition ends up empty, its start at the next offset, offsets continuing.
      expect(await store.trimHead('trim-time', 0, { beforeTimestamp: 50_000, maxRecords: 100 })).toMatchObject({ logStartOffset: 6, removedRecords: 3 });
      expect(await store.partitionStats('trim-time', 0)).toEqual({ logStartOffset: 6, nextOffset: 6, storedBytes: 0 });
      expect(await store.read('trim-time', 0, 6, ALL)).toEqual([]);
      expect((await store.append('trim-time', 0, [record('later', { timestamp: 60_000 })], CREATE)).baseOffset).toBe(6);
      expect((await store.trimHead('trim-time', 0, { beforeTimestamp: 50_000, maxRecords: 100 })).removedRecords).toBe(0);
      expect(await store.offsets('trim-time', 0)).toEqual({ logStartOffset: 6, nextOffset: 7 });
    });

    it('trims the head by size until the partition stores at most the limit', async () => {
      // Each record stores 13 timestamp digits + a 87-byte value = 100 bytes.
      await store.append(
        'trim-size',
        0,
        Array.from({ length: 10 }, (_, i) => record(String(i).padStart(87, '.'))),
        CREATE,
      );
      expect((await store.partitionStats('trim-size', 0)).storedBytes).toBe(1000);
      expect(await store.trimHead('trim-size', 0, { maxBytes: 1000, maxRecords: 100 })).toEqual({
        logStartOffset: 0,
        removedRecords: 0,
        removedBytes: 0,
        more: false,
      });
      expect(await store.trimHead('trim-size', 0, { maxBytes: 650, maxRecords: 100 })).toEqual({
        logStartOffset: 4,
        removedRecords: 4,
        removedBytes: 400,
        more: false,
      });
      expect(await store.partitionStats('trim-size', 0)).toEqual({ logStartOffset: 4, nextOffset: 10, storedBytes: 600 });
      expect((await store.trimHead('trim-size', 0, { maxBytes: 0, maxRecords: 100 })).logStartOffset).toBe(10);
    });

    it('removes at most the record budget per trim call and says when there is more', async () => {
      await store.append(
        'trim-steps',
        0,
        Array.from({ length: 25 }, (_, i) => record(String(i))),
        CREATE,
      );
      expect(await store.trimHead('trim-steps', 0, { beforeOffset: 23, maxRecords: 10 })).toMatchObject({ logStartOffset: 10, removedRecords: 10, more: true });
      expect(await store.trimHead('trim-steps', 0, { beforeOffset: 23, maxRecords: 10 })).toMatchObject({ logStartOffset: 20, more: true });
      expect(await store.trimHead('trim-steps', 0, { beforeOffset: 23, maxRecords: 10 })).toMatchObject({ logStartOffset: 23, removedRecords: 3, more: false });
      // A byte budget stops a call too, after the record that reaches it.
      expect(await store.trimHead('trim-steps', 0, { beforeOffset: 25, maxRecords: 100, maxStepBytes: 15 })).toMatchObject({
        logStartOffset: 24,
        removedRecords: 1,
        removedBytes: 15,
        more: true,
      });
      // DeleteRecords goes through as many steps as it takes.
      await store.append(
        'trim-steps',
        1,
        Array.from({ length: 2_500 }, (_, i) => record(String(i))),
        CREATE,
      );
      expect(await store.deleteRecordsBefore('trim-steps', 1, 2_400)).toBe(2_400);
      expect((await store.read('trim-steps', 1, 0, ALL)).map((r) => r.offset)).toEqual(Array.from({ length: 100 }, (_, i) => 2_400 + i));
    });

    it('never moves the log start backwards when trims race', async () => {
      await store.append(
        'trim-race',
        0,
        Array.from({ length: 300 }, (_, i) => record(String(i), { timestamp: i })),
        CREATE,
      );
      await Promise.all([
        store.trimHead('trim-race', 0, { beforeTimestamp: 200, maxRecords: 50 }),
        store.trimHead('trim-race', 0, { beforeOffset: 120, maxRecords: 500 }),
        store.deleteRecordsBefore('trim-race', 0, 150),
        store.trimHead('trim-race', 0, { beforeTimestamp: 200, maxRecords: 500 }),
      ]);
      expect(await store.partitionStats('trim-race', 0)).toMatchObject({ logStartOffset: 200, nextOffset: 300 });
      const left = await store.read('trim-race', 0, 0, ALL);
      expect(left.map((r) => r.offset)).toEqual(Array.from({ length: 100 }, (_, i) => 200 + i));
      expect((await store.partitionStats('trim-race', 0)).storedBytes).toBe(
        left.reduce((sum, r) => sum + String(r.timestamp).length + (r.value?.length ?? 0), 0),
      );
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

    describe('compaction', () => {
      /** Runs compaction steps until the pass is complete; returns the records removed. */
      const compactAll = async (name: string, options: Partial<CompactOptions> = {}): Promise<number> => {
        let removed = 0;
        for (;;) {
          const step = await store.compact(name, 0, { now: 10_000, newestTimestamp: Number.MAX_SAFE_INTEGER, deleteRetentionMs: 0, maxScan: 1000, ...options });
          removed += step.removed;
          if (step.done) return removed;
        }
      };
      const values = async (name: string, from = 0) => (await store.read(name, 0, from, ALL)).map((r) => `${r.offset}:${r.value?.toString() ?? 'null'}`);

      it('keeps the latest record of every key at its own offset, and reads across the gaps', async () => {
        await store.append('compact-latest', 0, [keyed('k1', 'a'), keyed('k2', 'b'), keyed('k1', 'c'), keyed('k3', 'd')], COMPACTED);
        await store.append('compact-latest', 0, [keyed('k2', 'e'), keyed('k1', 'f'), keyed('k4', 'g')], COMPACTED);
        expect(await compactAll('compact-latest')).toBe(3);
        expect(await values('compact-latest')).toEqual(['3:d', '4:e', '5:f', '6:g']);
        expect(await values('compact-latest', 1)).toEqual(['3:d', '4:e', '5:f', '6:g']);
        expect(await values('compact-latest', 5)).toEqual(['5:f', '6:g']);
        expect((await store.read('compact-latest', 0, 0, { maxRecords: 2, maxBytes: 1 << 20 })).map((r) => r.offset)).toEqual([3, 4]);
        expect(await store.offsets('compact-latest', 0)).toEqual({ logStartOffset: 0, nextOffset: 7 });
        expect((await store.latest('compact-latest', 0, Buffer.from('k1')))?.value?.toString()).toBe('f');
        expect(await store.latest('compact-latest', 0, Buffer.from('nope'))).toBeUndefined();
        expect((await store.append('compact-latest', 0, [keyed('k1', 'h')], COMPACTED)).baseOffset).toBe(7);
        expect(await store.compactionState('compact-latest', 0)).toMatchObject({
          records: 5,
          cleanedOffset: 6,
          cursor: undefined,
          nextOffset: (await store.offsets('compact-latest', 0)).nextOffset,
        });
      });

      it('removes a key with a tombstone, and the tombstone itself once delete.retention.ms has passed since compaction first saw it', async () => {
        await store.append('compact-tombstone', 0, [keyed('k1', 'a'), keyed('k2', 'b'), keyed('k1', null), keyed('k2', 'c')], COMPACTED);
        expect(await compactAll('compact-tombstone', { now: 1_000, deleteRetentionMs: 500 })).toBe(2);
        expect(await values('compact-tombstone')).toEqual(['2:null', '3:c']);
        expect((await store.latest('compact-tombstone', 0, Buffer.from('k1')))?.value).toBeNull();
        expect((await store.compactionState('compact-tombstone', 0)).oldestTombstoneSeenAt).toBe(1_000);
        expect(await compactAll('compact-tombstone', { now: 1_499, deleteRetentionMs: 500 })).toBe(0);
        expect(await compactAll('compact-tombstone', { now: 1_500, deleteRetentionMs: 500 })).toBe(1);
        expect(await values('compact-tombstone')).toEqual(['3:c']);
        expect(await store.latest('compact-tombstone', 0, Buffer.from('k1'))).toBeUndefined();
        expect((await store.compactionState('compact-tombstone', 0)).oldestTombstoneSeenAt).toBeUndefined();
      });

      it("never removes the log's last record, even a tombstone past its retention", async () => {
        await store.append('compact-last', 0, [keyed('k1', 'a'), keyed('k1', null)], COMPACTED);
        expect(await compactAll('compact-last', { now: 1_000 })).toBe(1);
        expect(await compactAll('compact-last', { now: 1_000_000 })).toBe(0);
        expect(await values('compact-last')).toEqual(['1:null']);
      });

      it('leaves records younger than min.compaction.lag.ms alone, and the pass stops there', async () => {
        await store.append('compact-lag', 0, [keyed('k1', 'a', 1_000), keyed('k1', 'b', 2_000), keyed('k1', 'c', 3_000), keyed('k2', 'x', 4_000)], COMPACTED);
        expect(await compactAll('compact-lag', { newestTimestamp: 1_500 })).toBe(1);
        expect(await values('compact-lag')).toEqual(['1:b', '2:c', '3:x']);
        expect((await store.compactionState('compact-lag', 0)).cleanedOffset).toBe(1);
        expect(await compactAll('compact-lag', { newestTimestamp: 2_500 })).toBe(1);
        expect(await values('compact-lag')).toEqual(['2:c', '3:x']);
      });

      it('works in bounded steps that keep their place between calls', async () => {
        await store.append(
          'compact-steps',
          0,
          Array.from({ length: 20 }, (_, i) => keyed(`k${i % 2}`, String(i))),
          COMPACTED,
        );
        const sizeBefore = (await store.partitionStats('compact-steps', 0)).storedBytes;
        const first = await store.compact('compact-steps', 0, { now: 0, newestTimestamp: Number.MAX_SAFE_INTEGER, deleteRetentionMs: 0, maxScan: 3 });
        expect(first).toEqual({ removed: 3, removedBytes: expect.any(Number), done: false });
        // What compaction removes leaves the partition's size, which retention.bytes and /metrics read.
        expect(first.removedBytes).toBeGreaterThan(0);
        expect((await store.partitionStats('compact-steps', 0)).storedBytes).toBe(sizeBefore - first.removedBytes);
        expect((await store.compactionState('compact-steps', 0)).cursor).toBe(3);
        expect(await compactAll('compact-steps', { maxScan: 3 })).toBe(15);
        expect(await values('compact-steps')).toEqual(['18:18', '19:19']);
      });

      it('pages through every key once with its latest record', async () => {
        // More keys than Redis keeps in a listpack, so the key index is a real hash table paged by HSCAN.
        const records = Array.from({ length: 1500 }, (_, i) => keyed(`key-${i % 600}`, `v${i}`));
        await store.append('compact-pages', 0, records, COMPACTED);
        const seen = new Map<string, string>();
        let cursor: string | undefined = '';
        let pages = 0;
        while (cursor !== undefined) {
          const page: LatestPage = await store.latestPage('compact-pages', 0, cursor, 200);
          for (const r of page.records) seen.set(r.key!.toString(), r.value!.toString());
          cursor = page.cursor;
          pages++;
        }
        expect(pages).toBeGreaterThan(1);
        expect(seen.size).toBe(600);
        expect(seen.get('key-0')).toBe('v1200');
        expect(seen.get('key-599')).toBe('v1199');
      });

      it('indexes every key of a batch larger than one key index write', async () => {
        await store.append(
          'compact-big',
          0,
          Array.from({ length: 2500 }, (_, i) => keyed(`k${i % 1200}`, `v${i}`)),
          COMPACTED,
        );
        for (const [key, value] of [
          ['k0', 'v2400'],
          ['k99', 'v2499'],
          ['k100', 'v1300'],
          ['k1199', 'v2399'],
        ]) {
          expect((await store.latest('compact-big', 0, Buffer.from(key)))?.value?.toString()).toBe(value);
        }
        expect(await compactAll('compact-big')).toBe(1300);
      });

      it('keeps no key index for a topic that is not compacted', async () => {
        await store.append('not-compacted', 0, [keyed('k1', 'a'), keyed('k1', 'b')], CREATE);
        expect(await store.latest('not-compacted', 0, Buffer.from('k1'))).toBeUndefined();
      });

      it('forgets the key index and tombstones with the topic', async () => {
        await store.createTopic(topic('compact-reborn', 1, { 'cleanup.policy': 'compact' }));
        await store.append('compact-reborn', 0, [keyed('k1', 'a'), keyed('k1', null), keyed('k2', 'b')], COMPACTED);
        await compactAll('compact-reborn');
        await store.deleteTopic('compact-reborn');
        await store.createTopic(topic('compact-reborn', 1, { 'cleanup.policy': 'compact' }));
        expect(await store.latest('compact-reborn', 0, Buffer.from('k2'))).toBeUndefined();
        expect(await store.compactionState('compact-reborn', 0)).toEqual({
          records: 0,
          cleanedOffset: 0,
          cursor: undefined,
          oldestTombstoneSeenAt: undefined,
          nextOffset: 0,
        });
      });

      it('forgets tombstones and keys whose records went below the log start (compact,delete)', async () => {
        await store.append('compact-delete', 0, [keyed('k1', 'a'), keyed('k2', 'b'), keyed('k2', null), keyed('k3', 'c'), keyed('k4', 'd')], COMPACTED);
        expect(await compactAll('compact-delete', { now: 1_000, deleteRetentionMs: 60_000 })).toBe(1);
        expect((await store.compactionState('compact-delete', 0)).oldestTombstoneSeenAt).toBe(1_000);
        await store.deleteRecordsBefore('compact-delete', 0, 3);
        await compactAll('compact-delete', { now: 2_000, deleteRetentionMs: 60_000 });
        // Otherwise the gone tombstone would make the partition look due for compaction forever.
        expect((await store.compactionState('compact-delete', 0)).oldestTombstoneSeenAt).toBeUndefined();
        expect(await store.latest('compact-delete', 0, Buffer.from('k1'))).toBeUndefined();
        const page = await store.latestPage('compact-delete', 0, '', 100);
        expect(page.records.map((r) => r.key?.toString()).sort()).toEqual(['k3', 'k4']);
      });

      it('deletes records below an offset inside a gap', async () => {
        await store.append('compact-trim', 0, [keyed('k1', 'a'), keyed('k1', 'b'), keyed('k2', 'c'), keyed('k2', 'd'), keyed('k3', 'e')], COMPACTED);
        await compactAll('compact-trim');
        expect(await values('compact-trim')).toEqual(['1:b', '3:d', '4:e']);
        expect(await store.deleteRecordsBefore('compact-trim', 0, 2)).toBe(2);
        expect(await values('compact-trim', 2)).toEqual(['3:d', '4:e']);
      });
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
