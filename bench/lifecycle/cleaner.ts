/**
 * Section `cleaner`: a backlog of BENCH_LIFECYCLE_BACKLOG (100,000) ~1 KB records is put past
 * retention at once; the CPU the gateway and Redis spend per removed record, and the longest single
 * trim call (SLOWLOG).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TRIM_STEP_BYTES, TRIM_STEP_RECORDS } from '../../src/log/trim-steps.js';
import { batchBody, createTopic, mib, partitionOf, produce, redisCpuSeconds, setting, sleep, thousands, topicMemory, type Context } from './context.js';

const BACKLOG = setting('BENCH_LIFECYCLE_BACKLOG', 100_000, 5_000);

export async function cleanerSection(ctx: Context, root: string): Promise<string> {
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
    .update(readFileSync(join(root, 'src', 'log', 'redis', 'scripts', 'trim-head.lua'), 'utf8'))
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
