/** How every benchmark starts the gateway: as `npm start` runs it, on a Redis the benchmark started. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerSpec } from './server-process.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The node flags of `npm start` (package.json), so the benchmarks measure the gateway as it is
 * run. An explicit V8 heap limit makes V8 size its heap for that limit instead of for the
 * machine's RAM (peak RSS under produce load ~220 MB → ~150 MB at the same CPU per record); a
 * 32 MB semi-space lets the short-lived garbage of requests and delivered batches die young
 * (WebSocket delivery 0.74 → 0.82 of its baseline for ~30 MB more RSS), and fixing it at 32 MB
 * from the start keeps V8 from running a small, growing young generation whenever the load is
 * moderate (p99 at 5,000 records/s 16–28 → 12–18 ms, ~40 MB more RSS when idle).
 */
export const GATEWAY_NODE_FLAGS: string[] =
  (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start.match(/--[\w-]+=\S+/g) ?? [];

/** Compiles the gateway into dist/ exactly as `npm start` does first (`npm run build`, Lua scripts included). */
export function compileGateway(): void {
  process.stderr.write('compiling the gateway into dist/ (npm run build) …\n');
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
}

/**
 * The gateway as a child process as `npm start` runs it — compiled, from dist/ (call
 * `compileGateway()` first), with `npm start`'s node flags — unless told otherwise; LOG_LEVEL=warn,
 * on 127.0.0.1, accepting a Redis without AOF.
 */
export function gatewaySpec(options: { port: number; redisUrl: string; entry?: string; tsx?: boolean; nodeFlags?: string[] }): ServerSpec {
  return {
    name: 'gateway',
    entry: options.entry ?? 'dist/src/main.js',
    tsx: options.tsx ?? false,
    cwd: ROOT,
    port: options.port,
    // The benchmarks' redis-server keeps nothing on disk, to measure the gateway rather than the disk.
    env: { REDIS_URL: options.redisUrl, LOG_LEVEL: 'warn', HOST: '127.0.0.1', ALLOW_NON_DURABLE_REDIS: 'true' },
    nodeFlags: options.nodeFlags ?? GATEWAY_NODE_FLAGS,
  };
}
