/**
 * Log lifecycle benchmark (issue 12), one command for all of it: `npm run bench:lifecycle`. Sections
 * (each in bench/lifecycle/<name>.ts, every one run unless BENCH_LIFECYCLE_SECTIONS, a comma list,
 * picks some), on one gateway (as `npm start` runs it) and one redis-server without AOF:
 * - memory: Redis memory of a retention.bytes topic and a plain one under steady produce, every second;
 * - produce: batched produce to a retention-limited topic against a plain one;
 * - cleaner: CPU per removed record and the longest trim call for a backlog removed at once;
 * - compact: batched produce to a compacted topic against a plain one (over HTTP and on the store),
 *   and the compaction steps' cost;
 * - compression: stored bytes per record under each compression.type, produce with zstd against
 *   uncompressed (fresh gateways on a redis-server of its own).
 * Prints a markdown report; a full run (every section, not quick) writes bench/results/lifecycle.md.
 * BENCH_LIFECYCLE_QUICK=1 gives every section short defaults, to check that it runs. The other
 * knobs are in each section's file; BENCH_DURATION, BENCH_ROUNDS and BENCH_CONNECTIONS, when set,
 * apply to every section that has them. BENCH_RUNTIME=tsx runs the gateways from source.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { freePort, startRedis } from '../test/support/redis.js';
import { compileGateway } from './gateway-server.js';
import { cleanerSection } from './lifecycle/cleaner.js';
import { compactSection } from './lifecycle/compact.js';
import { compressionSection } from './lifecycle/compression.js';
import { FROM_SOURCE, gatewayOf, QUICK, type Context } from './lifecycle/context.js';
import { memorySection } from './lifecycle/memory.js';
import { produceSection } from './lifecycle/produce.js';
import { ServerProcess } from './server-process.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = join(ROOT, 'bench', 'results');
const SECTIONS: Record<string, (ctx: Context) => Promise<string>> = {
  memory: (ctx) => memorySection(ctx, RESULTS),
  produce: produceSection,
  cleaner: (ctx) => cleanerSection(ctx, ROOT),
  compact: compactSection,
  compression: () => compressionSection(),
};
const picked = (process.env.BENCH_LIFECYCLE_SECTIONS ?? Object.keys(SECTIONS).join(',')).split(',').map((name) => name.trim());
const unknown = picked.filter((name) => !(name in SECTIONS));
if (unknown.length > 0) throw new Error(`BENCH_LIFECYCLE_SECTIONS: no section ${unknown.join(', ')} (there are ${Object.keys(SECTIONS).join(', ')})`);
const chosen = Object.keys(SECTIONS).filter((name) => picked.includes(name));

async function main(): Promise<void> {
  const loadBefore = loadavg()[0];
  if (!FROM_SOURCE) compileGateway();
  const redis = await startRedis({ appendonly: false });
  const admin = new Redis(redis.url);
  const gateway = await ServerProcess.start(gatewayOf(await freePort(), redis.url));
  try {
    const clusterId = ((await (await fetch(`${gateway.baseUrl}/v3/clusters`)).json()) as { data: Array<{ cluster_id: string }> }).data[0].cluster_id;
    const ctx: Context = { gateway, redis, admin, v3: `/v3/clusters/${clusterId}` };
    const parts: string[] = [];
    for (const name of chosen) {
      process.stderr.write(`— section ${name}\n`);
      parts.push(await SECTIONS[name](ctx));
    }
    const redisVersion = /redis_version:(\S+)/.exec(await admin.info('server'))?.[1] ?? 'unknown';
    const report = [
      '# npm run bench:lifecycle',
      '',
      `${new Date().toISOString()}; sections ${chosen.join(', ')}${QUICK ? ' (quick)' : ''}; ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB; ` +
        `load average ${loadBefore.toFixed(2)} → ${loadavg()[0].toFixed(2)}; Node ${process.version}, gateway ${FROM_SOURCE ? 'run from source (tsx)' : 'compiled as `npm start` runs it'}; ` +
        `Redis ${redisVersion} (appendonly off), load generator, gateway and Redis on the same machine.`,
      '',
      ...parts,
    ].join('\n');
    process.stdout.write(`\n${report}\n`);
    if (chosen.length === Object.keys(SECTIONS).length && !QUICK) {
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
