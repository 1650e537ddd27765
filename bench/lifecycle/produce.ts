/**
 * Section `produce`: batched v2 produce (100 ~1 KB order events per request, autocannon, 8
 * connections) to a retention-limited topic, its cleaner trimming all along, against a plain
 * topic; BENCH_ROUNDS (5) rounds of BENCH_DURATION (10) s per topic, alternating which goes first;
 * records/s and gateway + Redis CPU per record, medians.
 */
import autocannon from 'autocannon';
import { median } from '../median.js';
import { batchBody, createTopic, mib, partitionOf, redisCpuSeconds, setting, sleep, thousands, V2_JSON, type Context } from './context.js';

const PRODUCE_S = setting('BENCH_DURATION', 10, 2);
const ROUNDS = setting('BENCH_ROUNDS', 5, 1);
const BATCH = 100;

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
    headers: V2_JSON,
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

export async function produceSection(ctx: Context): Promise<string> {
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
