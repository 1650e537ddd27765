/**
 * Section `memory`: ~1 KB order events at a steady rate for BENCH_LIFECYCLE_MEMORY_S (60) seconds
 * into a topic with retention.bytes (BENCH_LIFECYCLE_BOUND, 32 MiB) and, at the same time and rate
 * (BENCH_LIFECYCLE_RATE records/s, 1,000), into one without; every second, the Redis memory of each
 * topic's keys (MEMORY USAGE … SAMPLES 0) and the gateway's size_bytes. Writes the two curves as a
 * table, and as CSV and SVG (and a PNG when a headless Chromium is installed) unless quick.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { batchBody, createTopic, mib, partitionOf, produce, QUICK, setting, sleep, thousands, topicMemory, type Context } from './context.js';

const MEMORY_S = setting('BENCH_LIFECYCLE_MEMORY_S', 60, 5);
/** Records per second into each of the two topics. */
const MEMORY_RATE = setting('BENCH_LIFECYCLE_RATE', 1000);
const BOUND_BYTES = setting('BENCH_LIFECYCLE_BOUND', 32 * 1024 * 1024);

interface MemorySample {
  second: number;
  bounded: number;
  unbounded: number;
  boundedSize: number;
}

/** Steady produce into both topics; samples their memory every second. */
export async function memorySection(ctx: Context, results: string): Promise<string> {
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
  if (!QUICK) writeCurves(samples, results);

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
    QUICK
      ? 'A quick run: the curves were not written to bench/results/.'
      : 'Every second: `bench/results/lifecycle-memory.csv`; plot: `bench/results/lifecycle-memory.svg` (and `.png` when written).',
    '',
  ].join('\n');
}

/** The curves as CSV and an SVG line plot; the SVG becomes a PNG through a headless Chromium when there is one. */
function writeCurves(samples: MemorySample[], results: string): void {
  mkdirSync(results, { recursive: true });
  writeFileSync(
    join(results, 'lifecycle-memory.csv'),
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
  const svgPath = join(results, 'lifecycle-memory.svg');
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
        `--screenshot=${join(results, 'lifecycle-memory.png')}`,
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
