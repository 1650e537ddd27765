/**
 * Produce cost of a compacted topic (issue 12): batched produce to a `cleanup.policy=compact` topic
 * against a plain one, on a redis-server this script starts (no AOF, as the other benchmarks).
 * The only differences on the produce path are the keyless-record check and the key index HSET
 * that append.lua adds per request. Two measurements, each alternating the two topics round by
 * round and reporting the median ratio, which steadies the figure on a machine shared with other
 * work:
 *   http  — the gateway as `npm start` runs it (compiled, a child process), v2 batched produce of
 *           100 keyed records per request fired by autocannon, as `npm run bench` does;
 *   store — the produce service straight on the store, in this process, with Redis's own time per
 *           record from INFO commandstats: the script cost alone, undiluted by HTTP.
 * And the cleaner's side (mode cleaner): one partition of 100,000 records over 1,000 keys compacted
 * in the cleaner's steps (DEFAULT_COMPACTION_LIMITS), with the longest single compact.lua call (SLOWLOG) and Redis time per
 * removed record.
 *
 * Environment: BENCH_MODE (http,store), BENCH_ROUNDS (5), BENCH_DURATION (s per topic per http
 * round, 5), BENCH_CONNECTIONS (50), BENCH_REQUESTS (per topic per store round, 100),
 * BENCH_RUNTIME (dist, or tsx to skip compiling).
 */
import { Redis } from 'ioredis';
import { loadConfig } from '../src/config.js';
import { RedisStreamsStore } from '../src/log/redis/redis-streams-store.js';
import { ProduceService, type ProduceRecord } from '../src/produce/produce-service.js';
import { TopicService } from '../src/topics/topic-service.js';
import { freePort, startRedis, uniquePrefix, type RedisServer } from '../test/support/redis.js';
import { compileGateway, gatewaySpec } from './gateway-server.js';
import { fire, produceBodies, type Scenario } from './load.js';
import { median } from './median.js';
import { DEFAULT_COMPACTION_LIMITS } from '../src/lifecycle/compaction.js';
import { ServerProcess } from './server-process.js';

const envInt = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
};
const MODES = (process.env.BENCH_MODE ?? 'http,store,cleaner').split(',').map((m) => m.trim());
const ROUNDS = envInt('BENCH_ROUNDS', 5);
const TOPICS = ['plain', 'compact'] as const;
type TopicName = (typeof TOPICS)[number];
const CONFIGS: Record<TopicName, Array<{ name: string; value: string }>> = { plain: [], compact: [{ name: 'cleanup.policy', value: 'compact' }] };

/** The two topics in the order of a round: alternating, so neither always runs first. */
const order = (round: number): TopicName[] => (round % 2 === 0 ? ['plain', 'compact'] : ['compact', 'plain']);

function report(title: string, unit: string, rates: Record<TopicName, number[]>): void {
  console.log(`\n${title}\n\n| round | plain ${unit} | compact ${unit} | compact / plain |\n|---|---|---|---|`);
  const ratios = rates.plain.map((plain, i) => rates.compact[i] / plain);
  rates.plain.forEach((plain, i) => console.log(`| ${i + 1} | ${Math.round(plain)} | ${Math.round(rates.compact[i])} | ${ratios[i].toFixed(3)} |`));
  console.log(`\nmedian compact / plain: ${median(ratios).toFixed(3)} (target >= 0.85)`);
}

async function overHttp(redis: RedisServer): Promise<void> {
  const tsx = process.env.BENCH_RUNTIME === 'tsx';
  if (!tsx) compileGateway();
  const server = await ServerProcess.start(gatewaySpec({ port: await freePort(), redisUrl: redis.url, ...(tsx ? { entry: 'src/main.ts', tsx: true } : {}) }));
  try {
    const clusters = (await (await fetch(`${server.baseUrl}/v3/clusters`)).json()) as { data: Array<{ cluster_id: string }> };
    for (const topic of TOPICS) {
      const created = await fetch(`${server.baseUrl}/v3/clusters/${clusters.data[0].cluster_id}/topics`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ topic_name: topic, partitions_count: 12, configs: CONFIGS[topic] }),
      });
      if (!created.ok) throw new Error(`creating ${topic}: ${created.status} ${await created.text()}`);
    }
    const scenario: Scenario = { name: 'batched', recordsPerRequest: 100 };
    const bodies = produceBodies(scenario);
    const load = { connections: envInt('BENCH_CONNECTIONS', 50), duration: envInt('BENCH_DURATION', 5) };
    for (const topic of TOPICS) await fire(server.baseUrl, `/topics/${topic}`, bodies, scenario, { ...load, duration: 2 });
    const rates: Record<TopicName, number[]> = { plain: [], compact: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const topic of order(round)) {
        const result = await fire(server.baseUrl, `/topics/${topic}`, bodies, scenario, load);
        if (result.non2xx > 0 || result.errors > 0) throw new Error(`${topic}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
        rates[topic].push(result.recordsPerSecond);
      }
    }
    report(
      `HTTP: v2 batched produce, 100 keyed records of ~100 B per request, ${load.connections} connections, ${load.duration} s per topic per round, 12 partitions`,
      'records/s',
      rates,
    );
  } finally {
    await server.stop();
  }
}

async function onTheStore(redis: RedisServer): Promise<void> {
  const requests = envInt('BENCH_REQUESTS', 100);
  const config = loadConfig({ REDIS_URL: redis.url, KEY_PREFIX: uniquePrefix('bench'), LOG_LEVEL: 'silent', ALLOW_NON_DURABLE_REDIS: 'true' });
  const store = await RedisStreamsStore.open(config);
  const admin = new Redis(redis.url);
  try {
    const topics = new TopicService(store, config);
    const produce = new ProduceService(store, topics, config);
    for (const topic of TOPICS) await topics.create({ name: topic, partitions: 12, configs: Object.fromEntries(CONFIGS[topic].map((c) => [c.name, c.value])) });
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
    const run = async (topic: TopicName): Promise<number> => {
      const bodies = Array.from({ length: requests }, batch);
      await admin.config('RESETSTAT');
      for (const body of bodies) await produce.produce(topic, body);
      return scriptMicros(requests * 250);
    };
    for (const topic of TOPICS) await run(topic);
    const micros: Record<TopicName, number[]> = { plain: [], compact: [] };
    for (let round = 0; round < ROUNDS * 3; round++) for (const topic of order(round)) micros[topic].push(await run(topic));
    // Reported as records per second of Redis time, so that the ratio reads like the HTTP one.
    const perSecond = (values: number[]) => values.map((us) => 1e6 / us);
    report(
      `Store: Redis's own time in the append script per record (INFO commandstats), ${requests} requests of 250 records (~550 B, 10,000 keys) per topic per round`,
      'records/s of Redis time',
      { plain: perSecond(micros.plain), compact: perSecond(micros.compact) },
    );
  } finally {
    admin.disconnect();
    await store.close();
  }
}

async function cleaner(redis: RedisServer): Promise<void> {
  const config = loadConfig({ REDIS_URL: redis.url, KEY_PREFIX: uniquePrefix('bench'), LOG_LEVEL: 'silent', ALLOW_NON_DURABLE_REDIS: 'true' });
  const store = await RedisStreamsStore.open(config);
  const admin = new Redis(redis.url);
  try {
    const padding = 'x'.repeat(512);
    for (let batch = 0; batch < 100; batch++) {
      const records = Array.from({ length: 1000 }, (_, i) => {
        const n = batch * 1000 + i;
        return { key: Buffer.from(`order-${n % 1000}`), value: Buffer.from(JSON.stringify({ id: n, padding })), headers: [], timestamp: 1 };
      });
      await store.append('cleaned', 0, records, { timestampType: 'CreateTime', compacted: true });
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
    console.log(
      `\nCleaner: 100,000 records (~550 B) over 1,000 keys in one partition, compacted in ${steps} steps of ${DEFAULT_COMPACTION_LIMITS.maxScan}: ` +
        `${removed} removed; longest compact.lua call ${(Math.max(...calls) / 1000).toFixed(2)} ms, median ${(median(calls) / 1000).toFixed(2)} ms; ` +
        `Redis time per removed record ${(total / removed).toFixed(2)} µs`,
    );
  } finally {
    admin.disconnect();
    await store.close();
  }
}

const redis = await startRedis({ appendonly: false });
try {
  if (MODES.includes('http')) await overHttp(redis);
  if (MODES.includes('store')) await onTheStore(redis);
  if (MODES.includes('cleaner')) await cleaner(redis);
} finally {
  await redis.stop();
}
