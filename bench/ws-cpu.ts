/**
 * CPU per delivered record at a fixed load, for comparing builds (A/B) without the noise of a
 * saturation run: 4 WebSocket members of one group on a 12-partition topic, a producer paced at
 * BENCH_RATE records/s (default 30,000) in v2 batches of 100 for BENCH_DURATION s (default 10).
 * Prints the gateway's and Redis's CPU microseconds per delivered record and the p99 latency.
 * Run: `npx tsx bench/ws-cpu.ts` (in another checkout to compare: its own dist/ is built).
 */
import { Redis } from 'ioredis';
import { freePort, startRedis } from '../test/support/redis.js';
import { GATEWAY_NODE_FLAGS, compileGateway, gatewaySpec } from './gateway-server.js';
import { ServerProcess } from './server-process.js';
import { Consumers, redisCpuSeconds } from './ws-consumers.js';

const RATE = Number(process.env.BENCH_RATE ?? 30_000);
const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
const CT = { 'content-type': 'application/vnd.kafka.json.v2+json' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

compileGateway();
const redis = await startRedis({ appendonly: false });
const spec = gatewaySpec({
  port: await freePort(),
  redisUrl: redis.url,
  nodeFlags: [...GATEWAY_NODE_FLAGS, ...(process.env.BENCH_PROF_DIR ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROF_DIR] : [])],
});
const gateway = await ServerProcess.start({ ...spec, env: { ...spec.env, GROUP_INITIAL_REBALANCE_DELAY_MS: '0' } });
const meter = new Redis(redis.url);
try {
  const cid = ((await (await fetch(`${gateway.baseUrl}/v3/clusters`)).json()) as { data: Array<{ cluster_id: string }> }).data[0].cluster_id;
  await fetch(`${gateway.baseUrl}/v3/clusters/${cid}/topics`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ topic_name: 'bench-cpu', partitions_count: 12 }),
  });
  const consumers = new Consumers();
  await consumers.open(gateway.baseUrl.replace('http', 'ws') + '/ws', Number(process.env.BENCH_CONSUMERS ?? 4), () => ({
    type: 'subscribe',
    group: 'bench',
    topics: ['bench-cpu'],
    auto_offset_reset: 'latest',
    credit: 5000,
  }));
  await sleep(3000);
  const redisCpu = () => redisCpuSeconds(meter);
  const body = () => JSON.stringify({ records: Array.from({ length: 100 }, (_, i) => ({ key: `k-${i}`, value: { t: Date.now(), pad: 'x'.repeat(80) } })) });
  await meter.config('RESETSTAT');
  const before = { gateway: gateway.cpuSeconds() ?? 0, redis: await redisCpu() };
  consumers.reset();
  const perTick = RATE / 100 / 100; // requests per 10 ms tick
  const end = Date.now() + DURATION_S * 1000;
  const inflight: Array<Promise<unknown>> = [];
  let owed = 0;
  while (Date.now() < end) {
    const tick = Date.now();
    owed += perTick;
    for (; owed >= 1; owed--)
      inflight.push(fetch(`${gateway.baseUrl}/topics/bench-cpu`, { method: 'POST', headers: CT, body: body() }).then((r) => r.arrayBuffer()));
    await sleep(Math.max(0, 10 - (Date.now() - tick)));
  }
  await Promise.all(inflight);
  await sleep(1500);
  const cpu = { gateway: (gateway.cpuSeconds() ?? 0) - before.gateway, redis: (await redisCpu()) - before.redis };
  const { delivered, messages } = consumers;
  const sorted = consumers.latencies.sort((a, b) => a - b);
  const p = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  console.log(
    `delivered ${delivered} of ${Math.round(RATE * DURATION_S)} records; gateway ${((cpu.gateway * 1e6) / delivered).toFixed(1)} µs, Redis ${((cpu.redis * 1e6) / delivered).toFixed(1)} µs a record, ${(delivered / messages).toFixed(1)} records a message; p50 ${p(0.5)} p99 ${p(0.99)} ms`,
  );
  const stats = await meter.info('commandstats');
  console.log([...stats.matchAll(/^cmdstat_(\w+):calls=(\d+),usec=(\d+)/gm)].map(([, name, calls, usec]) => `${name} ${calls} calls ${usec} µs`).join('; '));
  consumers.close();
} finally {
  meter.disconnect();
  await gateway.stop();
  await redis.stop();
}
process.exit(0);
