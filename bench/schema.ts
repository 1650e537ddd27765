/**
 * Schema benchmark (issue 4): (a) Avro produce through the gateway (schema by id, 100 records per
 * request) against plain JSON produce of the same records, in one run; (b) registry lookup of a
 * schema by id against a hello-world Fastify route. Both servers run as child processes on a
 * redis-server this script starts. Writes bench/results/schema.md. Run: `npm run bench:schema`.
 *
 * Environment: BENCH_DURATION (s, default 10), BENCH_CONNECTIONS (default 50).
 */
import autocannon from 'autocannon';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startRedis, type RedisServer } from '../test/support/redis.js';
import { ServerProcess } from './server-process.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const duration = Number(process.env.BENCH_DURATION ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const SCHEMA = JSON.stringify({
  type: 'record',
  name: 'Reading',
  namespace: 'bench',
  fields: [
    { name: 'sensor', type: 'string' },
    { name: 'seq', type: 'long' },
    { name: 'celsius', type: 'double' },
    { name: 'note', type: 'string' },
  ],
});

interface Result {
  label: string;
  perSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
}

async function load(label: string, url: string, request: { method: 'GET' | 'POST'; path: string; headers?: Record<string, string>; body?: string }, multiplier: number): Promise<Result> {
  await autocannon({ url, connections, duration: 2, requests: [request] }); // warm-up
  const result = await autocannon({ url, connections, duration, requests: [request] });
  return { label, perSecond: (result['2xx'] * multiplier) / result.duration, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx + result.errors };
}

async function post(url: string, path: string, body: unknown, contentType = 'application/json'): Promise<unknown> {
  const response = await fetch(url + path, { method: 'POST', headers: { 'content-type': contentType }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

async function main(): Promise<void> {
  let redis: RedisServer | undefined;
  const servers: ServerProcess[] = [];
  try {
    redis = await startRedis();
    const gateway = await ServerProcess.start({ name: 'gateway', entry: 'src/main.ts', tsx: true, cwd: ROOT, port: await freePort(), env: { REDIS_URL: redis.url, LOG_LEVEL: 'warn', HOST: '127.0.0.1' } });
    servers.push(gateway);
    const hello = await ServerProcess.start({ name: 'hello', entry: 'bench/hello-server.ts', tsx: true, cwd: ROOT, port: await freePort(), env: {} });
    servers.push(hello);

    const clusters = (await (await fetch(`${gateway.baseUrl}/v3/clusters`)).json()) as { data: Array<{ cluster_id: string }> };
    const cid = clusters.data[0].cluster_id;
    for (const topic of ['readings-avro', 'readings-json']) await post(gateway.baseUrl, `/v3/clusters/${cid}/topics`, { topic_name: topic, partitions_count: 12 });
    const { id } = (await post(gateway.baseUrl, '/subjects/readings-avro-value/versions', { schema: SCHEMA }, 'application/vnd.schemaregistry.v1+json')) as { id: number };

    const records = Array.from({ length: 100 }, (_, i) => ({ key: `sensor-${i % 16}`, value: { sensor: `sensor-${i % 16}`, seq: i, celsius: 20 + i / 10, note: 'x'.repeat(60) } }));
    const avroBody = JSON.stringify({ key_schema: JSON.stringify('string'), value_schema_id: id, records });
    const jsonBody = JSON.stringify({ records });

    const results: Result[] = [];
    results.push(await load('produce JSON (v2, 100 records/request)', gateway.baseUrl, { method: 'POST', path: '/topics/readings-json', headers: { 'content-type': 'application/vnd.kafka.json.v2+json' }, body: jsonBody }, 100));
    results.push(await load('produce Avro by schema id (v2, 100 records/request)', gateway.baseUrl, { method: 'POST', path: '/topics/readings-avro', headers: { 'content-type': 'application/vnd.kafka.avro.v2+json' }, body: avroBody }, 100));
    results.push(await load('hello-world Fastify route', hello.baseUrl, { method: 'GET', path: '/hello' }, 1));
    results.push(await load(`GET /schemas/ids/${id}`, gateway.baseUrl, { method: 'GET', path: `/schemas/ids/${id}` }, 1));

    const produceRatio = results[1].perSecond / results[0].perSecond;
    const lookupRatio = results[3].perSecond / results[2].perSecond;
    const redisVersion = execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).trim();
    const table = [
      '# Schema benchmark',
      '',
      `- Date: ${new Date().toISOString()}; ${cpus().length} CPUs; Node ${process.version}; ${redisVersion.split(' ').slice(0, 3).join(' ')}`,
      `- Command: \`npm run bench:schema\`; autocannon, ${connections} connections, 2 s warm-up, ${duration} s each; servers as child processes through the tsx loader`,
      '',
      '| Load | per second | p50 ms | p99 ms | errors / non-2xx |',
      '|---|--:|--:|--:|--:|',
      ...results.map((r) => `| ${r.label} | ${Math.round(r.perSecond).toLocaleString('en-US')} ${r.label.startsWith('produce') ? 'records' : 'requests'} | ${r.p50} | ${r.p99} | ${r.non2xx} |`),
      '',
      '| Target (issue 4) | Measured | Result |',
      '|---|--:|---|',
      `| Avro produce / JSON produce records/s ≥ 0.8 | ${produceRatio.toFixed(2)} | ${produceRatio >= 0.8 ? 'PASS' : 'MISS'} |`,
      `| schema lookup by id / hello-world requests/s ≥ 0.7 | ${lookupRatio.toFixed(2)} | ${lookupRatio >= 0.7 ? 'PASS' : 'MISS'} |`,
      '',
    ].join('\n');
    console.log(table);
    mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench', 'results', 'schema.md'), table);
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await redis?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
