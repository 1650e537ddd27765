/**
 * Section `compact`: the produce cost of a compacted topic, batched produce to a
 * `cleanup.policy=compact` topic against a plain one. The only differences on the produce path are
 * the keyless-record check and the key index HSET that append.lua adds per request. Up to three
 * measurements (BENCH_MODE, default http,store,cleaner); the first two alternate the two topics
 * round by round and report the median ratio, which steadies the figure on a machine shared with
 * other work:
 *   http    — the run's gateway, v2 batched produce of 100 keyed records per request fired by
 *             autocannon (BENCH_CONNECTIONS 50, BENCH_DURATION 5 s per topic, BENCH_ROUNDS 5), as
 *             `npm run bench` does, to two 12-partition topics;
 *   store   — the produce service straight on a store in this process, on the run's Redis, with
 *             Redis's own time per record from INFO commandstats: the script cost alone, undiluted
 *             by HTTP (BENCH_REQUESTS, 100, per topic and round; 3 × BENCH_ROUNDS rounds);
 *   cleaner — one partition of 100,000 records over 1,000 keys compacted in the cleaner's steps
 *             (DEFAULT_COMPACTION_LIMITS): the longest single compact.lua call and Redis time per
 *             removed record.
 */
import { Redis } from 'ioredis';
import { loadConfig } from '../../src/config.js';
import { DEFAULT_COMPACTION_LIMITS } from '../../src/lifecycle/compaction.js';
import { RedisStreamsStore } from '../../src/log/redis/redis-streams-store.js';
import { ProduceService, type ProduceRecord } from '../../src/produce/produce-service.js';
import { TopicService } from '../../src/topics/topic-service.js';
import { uniquePrefix } from '../../test/support/redis.js';
import { fire, produceBodies, type Scenario } from '../load.js';
import { median } from '../median.js';
import { createTopic, QUICK, setting, thousands, type Context } from './context.js';

const MODES = (process.env.BENCH_MODE ?? 'http,store,cleaner').split(',').map((m) => m.trim());
const ROUNDS = setting('BENCH_ROUNDS', 5, 1);
const KINDS = ['plain', 'compact'] as const;
type Kind = (typeof KINDS)[number];
/** Topic names of the http measurement: apart from the other sections' topics on the same gateway. */
const TOPIC: Record<Kind, string> = { plain: 'keyed-plain', compact: 'keyed-compact' };
const CONFIGS: Record<Kind, Record<string, string>> = { plain: {}, compact: { 'cleanup.policy': 'compact' } };

/** The two topics in the order of a round: alternating, so neither always runs first. */
const order = (round: number): Kind[] => (round % 2 === 0 ? ['plain', 'compact'] : ['compact', 'plain']);

function table(title: string, unit: string, rates: Record<Kind, number[]>): string[] {
  const ratios = rates.plain.map((plain, i) => rates.compact[i] / plain);
  return [
    title,
    '',
    `| Round | plain (${unit}) | compact (${unit}) | compact / plain |`,
    '|--:|--:|--:|--:|',
    ...rates.plain.map((plain, i) => `| ${i + 1} | ${thousands(plain)} | ${thousands(rates.compact[i])} | ${ratios[i].toFixed(3)} |`),
    '',
    `Median compact / plain: **${median(ratios).toFixed(3)}** (target ≥ 0.85).`,
    '',
  ];
}

async function overHttp(ctx: Context): Promise<string[]> {
  for (const kind of KINDS) await createTopic(ctx, TOPIC[kind], CONFIGS[kind], 12);
  const scenario: Scenario = { name: 'batched', recordsPerRequest: 100 };
  const bodies = produceBodies(scenario);
  const load = { connections: setting('BENCH_CONNECTIONS', 50), duration: setting('BENCH_DURATION', 5, 2) };
  for (const kind of KINDS) await fire(ctx.gateway.baseUrl, `/topics/${TOPIC[kind]}`, bodies, scenario, { ...load, duration: QUICK ? 1 : 2 });
  const rates: Record<Kind, number[]> = { plain: [], compact: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const kind of order(round)) {
      const result = await fire(ctx.gateway.baseUrl, `/topics/${TOPIC[kind]}`, bodies, scenario, load);
      if (result.non2xx > 0 || result.errors > 0) throw new Error(`${TOPIC[kind]}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
      rates[kind].push(result.recordsPerSecond);
      process.stderr.write(`compact http round ${round + 1}: ${kind} ${thousands(result.recordsPerSecond)} records/s\n`);
    }
  }
  return table(
    `### Over HTTP\n\nv2 batched produce, 100 keyed records of ~100 B per request, ${load.connections} connections, ${load.duration} s per topic per round, 12 partitions.`,
    'records/s',
    rates,
  );
}

/** A store of its own (own key prefix) on the run's Redis. */
async function openStore(ctx: Context) {
  const config = loadConfig({ REDIS_URL: ctx.redis.url, KEY_PREFIX: uniquePrefix('bench'), LOG_LEVEL: 'silent', ALLOW_NON_DURABLE_REDIS: 'true' });
  return { config, store: await RedisStreamsStore.open(config) };
}

async function onTheStore(ctx: Context): Promise<string[]> {
  const requests = setting('BENCH_REQUESTS', 100, 10);
  const { config, store } = await openStore(ctx);
  const admin = new Redis(ctx.redis.url);
  try {
    const topics = new TopicService(store, config);
    const produce = new ProduceService(store, topics, config);
    for (const kind of KINDS) await topics.create({ name: kind, partitions: 12, configs: CONFIGS[kind] });
    let n = 0;
    // ~550-byte JSON order events over 10,000 keys, 250 to a request.
    const padding = 'x'.repeat(512);
    const batch = (): ProduceRecord[] =>
      Array.from({ length: 250 }, () => {
        const i = n++;
        return { key: Buffer.from(`order-${i % 10_000}`), value: Buffer.from(JSON.stringify({ id: i, status: 'created', padding })) };
      });
    /** Redis's time in scripts per record since the last reset, in µs (the append script is the only one run). */
    const scriptMicros = async (records: number): Promise<number> => {
      const info = await admin.info('commandstats');
      let total = 0;
      for (const match of info.matchAll(/cmdstat_eval(?:sha)?:calls=\d+,usec=(\d+)/g)) total += Number(match[1]);
      return total / records;
    };
    const run = async (kind: Kind): Promise<number> => {
      const bodies = Array.from({ length: requests }, batch);
      await admin.config('RESETSTAT');
      for (const body of bodies) await produce.produce(kind, body);
      return scriptMicros(requests * 250);
    };
    for (const kind of KINDS) await run(kind);
    const micros: Record<Kind, number[]> = { plain: [], compact: [] };
    for (let round = 0; round < ROUNDS * 3; round++) for (const kind of order(round)) micros[kind].push(await run(kind));
    process.stderr.write(`compact store: ${ROUNDS * 3} rounds done\n`);
    // Reported as records per second of Redis time, so that the ratio reads like the HTTP one.
    const perSecond = (values: number[]) => values.map((us) => 1e6 / us);
    return table(
      `### On the store\n\nRedis's own time in the append script per record (INFO commandstats), ${requests} requests of 250 records (~550 B, 10,000 keys) per topic per round, ${ROUNDS * 3} rounds.`,
      'records/s of Redis time',
      { plain: perSecond(micros.plain), compact: perSecond(micros.compact) },
    );
  } finally {
    admin.disconnect();
    await store.close();
  }
}

async function cleaner(ctx: Context): Promise<string[]> {
  const records = QUICK ? 10_000 : 100_000;
  const { store } = await openStore(ctx);
  const admin = new Redis(ctx.redis.url);
  try {
    const padding = 'x'.repeat(512);
    for (let batch = 0; batch < records / 1000; batch++) {
      const appended = Array.from({ length: 1000 }, (_, i) => {
        const n = batch * 1000 + i;
        return { key: Buffer.from(`order-${n % 1000}`), value: Buffer.from(JSON.stringify({ id: n, padding })), headers: [], timestamp: 1 };
      });
      await store.append('cleaned', 0, appended, { timestampType: 'CreateTime', compacted: true });
    }
    let removed = 0;
    let steps = 0;
    // Each call's own time in Redis: the stats are reset before it and read after it.
    const calls: number[] = [];
    for (;;) {
      await admin.config('RESETSTAT');
      const step = await store.compact('cleaned', 0, { now: 2, newestTimestamp: 2, deleteRetentionMs: 0, maxScan: DEFAULT_COMPACTION_LIMITS.maxScan });
      const stats = /cmdstat_evalsha:calls=\d+,usec=(\d+)/.exec(await admin.info('commandstats'));
      calls.push(Number(stats?.[1] ?? 0));
      removed += step.removed;
      steps++;
      if (step.done) break;
    }
    const total = calls.reduce((a, b) => a + b, 0);
    return [
      '### The cleaner',
      '',
      `${thousands(records)} records (~550 B) over 1,000 keys in one partition, compacted in ${steps} steps of ${DEFAULT_COMPACTION_LIMITS.maxScan} (one compact.lua call each, timed by INFO commandstats around it): ` +
        `${thousands(removed)} removed; longest call **${(Math.max(...calls) / 1000).toFixed(2)} ms**, median ${(median(calls) / 1000).toFixed(2)} ms; ` +
        `Redis time per removed record ${(total / removed).toFixed(2)} µs.`,
      '',
    ];
  } finally {
    admin.disconnect();
    await store.close();
  }
}

export async function compactSection(ctx: Context): Promise<string> {
  const parts = ['## Produce cost of compaction', ''];
  if (MODES.includes('http')) parts.push(...(await overHttp(ctx)));
  if (MODES.includes('store')) parts.push(...(await onTheStore(ctx)));
  if (MODES.includes('cleaner')) parts.push(...(await cleaner(ctx)));
  return parts.join('\n');
}
