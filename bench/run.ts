/**
 * Produce benchmark (issue 2): the gateway against a minimal Fastify + XADD baseline, both as
 * child processes on a redis-server this script starts, loaded by autocannon. Prints a markdown
 * table and writes it to bench/results/produce.md. A missed target is reported, never an exit
 * code; the exit code is non-zero only when the harness fails or acknowledged records are missing.
 *
 * Environment: BENCH_DURATION (s, default 10), BENCH_WARMUP (s, 2), BENCH_CONNECTIONS (50),
 * BENCH_PARTITIONS (12), BENCH_ROUNDS (3: the targets alternate and the median round is reported,
 * which steadies the numbers on a machine shared with other work), BENCH_SCENARIOS (batched,single),
 * BENCH_CPU_PROF=1 (the gateway writes .cpuprofile files to a temporary directory, printed at the
 * end; summarize one with bench/profile-summary.ts), BENCH_RUNTIME=dist (default: both
 * servers compiled first, as `npm start` and the Docker image run the gateway) or tsx (both run
 * through the tsx loader, which alone adds tens of MB to every process's RSS),
 * BENCH_GATEWAY_NODE_FLAGS (default: the flags `npm start` uses, see bench/gateway-server.ts).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { GATEWAY_NODE_FLAGS, compileGateway, gatewaySpec } from './gateway-server.js';
import { freePort, startRedis, type RedisServer } from '../test/support/redis.js';
import { fire, produceBodies, type LoadSettings, type Scenario } from './load.js';
import { renderReport, verified, type Row, type TargetName } from './report.js';
import { ServerProcess, type ServerSpec } from './server-process.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = join(ROOT, 'bench', 'results');
const TOPIC = 'bench-produce';
const BASELINE_STREAM = 'baseline:{produce}:log';

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got '${raw}'`);
  return value;
}

const settings = {
  duration: envInt('BENCH_DURATION', 10),
  warmup: envInt('BENCH_WARMUP', 2),
  connections: envInt('BENCH_CONNECTIONS', 50),
  partitions: envInt('BENCH_PARTITIONS', 12),
  rounds: envInt('BENCH_ROUNDS', 3),
  cpuProfileDir: process.env.BENCH_CPU_PROF === '1' ? mkdtempSync(join(tmpdir(), 'sg-bench-profiles-')) : undefined,
  runtime: runtime(),
  /** Node flags of the gateway: as `npm start` runs it, or BENCH_GATEWAY_NODE_FLAGS (e.g. '--max-semi-space-size=4') to try others. */
  gatewayNodeFlags: process.env.BENCH_GATEWAY_NODE_FLAGS === undefined ? GATEWAY_NODE_FLAGS : process.env.BENCH_GATEWAY_NODE_FLAGS.split(' ').filter(Boolean),
};

function runtime(): 'tsx' | 'dist' {
  const raw = process.env.BENCH_RUNTIME ?? 'dist';
  if (raw !== 'tsx' && raw !== 'dist') throw new Error(`BENCH_RUNTIME must be tsx or dist, got '${raw}'`);
  return raw;
}

/** Compiles the gateway (as `npm start` does) and the baseline into dist/. */
function compile(): void {
  compileGateway();
  execFileSync(
    'npx',
    [
      'tsc',
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--target',
      'es2022',
      '--skipLibCheck',
      '--types',
      'node',
      '--outDir',
      join('dist', 'bench'),
      join('bench', 'baseline-server.ts'),
    ],
    {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
}

/** The entry file of a server for the chosen runtime. */
const entry = (typescript: string) => (settings.runtime === 'tsx' ? typescript : join('dist', typescript.replace(/\.ts$/, '.js')));

const ALL_SCENARIOS: Scenario[] = [
  { name: 'batched', recordsPerRequest: 100 },
  { name: 'single', recordsPerRequest: 1 },
];

function scenarios(): Scenario[] {
  const wanted = (process.env.BENCH_SCENARIOS ?? 'batched,single').split(',').map((name) => name.trim());
  const chosen = ALL_SCENARIOS.filter((scenario) => wanted.includes(scenario.name));
  if (chosen.length === 0) throw new Error(`BENCH_SCENARIOS must name batched and/or single, got '${process.env.BENCH_SCENARIOS}'`);
  return chosen;
}

/** What differs between the two servers under test. */
interface Target {
  name: TargetName;
  spec(port: number, redisUrl: string): ServerSpec;
  /** Readies the server for produce and returns the path to POST to. */
  prepare(server: ServerProcess): Promise<string>;
  /** Records the server has written to Redis. */
  storedRecords(server: ServerProcess, redis: Redis): Promise<number>;
}

async function http<T>(method: 'GET' | 'POST', url: string, body?: unknown): Promise<T> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url} answered ${response.status}: ${text}`);
  return JSON.parse(text) as T;
}

const gateway: Target = {
  name: 'gateway',
  spec: (port, redisUrl) =>
    gatewaySpec({
      port,
      redisUrl,
      entry: entry('src/main.ts'),
      tsx: settings.runtime === 'tsx',
      nodeFlags: [...settings.gatewayNodeFlags, ...(settings.cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', settings.cpuProfileDir] : [])],
    }),
  async prepare(server) {
    const clusters = await http<{ data: Array<{ cluster_id: string }> }>('GET', `${server.baseUrl}/v3/clusters`);
    const clusterId = clusters.data[0].cluster_id;
    await http('POST', `${server.baseUrl}/v3/clusters/${clusterId}/topics`, { topic_name: TOPIC, partitions_count: settings.partitions });
    return `/topics/${TOPIC}`;
  },
  async storedRecords(server) {
    const clusters = await http<{ data: Array<{ cluster_id: string }> }>('GET', `${server.baseUrl}/v3/clusters`);
    const partitions = await http<{ data: Array<{ earliest_offset: number; latest_offset: number }> }>(
      'GET',
      `${server.baseUrl}/v3/clusters/${clusters.data[0].cluster_id}/topics/${TOPIC}/partitions`,
    );
    return partitions.data.reduce((sum, partition) => sum + partition.latest_offset - partition.earliest_offset, 0);
  },
};

const baseline: Target = {
  name: 'baseline',
  spec: (port, redisUrl) => ({
    name: 'baseline',
    entry: entry('bench/baseline-server.ts'),
    tsx: settings.runtime === 'tsx',
    cwd: ROOT,
    port,
    env: { REDIS_URL: redisUrl, STREAM: BASELINE_STREAM },
  }),
  prepare: async () => `/topics/${TOPIC}`,
  storedRecords: async (_server, redis) => redis.xlen(BASELINE_STREAM),
};

/** Everything this run started, so a harness error or Ctrl-C can stop it. */
const running = { servers: new Set<ServerProcess>(), redis: undefined as RedisServer | undefined };

async function cleanUp(): Promise<void> {
  await Promise.allSettled([...running.servers].map((server) => server.stop()));
  running.servers.clear();
  const redis = running.redis;
  running.redis = undefined;
  await redis?.stop();
}

/** CPU seconds redis-server has used (INFO cpu: main thread and children). */
async function redisCpuSeconds(admin: Redis): Promise<number> {
  const info = await admin.info('cpu');
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return field('used_cpu_user') + field('used_cpu_sys');
}

/** The server under test was stopped by something outside this harness; the measurement is worth repeating. */
class ServerStopped extends Error {
  override name = 'ServerStopped';
}

const MEASURE_ATTEMPTS = 3;

/** `measure`, repeated when something else on the machine stopped the server mid-run. */
async function measureAgainIfStopped(target: Target, scenario: Scenario, round: number, redisServer: RedisServer, admin: Redis): Promise<Row> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await measure(target, scenario, round, redisServer, admin);
    } catch (error) {
      if (!(error instanceof ServerStopped) || attempt === MEASURE_ATTEMPTS) throw error;
      process.stderr.write(`\nwarning: ${error.message}; measuring again\n`);
    }
  }
}

/** One target under one scenario: a fresh process on a flushed Redis, warm-up, measurement, write check. */
async function measure(target: Target, scenario: Scenario, round: number, redisServer: RedisServer, admin: Redis): Promise<Row> {
  await admin.flushall();
  const server = await ServerProcess.start(target.spec(await freePort(), redisServer.url));
  running.servers.add(server);
  try {
    const path = await target.prepare(server);
    const bodies = produceBodies(scenario);
    const load: LoadSettings = { connections: settings.connections, duration: settings.warmup };
    process.stderr.write(
      `${settings.rounds > 1 ? `round ${round}: ` : ''}${scenario.name} / ${target.name}: warm-up ${settings.warmup} s, then ${settings.duration} s … `,
    );
    const warm = await fire(server.baseUrl, path, bodies, scenario, load);
    const cpuBefore = { server: server.cpuSeconds(), redis: await redisCpuSeconds(admin) };
    const result = await fire(server.baseUrl, path, bodies, scenario, { ...load, duration: settings.duration });
    const cpuAfter = { server: server.cpuSeconds(), redis: await redisCpuSeconds(admin) };
    if (server.status !== 'running') throw new Error('the server stopped during the measurement');
    process.stderr.write(`${Math.round(result.recordsPerSecond).toLocaleString('en-US')} records/s\n`);
    const stored = await target.storedRecords(server, admin);
    const peakRssMb = server.peakRssMb();
    // Records answered during the measurement; requests still in flight at its end add a little CPU, not records.
    const records = result.ok * scenario.recordsPerRequest;
    const perRecordUs = (before: number | undefined, after: number | undefined) =>
      before === undefined || after === undefined || records === 0 ? undefined : ((after - before) * 1e6) / records;
    return {
      round,
      scenario,
      target: target.name,
      result,
      peakRssMb,
      serverCpuUsPerRecord: perRecordUs(cpuBefore.server, cpuAfter.server),
      redisCpuUsPerRecord: perRecordUs(cpuBefore.redis, cpuAfter.redis),
      stored,
      acknowledged: (warm.ok + result.ok) * scenario.recordsPerRequest,
    };
  } catch (error) {
    const message = `${scenario.name} / ${target.name}: ${error instanceof Error ? error.message : String(error)} (server ${server.status})`;
    if (server.stoppedFromOutside) throw new ServerStopped(message);
    throw new Error(`${message}\n--- server log ---\n${server.log}`);
  } finally {
    await server.stop();
    running.servers.delete(server);
  }
}

function commandLine(): string {
  const overrides = Object.entries(process.env)
    .filter(([name]) => name.startsWith('BENCH_'))
    .map(([name, value]) => `${name}=${value}`);
  const command = process.env.npm_lifecycle_event === 'bench' ? 'npm run bench' : 'npx tsx bench/run.ts';
  return [...overrides, command].join(' ');
}

function machine(): string {
  const nproc = execFileSync('nproc', { encoding: 'utf8' }).trim();
  return `${nproc} CPUs (nproc; ${cpus()[0]?.model ?? 'unknown CPU'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${process.platform}; load generator, server and Redis share them`;
}

async function main(): Promise<void> {
  const chosen = scenarios();
  const startLoad = loadavg()[0];
  if (settings.runtime === 'dist') compile();
  running.redis = await startRedis({ appendonly: false });
  const admin = new Redis(running.redis.url);
  try {
    const redisVersion = /redis_version:(\S+)/.exec(await admin.info('server'))?.[1] ?? 'unknown';
    const rows: Row[] = [];
    for (const scenario of chosen) {
      for (let round = 1; round <= settings.rounds; round++) {
        for (const target of [gateway, baseline]) rows.push(await measureAgainIfStopped(target, scenario, round, running.redis, admin));
      }
    }
    const report = renderReport(
      {
        date: new Date().toISOString(),
        machine: machine(),
        load1: { start: startLoad, end: loadavg()[0] },
        node: `${process.version} (servers run ${settings.runtime === 'tsx' ? 'through the tsx loader' : 'compiled, from dist/'}; gateway flags: ${settings.gatewayNodeFlags.join(' ') || 'none'})`,
        redis: `${redisVersion} (appendonly off)`,
        command: commandLine(),
        load:
          `autocannon, ${settings.connections} connections, ${settings.warmup} s warm-up then ${settings.duration} s per scenario and target` +
          `${settings.rounds > 1 ? ` in each of ${settings.rounds} rounds` : ''}; ` +
          `\`POST /topics/${TOPIC}\` (application/vnd.kafka.json.v2+json), records with keys \`k-<n>\` and ~100-byte values; ` +
          `gateway topic with ${settings.partitions} partitions; each target in a fresh process on a flushed Redis.`,
      },
      rows,
    );
    process.stdout.write(`\n${report}`);
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(join(RESULTS, 'produce.md'), report);
    process.stderr.write(`\nwritten to ${join('bench', 'results', 'produce.md')}\n`);
    if (settings.cpuProfileDir) process.stderr.write(`gateway CPU profiles in ${settings.cpuProfileDir} (npx tsx bench/profile-summary.ts <file>)\n`);
    if (!rows.every(verified)) {
      process.stderr.write('error: some acknowledged records are missing from Redis (see above)\n');
      process.exitCode = 3;
    }
  } finally {
    admin.disconnect();
    await cleanUp();
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\n${signal}: stopping servers and redis-server …\n`);
    cleanUp().finally(() => process.exit(130));
  });
}
// Last resort if something exits the process without the cleanup above.
process.on('exit', () => {
  for (const server of running.servers) server.killNow();
});

main().catch(async (error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  await cleanUp();
  process.exit(1);
});
