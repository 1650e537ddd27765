/**
 * Schema benchmark (issue 4), in one run on one machine:
 * (a) Avro produce through the gateway (v2, key and value schema by id, 100 records per request)
 *     against JSON produce of the same records: records/s, target ratio ≥ 0.8;
 * (b) registry lookup `GET /schemas/ids/{id}` against a hello-world Fastify route
 *     (bench/hello-server.ts): requests/s, target ratio ≥ 0.7.
 * The gateway (compiled, as `npm start` runs it, LOG_LEVEL=warn) and the hello-world server (through
 * the tsx loader) run as child processes, on a redis-server this script starts. The two loads of a
 * pair alternate for several rounds, so a machine busy with something else slows both alike; the
 * ratio is the median of the rounds' ratios. Writes bench/results/schema.md.
 *
 * Run: `npx tsx bench/schema.ts`. Environment: BENCH_DURATION (s per load and round, default 5),
 * BENCH_ROUNDS (default 5), BENCH_CONNECTIONS (default 32), BENCH_CPU_PROF=1 (the gateway writes a
 * CPU profile, its directory printed at the end; summarize it with bench/profile-summary.ts).
 */
import autocannon from 'autocannon';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startRedis, type RedisServer } from '../test/support/redis.js';
import { GATEWAY_NODE_FLAGS, compileGateway, gatewaySpec } from './gateway-server.js';
import { median } from './median.js';
import { ServerProcess } from './server-process.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const duration = Number(process.env.BENCH_DURATION ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
const RECORDS_PER_REQUEST = 100;
const profileDir = process.env.BENCH_CPU_PROF === '1' ? mkdtempSync(join(tmpdir(), 'sg-schema-profiles-')) : undefined;

const VALUE_SCHEMA = JSON.stringify({
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

interface Load {
  label: string;
  url: string;
  request: { method: 'GET' | 'POST'; path: string; headers?: Record<string, string>; body?: string };
  /** Records per 2xx answer; 1 for a plain request. */
  perRequest: number;
}

interface Measured {
  perSecond: number;
  p50: number;
  p99: number;
  failed: number;
}

async function measure(load: Load, seconds: number): Promise<Measured> {
  const result = await autocannon({ url: load.url, connections, duration: seconds, requests: [load.request] });
  return {
    perSecond: (result['2xx'] * load.perRequest) / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failed: result.non2xx + result.errors,
  };
}

/** Checks one request answers 2xx (a load of fast errors would measure nothing), then warms both loads up. */
async function prepare(loads: Load[]): Promise<void> {
  for (const load of loads) {
    const response = await fetch(load.url + load.request.path, { method: load.request.method, headers: load.request.headers, body: load.request.body });
    if (!response.ok) throw new Error(`${load.label}: ${response.status} ${await response.text()}`);
    await measure(load, 2);
  }
}

/** The pair alternated `rounds` times; per load the median round, and the median of the rounds' ratios (second / first). */
async function comparePair(baseline: Load, candidate: Load): Promise<{ rows: Array<{ load: Load; result: Measured }>; ratio: number; ratios: number[] }> {
  await prepare([baseline, candidate]);
  const results: [Measured[], Measured[]] = [[], []];
  for (let round = 0; round < rounds; round++) {
    results[0].push(await measure(baseline, duration));
    results[1].push(await measure(candidate, duration));
  }
  const ratios = results[1].map((result, round) => result.perSecond / results[0][round].perSecond);
  const summary = (measured: Measured[]): Measured => ({
    perSecond: median(measured.map((m) => m.perSecond)),
    p50: median(measured.map((m) => m.p50)),
    p99: median(measured.map((m) => m.p99)),
    failed: measured.reduce((sum, m) => sum + m.failed, 0),
  });
  return {
    rows: [
      { load: baseline, result: summary(results[0]) },
      { load: candidate, result: summary(results[1]) },
    ],
    ratio: median(ratios),
    ratios,
  };
}

async function post(url: string, body: unknown, contentType = 'application/json'): Promise<unknown> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return response.json();
}

async function main(): Promise<void> {
  let redis: RedisServer | undefined;
  const servers: ServerProcess[] = [];
  const stopAll = () => servers.forEach((server) => server.killNow());
  process.once('exit', stopAll);
  try {
    compileGateway();
    redis = await startRedis({ appendonly: false });
    const gateway = await ServerProcess.start(
      gatewaySpec({
        port: await freePort(),
        redisUrl: redis.url,
        nodeFlags: [...GATEWAY_NODE_FLAGS, ...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [])],
      }),
    );
    servers.push(gateway);
    const hello = await ServerProcess.start({ name: 'hello', entry: 'bench/hello-server.ts', tsx: true, cwd: ROOT, port: await freePort(), env: {} });
    servers.push(hello);

    const clusters = (await (await fetch(`${gateway.baseUrl}/v3/clusters`)).json()) as { data: Array<{ cluster_id: string }> };
    const topicsUrl = `${gateway.baseUrl}/v3/clusters/${clusters.data[0].cluster_id}/topics`;
    for (const topic of ['readings-avro', 'readings-json']) await post(topicsUrl, { topic_name: topic, partitions_count: 12 });
    const register = async (subject: string, schema: string) =>
      ((await post(`${gateway.baseUrl}/subjects/${subject}/versions`, { schema }, 'application/vnd.schemaregistry.v1+json')) as { id: number }).id;
    const keySchemaId = await register('readings-avro-key', JSON.stringify('string'));
    const valueSchemaId = await register('readings-avro-value', VALUE_SCHEMA);

    const records = Array.from({ length: RECORDS_PER_REQUEST }, (_, i) => ({
      key: `sensor-${i % 16}`,
      value: { sensor: `sensor-${i % 16}`, seq: i, celsius: 20 + i / 10, note: 'x'.repeat(60) },
    }));
    const produce = (topic: string, format: string, body: object): Load['request'] => ({
      method: 'POST',
      path: `/topics/${topic}`,
      headers: { 'content-type': `application/vnd.kafka.${format}.v2+json` },
      body: JSON.stringify(body),
    });

    const producePair = await comparePair(
      {
        label: `produce JSON (v2, ${RECORDS_PER_REQUEST} records/request)`,
        url: gateway.baseUrl,
        request: produce('readings-json', 'json', { records }),
        perRequest: RECORDS_PER_REQUEST,
      },
      {
        label: `produce Avro, schemas by id (v2, ${RECORDS_PER_REQUEST} records/request)`,
        url: gateway.baseUrl,
        request: produce('readings-avro', 'avro', { key_schema_id: keySchemaId, value_schema_id: valueSchemaId, records }),
        perRequest: RECORDS_PER_REQUEST,
      },
    );
    const lookupPair = await comparePair(
      { label: 'hello-world Fastify route (child process)', url: hello.baseUrl, request: { method: 'GET', path: '/hello' }, perRequest: 1 },
      {
        label: `GET /schemas/ids/${valueSchemaId} (gateway)`,
        url: gateway.baseUrl,
        request: { method: 'GET', path: `/schemas/ids/${valueSchemaId}` },
        perRequest: 1,
      },
    );

    const redisVersion = execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).trim().split(' ').slice(0, 3).join(' ');
    const row = ({ load, result }: { load: Load; result: Measured }) =>
      `| ${load.label} | ${Math.round(result.perSecond).toLocaleString('en-US')} ${load.perRequest > 1 ? 'records' : 'requests'} | ${result.p50} | ${result.p99} | ${result.failed} |`;
    const verdict = (name: string, pair: { ratio: number; ratios: number[] }, target: number) =>
      `| ${name} ≥ ${target} | ${pair.ratio.toFixed(2)} | ${pair.ratios.map((ratio) => ratio.toFixed(2)).join(', ')} | ${pair.ratio >= target ? 'PASS' : 'MISS'} |`;
    const table = [
      '# Schema benchmark',
      '',
      `- Date: ${new Date().toISOString()}; ${cpus().length} CPUs; Node ${process.version}; ${redisVersion}`,
      `- Command: \`npx tsx bench/schema.ts\`; autocannon in the runner, ${connections} connections; servers as child processes (the gateway compiled, as \`npm start\` runs it, with \`${GATEWAY_NODE_FLAGS.join(' ')}\`; hello-world through tsx); ` +
        `each pair alternated ${rounds} rounds of ${duration} s after a 2 s warm-up; per-second and latency columns are the median round`,
      '',
      '| Load | per second | p50 ms | p99 ms | errors / non-2xx |',
      '|---|--:|--:|--:|--:|',
      ...producePair.rows.map(row),
      ...lookupPair.rows.map(row),
      '',
      '| Target (issue 4) | Median ratio | Rounds | Result |',
      '|---|--:|---|---|',
      verdict('Avro produce / JSON produce, records/s', producePair, 0.8),
      verdict('schema lookup by id / hello-world route, requests/s', lookupPair, 0.7),
      '',
    ].join('\n');
    console.log(table);
    mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench', 'results', 'schema.md'), table);
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    await redis?.stop();
    process.off('exit', stopAll);
    if (profileDir) process.stderr.write(`gateway CPU profiles in ${profileDir}\n`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
