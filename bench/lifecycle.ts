/**
 * Log lifecycle benchmark (issue 12). Sections, each run unless BENCH_LIFECYCLE_SECTIONS (a comma
 * list of ALL_SECTIONS) picks some:
 * - memory: produce ~1 KB order events at a steady rate for BENCH_LIFECYCLE_MEMORY_S (60) seconds
 *   into a topic with retention.bytes and, at the same time and rate, into one without; every
 *   second, the Redis memory of each topic's keys (MEMORY USAGE … SAMPLES 0) and the gateway's
 *   size_bytes. Writes the two curves as a table and as an SVG (and a PNG when a headless Chromium
 *   is installed).
 * - produce: batched v2 produce to a retention-limited topic (its cleaner trimming all along)
 *   against a plain topic, rounds alternating, medians.
 * - cleaner: a backlog of BENCH_LIFECYCLE_BACKLOG records is made past retention at once; the CPU
 *   the gateway and Redis spend per removed record, and the longest single trim call (SLOWLOG).
 * A later section (compression) adds itself to ALL_SECTIONS and to `sections` below.
 * Writes bench/results/lifecycle.md (a full run only). Run: `npm run bench:lifecycle`.
 */
import autocannon from 'autocannon';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { TRIM_STEP_BYTES, TRIM_STEP_RECORDS } from '../src/log/trim-steps.js';
import { freePort, startRedis, type RedisServer } from '../test/support/redis.js';
import { compileGateway, gatewaySpec } from './gateway-server.js';
import { median } from './median.js';
import { ServerProcess } from './server-process.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = join(ROOT, 'bench', 'results');
const ALL_SECTIONS = ['memory', 'produce', 'cleaner'];
const SECTIONS = new Set((process.env.BENCH_LIFECYCLE_SECTIONS ?? ALL_SECTIONS.join(',')).split(',').filter((name) => ALL_SECTIONS.includes(name)));
const MEMORY_S = Number(process.env.BENCH_LIFECYCLE_MEMORY_S ?? 60);
/** Records per second into each of the two topics of the memory section. */
const MEMORY_RATE = Number(process.env.BENCH_LIFECYCLE_RATE ?? 1000);
const BOUND_BYTES = Number(process.env.BENCH_LIFECYCLE_BOUND ?? 32 * 1024 * 1024);
const PRODUCE_S = Number(process.env.BENCH_DURATION ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const BACKLOG = Number(process.env.BENCH_LIFECYCLE_BACKLOG ?? 100_000);
const BATCH = 100;
const CT = { 'content-type': 'application/vnd.kafka.json.v2+json' };
const KEY_PREFIX = 'sg';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const thousands = (n: number) => Math.round(n).toLocaleString('en-US');
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

/** A ~1 KB JSON order event, different every time. */
let sequence = 0;
function orderEvent(): object {
  const n = sequence++;
  return {
    order_id: `ord-${n.toString(36).padStart(8, '0')}`,
    customer: { id: `cust-${n % 9973}`, name: `Customer ${n % 9973}`, email: `customer${n % 9973}@example.com`, tier: ['gold', 'silver', 'bronze'][n % 3] },
    created_at: new Date(1_700_000_000_000 + n * 1000).toISOString(),
    status: ['placed', 'paid', 'shipped', 'delivered'][n % 4],
    currency: 'EUR',
    items: Array.from({ length: 4 }, (_, i) => ({
      sku: `SKU-${(n * 7 + i) % 5003}`,
      title: `Product number ${(n * 7 + i) % 5003} in a longer descriptive title`,
      quantity: 1 + ((n + i) % 3),
      unit_price: Number((((n + i) % 500) + 0.99).toFixed(2)),
    })),
    shipping: { street: `${n % 300} Long Street Name`, city: 'Amsterdam', postcode: `10${n % 90} AB`, country: 'NL', method: 'express' },
    notes: 'Leave the parcel at the door if nobody answers the bell.',
  };
}
const batchBody = (count: number) => JSON.stringify({ records: Array.from({ length: count }, () => ({ key: `k-${sequence}`, value: orderEvent() })) });

interface Context {
  gateway: ServerProcess;
  redis: RedisServer;
  admin: Redis;
  v3: string;
}

async function createTopic(ctx: Context, name: string, configs: Record<string, string> = {}): Promise<void> {
  const response = await fetch(`${ctx.gateway.baseUrl}${ctx.v3}/topics`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ topic_name: name, partitions_count: 1, configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })) }),
  });
  if (response.status !== 201) throw new Error(`creating ${name}: ${response.status} ${await response.text()}`);
}

async function produce(ctx: Context, topic: string, body: string): Promise<void> {
  const response = await fetch(`${ctx.gateway.baseUrl}/topics/${topic}`, { method: 'POST', headers: CT, body });
  if (response.status !== 200) throw new Error(`produce to ${topic}: ${response.status} ${await response.text()}`);
}

const partitionOf = async (ctx: Context, topic: string) =>
  (await (await fetch(`${ctx.gateway.baseUrl}${ctx.v3}/topics/${topic}/partitions/0`)).json()) as {
    earliest_offset: number;
    latest_offset: number;
    size_bytes: number;
  };

/** Redis memory of one single-partition topic: its stream, meta hash and time index. */
async function topicMemory(admin: Redis, topic: string): Promise<number> {
  const keys = ['log', 'meta', 'tidx'].map((suffix) => `${KEY_PREFIX}:{${topic}:0}:${suffix}`);
  const usages = await Promise.all(keys.map((key) => admin.call('MEMORY', 'USAGE', key, 'SAMPLES', '0') as Promise<number | null>));
  return usages.reduce<number>((sum, usage) => sum + (usage ?? 0), 0);
}

async function redisCpuSeconds(admin: Redis): Promise<number> {
  const info = await admin.info('cpu');
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return field('used_cpu_user') + field('used_cpu_sys');
}

interface MemorySample {
  second: number;
  bounded: number;
  unbounded: number;
  boundedSize: number;
}

/** Steady produce into both topics; samples their memory every second. */
async function memorySection(ctx: Context): Promise<string> {
  await createTopic(ctx, 'bounded', { 'retention.bytes': String(BOUND_BYTES) });
  await createTopic(ctx, 'unbounded');
  const tickMs = 100;
  const perTick = Math.max(1, Math.round((MEMORY_RATE * tickMs) / 1000));
  const samples: MemorySample[] = [];
  const inFlight = new Set<Promise<void>>();
  const started = Date.now();
  let nextSample = started;
  let dropped = 0;
  for (let tick = 0; Date.now() - started < MEMORY_S * 1000; tick++) {
    // Both topics get the same records at the same moment; a tick whose requests would pile up is skipped and counted.
    if (inFlight.size < 8) {
      const body = batchBody(perTick);
      for (const topic of ['bounded', 'unbounded']) {
        const request = produce(ctx, topic, body).finally(() => inFlight.delete(request));
        inFlight.add(request);
      }
    } else dropped++;
    if (Date.now() >= nextSample) {
      nextSample += 1000;
      const [bounded, unbounded, partition] = await Promise.all([
        topicMemory(ctx.admin, 'bounded'),
        topicMemory(ctx.admin, 'unbounded'),
        partitionOf(ctx, 'bounded'),
      ]);
      samples.push({ second: Math.round((Date.now() - started) / 1000), bounded, unbounded, boundedSize: partition.size_bytes });
      process.stderr.write(`\rmemory: ${samples.length} s, bounded ${mib(bounded)} MiB, unbounded ${mib(unbounded)} MiB   `);
    }
    await sleep(Math.max(0, started + (tick + 1) * tickMs - Date.now()));
  }
  await Promise.all(inFlight);
  process.stderr.write('\n');
  writeCurves(samples);

  const afterFill = samples.filter((s) => s.bounded > 0 && s.unbounded >= BOUND_BYTES);
  const peak = Math.max(...samples.map((s) => s.bounded));
  const rows = samples.filter((s, i) => s.second % 5 === 0 || i === samples.length - 1);
  const growth = samples.length > 1 ? (samples.at(-1)!.unbounded - samples[0].unbounded) / (samples.at(-1)!.second - samples[0].second) : 0;
  return [
    '## Bounded memory',
    '',
    `~1 KB JSON order events (v2 JSON produce, ${perTick} records per request every ${tickMs} ms: ${thousands(MEMORY_RATE)} records/s into each topic) for ${MEMORY_S} s ` +
      `into \`bounded\` (retention.bytes=${thousands(BOUND_BYTES)}, ${mib(BOUND_BYTES)} MiB) and \`unbounded\` at once, one partition each, LOG_RETENTION_CHECK_INTERVAL_MS at its default. ` +
      `Memory is Redis's MEMORY USAGE (SAMPLES 0) of the topic's keys (stream, meta hash, time index), sampled every second; size_bytes is what the gateway counts against retention.bytes.` +
      (dropped > 0 ? ` ${dropped} ticks were skipped because 8 requests were still in flight.` : ''),
    '',
    `- Peak memory of \`bounded\`: ${mib(peak)} MiB = **${(peak / BOUND_BYTES).toFixed(2)}× the bound** (after it filled: ${afterFill.length > 0 ? `${mib(Math.min(...afterFill.map((s) => s.bounded)))}–${mib(Math.max(...afterFill.map((s) => s.bounded)))} MiB` : 'n/a'}).`,
    `- \`unbounded\` grew ${mib(growth)} MiB/s, to ${mib(samples.at(-1)?.unbounded ?? 0)} MiB.`,
    '',
    '| Second | bounded (MiB) | bounded / bound | bounded size_bytes (MiB) | unbounded (MiB) |',
    '|--:|--:|--:|--:|--:|',
    ...rows.map((s) => `| ${s.second} | ${mib(s.bounded)} | ${(s.bounded / BOUND_BYTES).toFixed(2)} | ${mib(s.boundedSize)} | ${mib(s.unbounded)} |`),
    '',
    'Every second: `bench/results/lifecycle-memory.csv`; plot: `bench/results/lifecycle-memory.svg` (and `.png` when written).',
    '',
  ].join('\n');
}

/** The curves as CSV and an SVG line plot; the SVG becomes a PNG through a headless Chromium when there is one. */
function writeCurves(samples: MemorySample[]): void {
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(
    join(RESULTS, 'lifecycle-memory.csv'),
    ['second,bounded_bytes,bounded_size_bytes,unbounded_bytes', ...samples.map((s) => `${s.second},${s.bounded},${s.boundedSize},${s.unbounded}`)].join('\n') +
      '\n',
  );
  const [width, height, left, bottom, top, right] = [800, 450, 70, 50, 30, 150];
  const maxX = Math.max(1, ...samples.map((s) => s.second));
  const maxY = Math.max(BOUND_BYTES * 1.3, ...samples.map((s) => s.unbounded));
  const x = (second: number) => left + ((width - left - right) * second) / maxX;
  const y = (bytes: number) => height - bottom - ((height - bottom - top) * bytes) / maxY;
  const line = (values: number[], color: string) =>
    `<polyline fill="none" stroke="${color}" stroke-width="2" points="${samples.map((s, i) => `${x(s.second).toFixed(1)},${y(values[i]).toFixed(1)}`).join(' ')}"/>`;
  const yTicks = Array.from({ length: 6 }, (_, i) => (maxY * i) / 5);
  const svg = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${left}" y="18" font-size="14">Redis memory of a topic, ${thousands(MEMORY_RATE)} records/s of ~1 KB</text>`,
    `<line x1="${left}" y1="${height - bottom}" x2="${width - right}" y2="${height - bottom}" stroke="black"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${height - bottom}" stroke="black"/>`,
    ...yTicks.map((v) => `<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end">${mib(v)}</text>`),
    `<text x="14" y="${top + (height - top - bottom) / 2}" transform="rotate(-90 14 ${top + (height - top - bottom) / 2})" text-anchor="middle">MiB</text>`,
    ...[0, 0.25, 0.5, 0.75, 1].map((f) => `<text x="${x(maxX * f)}" y="${height - bottom + 18}" text-anchor="middle">${Math.round(maxX * f)} s</text>`),
    `<line x1="${left}" y1="${y(BOUND_BYTES)}" x2="${width - right}" y2="${y(BOUND_BYTES)}" stroke="gray" stroke-dasharray="4 4"/>`,
    `<line x1="${left}" y1="${y(BOUND_BYTES * 1.2)}" x2="${width - right}" y2="${y(BOUND_BYTES * 1.2)}" stroke="#c66" stroke-dasharray="2 4"/>`,
    line(
      samples.map((s) => s.unbounded),
      '#d62728',
    ),
    line(
      samples.map((s) => s.bounded),
      '#1f77b4',
    ),
    `<text x="${width - right + 8}" y="${y(samples.at(-1)?.unbounded ?? 0)}" fill="#d62728">no retention</text>`,
    `<text x="${width - right + 8}" y="${y(samples.at(-1)?.bounded ?? 0)}" fill="#1f77b4">retention.bytes</text>`,
    `<text x="${width - right + 8}" y="${y(BOUND_BYTES) + 14}" fill="gray">bound</text>`,
    `<text x="${width - right + 8}" y="${y(BOUND_BYTES * 1.2) - 4}" fill="#c66">1.2× bound</text>`,
    '</svg>',
  ].join('\n');
  const svgPath = join(RESULTS, 'lifecycle-memory.svg');
  writeFileSync(svgPath, svg + '\n');
  const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));
  if (!chromium) return;
  try {
    execFileSync(
      chromium,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        `--screenshot=${join(RESULTS, 'lifecycle-memory.png')}`,
        `--window-size=${width},${height}`,
        `file://${svgPath}`,
      ],
      {
        stdio: 'ignore',
        timeout: 60_000,
      },
    );
  } catch (error) {
    process.stderr.write(`no PNG: ${(error as Error).message}\n`);
  }
}

interface ProduceRun {
  rate: number;
  /** Gateway and Redis CPU per produced record, µs: less at the mercy of other load on the machine than the rate. */
  cpuMicros: number;
}

/** autocannon on one topic: records/s of batched produce, and the CPU they took. */
async function produceRate(ctx: Context, topic: string): Promise<ProduceRun> {
  const cpuBefore = (ctx.gateway.cpuSeconds() ?? NaN) + (await redisCpuSeconds(ctx.admin));
  const result = await autocannon({
    url: `${ctx.gateway.baseUrl}/topics/${topic}`,
    method: 'POST',
    headers: CT,
    body: batchBody(BATCH),
    connections: 8,
    duration: PRODUCE_S,
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`produce to ${topic}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  // The cleaner trims what this run produced a little after it ends: its pass is let finish before the CPU is read.
  await sleep(1500);
  const cpu = (ctx.gateway.cpuSeconds() ?? NaN) + (await redisCpuSeconds(ctx.admin)) - cpuBefore;
  const records = result.requests.total * BATCH;
  return { rate: records / PRODUCE_S, cpuMicros: (cpu * 1e6) / records };
}

async function produceSection(ctx: Context): Promise<string> {
  // Small enough that the cleaner trims all through every round.
  const bound = 8 * 1024 * 1024;
  await createTopic(ctx, 'limited', { 'retention.bytes': String(bound) });
  await createTopic(ctx, 'plain');
  const rows: Array<{ round: number; limited: ProduceRun; plain: ProduceRun }> = [];
  for (let round = 1; round <= ROUNDS; round++) {
    // Alternate which goes first, so a drift in the machine's load favours neither.
    const order = round % 2 === 1 ? ['limited', 'plain'] : ['plain', 'limited'];
    const runs: Record<string, ProduceRun> = {};
    for (const topic of order) {
      runs[topic] = await produceRate(ctx, topic);
      process.stderr.write(
        `produce round ${round}: ${topic} ${thousands(runs[topic].rate)} records/s, ${runs[topic].cpuMicros.toFixed(1)} µs CPU per record\n`,
      );
    }
    rows.push({ round, limited: runs.limited, plain: runs.plain });
  }
  const limited = await partitionOf(ctx, 'limited');
  const limitedMedian = median(rows.map((r) => r.limited.rate));
  const plainMedian = median(rows.map((r) => r.plain.rate));
  const limitedCpu = median(rows.map((r) => r.limited.cpuMicros));
  const plainCpu = median(rows.map((r) => r.plain.cpuMicros));
  return [
    '## Produce cost of retention',
    '',
    `autocannon, 8 connections, ${PRODUCE_S} s per topic and round, ${ROUNDS} rounds alternating which topic goes first; v2 JSON produce of ${BATCH} ~1 KB order events per request ` +
      `to \`limited\` (retention.bytes=${thousands(bound)}: the cleaner trims all along; at the end it held offsets ${thousands(limited.earliest_offset)}–${thousands(limited.latest_offset)}, ${mib(limited.size_bytes)} MiB) and to \`plain\`.`,
    '',
    "CPU is the gateway's and Redis's together per produced record, read 1.5 s after each run so the cleaner's trimming of it is counted.",
    '',
    '| Round | retention-limited (records/s) | plain (records/s) | ratio | limited CPU (µs/record) | plain CPU (µs/record) | CPU ratio (plain / limited) |',
    '|--:|--:|--:|--:|--:|--:|--:|',
    ...rows.map(
      (r) =>
        `| ${r.round} | ${thousands(r.limited.rate)} | ${thousands(r.plain.rate)} | ${(r.limited.rate / r.plain.rate).toFixed(2)} | ` +
        `${r.limited.cpuMicros.toFixed(1)} | ${r.plain.cpuMicros.toFixed(1)} | ${(r.plain.cpuMicros / r.limited.cpuMicros).toFixed(2)} |`,
    ),
    `| median | ${thousands(limitedMedian)} | ${thousands(plainMedian)} | **${(limitedMedian / plainMedian).toFixed(2)}** | ${limitedCpu.toFixed(1)} | ${plainCpu.toFixed(1)} | **${(plainCpu / limitedCpu).toFixed(2)}** |`,
    '',
  ].join('\n');
}

async function cleanerSection(ctx: Context): Promise<string> {
  await createTopic(ctx, 'backlog');
  for (let produced = 0; produced < BACKLOG; produced += 500) await produce(ctx, 'backlog', batchBody(Math.min(500, BACKLOG - produced)));
  const before = await partitionOf(ctx, 'backlog');
  const memoryBefore = await topicMemory(ctx.admin, 'backlog');
  // Every command into the slow log, to find the longest trim call.
  await ctx.admin.config('SET', 'slowlog-log-slower-than', '0');
  await ctx.admin.config('SET', 'slowlog-max-len', '1000000');
  await ctx.admin.slowlog('RESET');
  const gatewayCpu = ctx.gateway.cpuSeconds() ?? NaN;
  const redisCpu = await redisCpuSeconds(ctx.admin);
  const started = Date.now();
  const altered = await fetch(`${ctx.gateway.baseUrl}${ctx.v3}/topics/backlog/configs/retention.bytes`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ value: '0' }),
  });
  if (altered.status !== 204) throw new Error(`altering retention: ${altered.status}`);
  let after = before;
  while (after.earliest_offset < before.latest_offset) {
    if (Date.now() - started > 300_000) throw new Error('the backlog was not removed in 5 minutes');
    await sleep(100);
    after = await partitionOf(ctx, 'backlog');
  }
  const elapsed = (Date.now() - started) / 1000;
  const gatewayCpuUsed = (ctx.gateway.cpuSeconds() ?? NaN) - gatewayCpu;
  const redisCpuUsed = (await redisCpuSeconds(ctx.admin)) - redisCpu;
  const sha = createHash('sha1')
    .update(readFileSync(join(ROOT, 'src', 'log', 'redis', 'scripts', 'trim-head.lua'), 'utf8'))
    .digest('hex');
  const entries = (await ctx.admin.call('SLOWLOG', 'GET', '-1')) as Array<[number, number, number, string[]]>;
  await ctx.admin.config('SET', 'slowlog-log-slower-than', '10000');
  const trims = entries.filter((entry) => entry[3][0]?.toLowerCase() === 'evalsha' && entry[3][1] === sha).map((entry) => entry[2]);
  const removing = trims.filter((micros) => micros > 0);
  const sorted = [...removing].sort((a, b) => a - b);
  const removed = before.latest_offset - before.earliest_offset;
  return [
    '## Cleaner cost',
    '',
    `A backlog of ${thousands(removed)} ~1 KB records (${mib(before.size_bytes)} MiB stored, ${mib(memoryBefore)} MiB in Redis) in one partition; then retention.bytes=0, ` +
      `and the cleaner (default interval; one Lua call removes at most ${TRIM_STEP_RECORDS} records or ${TRIM_STEP_BYTES / 1024} KiB) removes it all.`,
    '',
    `- Removed in ${elapsed.toFixed(1)} s (from the config change; the cleaner's next pass starts up to one interval later).`,
    `- CPU per removed record: gateway ${((gatewayCpuUsed * 1e6) / removed).toFixed(2)} µs, Redis ${((redisCpuUsed * 1e6) / removed).toFixed(2)} µs (whole processes over the removal, idle work included).`,
    `- Trim calls (SLOWLOG, time inside Redis): ${trims.length}, the longest **${(Math.max(...trims) / 1000).toFixed(2)} ms**, median ${((sorted[Math.floor(sorted.length / 2)] ?? 0) / 1000).toFixed(2)} ms.`,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const loadBefore = loadavg()[0];
  compileGateway();
  const redis = await startRedis({ appendonly: false });
  const admin = new Redis(redis.url);
  const port = await freePort();
  const gateway = await ServerProcess.start(gatewaySpec({ port, redisUrl: redis.url }));
  try {
    const clusterId = ((await (await fetch(`${gateway.baseUrl}/v3/clusters`)).json()) as { data: Array<{ cluster_id: string }> }).data[0].cluster_id;
    const ctx: Context = { gateway, redis, admin, v3: `/v3/clusters/${clusterId}` };
    const sections: Record<string, (ctx: Context) => Promise<string>> = { memory: memorySection, produce: produceSection, cleaner: cleanerSection };
    const parts: string[] = [];
    for (const name of ALL_SECTIONS) if (SECTIONS.has(name)) parts.push(await sections[name](ctx));
    const redisVersion = /redis_version:(\S+)/.exec(await admin.info('server'))?.[1] ?? 'unknown';
    const report = [
      '# npm run bench:lifecycle',
      '',
      `${new Date().toISOString()}; ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB; load average ${loadBefore.toFixed(2)} → ${loadavg()[0].toFixed(2)}; ` +
        `Node ${process.version}, gateway compiled as \`npm start\` runs it; Redis ${redisVersion} (appendonly off), load generator, gateway and Redis on the same machine.`,
      '',
      ...parts,
    ].join('\n');
    process.stdout.write(`\n${report}\n`);
    if (SECTIONS.size === ALL_SECTIONS.length) {
      mkdirSync(RESULTS, { recursive: true });
      writeFileSync(join(RESULTS, 'lifecycle.md'), report);
      process.stderr.write('written to bench/results/lifecycle.md\n');
    }
  } finally {
    admin.disconnect();
    await gateway.stop();
    await redis.stop();
  }
}

await main();
