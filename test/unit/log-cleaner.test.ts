import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { CleanupPolicy } from '../../src/lifecycle/cleanup-policy.js';
import { LogCleaner } from '../../src/lifecycle/log-cleaner.js';
import { retentionPolicy } from '../../src/lifecycle/retention.js';
import { MemoryStore } from '../../src/log/memory-store.js';
import { TopicService } from '../../src/topics/topic-service.js';

const setup = () => {
  const store = new MemoryStore();
  return { store, topics: new TopicService(store, loadConfig({})) };
};
const record = (timestamp: number) => ({ key: null, value: Buffer.from('v'), headers: [], timestamp });
const CREATE = { timestampType: 'CreateTime' } as const;

describe('log cleaner', () => {
  it('runs each policy on every partition of the topics it applies to, with the configs and the clock of the pass', async () => {
    const { topics } = setup();
    await topics.create({ name: 'compacted', partitions: 2, configs: { 'cleanup.policy': 'compact' } });
    await topics.create({ name: 'both', partitions: 1, configs: { 'cleanup.policy': 'compact,delete' } });
    await topics.create({ name: 'deleted', partitions: 3 });
    const visits: string[] = [];
    const compaction: CleanupPolicy = {
      name: 'compact',
      appliesTo: (config) => config.cleanupPolicy.includes('compact'),
      async clean(topic, partition, config, now) {
        visits.push(`${topic}:${partition}:${config.cleanupPolicy.join(',')}@${now}`);
        return { removedRecords: 1, removedBytes: 10 };
      },
    };
    const cleaner = new LogCleaner(topics, [compaction], { intervalMs: 60_000, now: () => 42 });
    expect(await cleaner.pass()).toEqual({ removedRecords: 3, removedBytes: 30 });
    expect(visits.sort()).toEqual(['both:0:compact,delete@42', 'compacted:0:compact@42', 'compacted:1:compact@42']);
    expect(cleaner.totals).toMatchObject({ passes: 1, removedRecords: 3, removedBytes: 30, failedVisits: 0 });
  });

  it('goes on with the other partitions when a visit fails, and counts the failure', async () => {
    const { topics } = setup();
    await topics.create({ name: 'flaky', partitions: 4 });
    const failing: CleanupPolicy = {
      name: 'delete',
      appliesTo: () => true,
      async clean(_topic, partition) {
        if (partition === 2) throw new Error('Redis went away');
        return { removedRecords: 1, removedBytes: 1 };
      },
    };
    const warnings: object[] = [];
    const cleaner = new LogCleaner(topics, [failing], { intervalMs: 60_000, log: { warn: (details) => warnings.push(details) } });
    expect((await cleaner.pass()).removedRecords).toBe(3);
    expect(cleaner.totals.failedVisits).toBe(1);
    expect(warnings).toHaveLength(1);
  });

  it('applies retention.ms against the injected clock', async () => {
    const { store, topics } = setup();
    await topics.create({ name: 'aged', partitions: 1, configs: { 'retention.ms': '1000' } });
    await store.append('aged', 0, [record(10_000), record(11_000), record(12_500)], CREATE);
    let now = 11_500;
    const cleaner = new LogCleaner(topics, [retentionPolicy(store)], { intervalMs: 60_000, now: () => now });
    expect((await cleaner.pass()).removedRecords).toBe(1);
    now = 20_000;
    expect((await cleaner.pass()).removedRecords).toBe(2);
    expect(await store.offsets('aged', 0)).toEqual({ logStartOffset: 3, nextOffset: 3 });
  });

  it('runs passes by itself every interval once started, and stops', async () => {
    const { store, topics } = setup();
    await topics.create({ name: 'scheduled', partitions: 1, configs: { 'retention.bytes': '0' } });
    await store.append('scheduled', 0, [record(1), record(2)], CREATE);
    const cleaner = new LogCleaner(topics, [retentionPolicy(store)], { intervalMs: 10 });
    cleaner.start();
    for (let i = 0; i < 500 && (await store.offsets('scheduled', 0)).logStartOffset < 2; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    await cleaner.stop();
    expect(await store.offsets('scheduled', 0)).toEqual({ logStartOffset: 2, nextOffset: 2 });
    const passes = cleaner.totals.passes;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(cleaner.totals.passes).toBe(passes);
  });

  it('starts the next pass at once, not an interval later, while a policy says it left work behind', async () => {
    const { topics } = setup();
    await topics.create({ name: 'backlog', partitions: 1 });
    let visits = 0;
    const backlog: CleanupPolicy = {
      name: 'delete',
      appliesTo: () => true,
      async clean() {
        visits++;
        return { removedRecords: 1, removedBytes: 1, more: visits < 5 };
      },
    };
    // An interval of an hour: the first pass runs at start, and after it only passes that follow a pass with work left.
    const cleaner = new LogCleaner(topics, [backlog], { intervalMs: 3_600_000 });
    cleaner.start();
    for (let i = 0; i < 500 && visits < 5; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await cleaner.stop();
    expect(visits).toBe(5);
  });
});
