import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { PartitionFeeds, DEFAULT_FEED_LIMITS } from '../../src/consume/partition-feeds.js';
import { AppendNotifier } from '../../src/fetch/append-notifier.js';
import { FetchService } from '../../src/fetch/fetch-service.js';
import { MemoryStore } from '../../src/log/memory-store.js';
import type { LogRecord } from '../../src/log/store.js';
import { TopicService } from '../../src/topics/topic-service.js';

/** The feeds over the in-memory store, counting the reads that reach the store. */
async function setup(limits = DEFAULT_FEED_LIMITS) {
  const store = new MemoryStore();
  let storeReads = 0;
  const read = store.read.bind(store);
  store.read = async (...args: Parameters<MemoryStore['read']>) => {
    storeReads++;
    await new Promise((resolve) => setImmediate(resolve));
    return read(...args);
  };
  const topics = new TopicService(store, loadConfig({ LOG_LEVEL: 'silent' }));
  const feeds = new PartitionFeeds(new FetchService(store, topics), topics, new AppendNotifier(), limits);
  const append = (topic: string, values: string[]) =>
    store.append(
      topic,
      0,
      values.map((v) => ({ key: null, value: Buffer.from(JSON.stringify(v)), headers: [], timestamp: 1 })),
      { timestampType: 'CreateTime' },
    );
  return { store, topics, feeds, append, reads: () => storeReads };
}

const render = async (records: LogRecord[]) => records.map((r) => String(r.value));

describe('partition feeds', () => {
  it('serves many consumers at one position with one store read, one rendering and one frame per chunk', async () => {
    const { topics, feeds, append, reads } = await setup();
    await topics.create({ name: 'tail', partitions: 1 });
    await append('tail', ['a', 'b', 'c']);
    const results = await Promise.all(Array.from({ length: 200 }, () => feeds.read('tail', 0, 0)));
    expect(reads()).toBe(1);
    const batches = new Set(results.map((r) => r?.batch));
    expect(batches.size).toBe(1);
    let renders = 0;
    const counting = async (records: LogRecord[]) => {
      renders++;
      return render(records);
    };
    const renderings = await Promise.all(results.map((r) => r!.batch.rendered('json', counting)));
    expect(renders).toBe(1);
    expect(renderings[0].json).toEqual(['"a"', '"b"', '"c"']);
    const frames = results.map((r) => r!.batch.chunkFrame('json', 0, () => 'frame'));
    expect(new Set(frames).size).toBe(1);
  });

  it('lets a consumer a little behind reuse a recent batch other consumers shared', async () => {
    const { topics, feeds, append, reads } = await setup();
    await topics.create({ name: 'laggard', partitions: 1 });
    await append('laggard', ['a', 'b', 'c', 'd']);
    await Promise.all([feeds.read('laggard', 0, 0), feeds.read('laggard', 0, 0)]);
    const behind = await feeds.read('laggard', 0, 2);
    expect(reads()).toBe(1);
    expect(behind?.index).toBe(2);
    expect(behind?.batch.records[behind.index].offset).toBe(2);
    // A cached batch never claims the end of the log: the partition may have grown since.
    expect(behind?.atEnd).toBe(false);
  });

  it('finds a position inside a cached batch whose records have gaps (a compacted partition)', async () => {
    const { store, topics, feeds, reads } = await setup();
    await topics.create({ name: 'gappy', partitions: 1, configs: { 'cleanup.policy': 'compact' } });
    const keyed = ['k1', 'k1', 'k2', 'k2', 'k3', 'k3', 'k4'].map((key, i) => ({
      key: Buffer.from(key),
      value: Buffer.from(`"${i}"`),
      headers: [],
      timestamp: 1,
    }));
    await store.append('gappy', 0, keyed, { timestampType: 'CreateTime', compacted: true });
    await store.compact('gappy', 0, { now: 0, newestTimestamp: 10, deleteRetentionMs: 0, maxScan: 100 });
    // Survivors 1, 3, 5, 6: reads from 0 and from inside the gaps find the next survivor.
    await Promise.all([feeds.read('gappy', 0, 0), feeds.read('gappy', 0, 0)]);
    for (const [from, first] of [
      [0, 1],
      [2, 3],
      [3, 3],
      [4, 5],
    ]) {
      const read = await feeds.read('gappy', 0, from);
      expect(read?.batch.records[read.index].offset).toBe(first);
    }
    expect(reads()).toBe(1);
  });

  it("keeps no batch that a partition's only consumer read", async () => {
    const { topics, feeds, append, reads } = await setup();
    await topics.create({ name: 'alone', partitions: 1 });
    await append('alone', ['a', 'b', 'c']);
    await feeds.read('alone', 0, 0);
    await feeds.read('alone', 0, 1);
    expect(reads()).toBe(2);
  });

  it("never serves a deleted and re-created topic from the old one's batches", async () => {
    const { topics, feeds, append } = await setup();
    await topics.create({ name: 'reborn', partitions: 1 });
    await append('reborn', ['old']);
    const [old] = await Promise.all([feeds.read('reborn', 0, 0), feeds.read('reborn', 0, 0)]);
    expect(String(old?.batch.records[0].value)).toBe('"old"');
    await topics.delete('reborn');
    await topics.create({ name: 'reborn', partitions: 1 });
    await append('reborn', ['new']);
    expect(String((await feeds.read('reborn', 0, 0))?.batch.records[0].value)).toBe('"new"');
  });

  it('keeps at most maxConcurrentReads store reads in flight', async () => {
    const { topics, feeds, append, store } = await setup({ ...DEFAULT_FEED_LIMITS, maxConcurrentReads: 2 });
    await topics.create({ name: 'wide', partitions: 8 });
    for (let p = 0; p < 8; p++)
      await store.append('wide', p, [{ key: null, value: Buffer.from('1'), headers: [], timestamp: 1 }], { timestampType: 'CreateTime' });
    await append('wide', ['x']);
    let inFlight = 0;
    let peak = 0;
    const read = store.read.bind(store);
    store.read = async (...args: Parameters<MemoryStore['read']>) => {
      peak = Math.max(peak, ++inFlight);
      try {
        return await read(...args);
      } finally {
        inFlight--;
      }
    };
    const results = await Promise.all(Array.from({ length: 8 }, (_, p) => feeds.read('wide', p, 0)));
    expect(results.every((r) => r !== undefined)).toBe(true);
    expect(peak).toBeLessThanOrEqual(2);
  });

  it('answers nothing at the end of the log and the range error below its start', async () => {
    const { topics, feeds, append, store } = await setup();
    await topics.create({ name: 'ends', partitions: 1 });
    await append('ends', ['a', 'b']);
    expect(await feeds.read('ends', 0, 2)).toBeUndefined();
    await store.deleteRecordsBefore('ends', 0, 1);
    await expect(feeds.read('ends', 0, 0)).rejects.toMatchObject({ errorCode: 41601 });
  });
});
