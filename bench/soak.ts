/**
 * Soak (issue 10): clients that stop reading and clients that flood, against the gateway as
 * `npm start` runs it. Pass/fail, not a ratio:
 * 1. SOAK_SOCKETS (default 10,000) WebSockets each `assign` a partition holding 2 MB and then read
 *    nothing. The gateway must stay under its V8 heap limit and answer /health within 100 ms
 *    throughout (sampled every 100 ms by a separate HTTP client).
 * 2. One WebSocket floods 4 KB messages of an unknown type for 8 s and reads nothing. The gateway
 *    must close it (1008) and grow by less than 50 MB.
 * Writes bench/results/soak.md. Run: `npm run soak`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { freePort, startRedis } from '../test/support/redis.js';
import { GATEWAY_NODE_FLAGS, compileGateway, gatewaySpec } from './gateway-server.js';
import { ServerProcess } from './server-process.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SOCKETS = Number(process.env.SOAK_SOCKETS ?? 10_000);
const HOLD_S = Number(process.env.SOAK_HOLD_S ?? 15);
const HEALTH_LIMIT_MS = 100;
const FLOOD_GROWTH_LIMIT_MB = 50;
const HEAP_LIMIT_MB = Number(/--max-old-space-size=(\d+)/.exec(GATEWAY_NODE_FLAGS.join(' '))?.[1] ?? 1024);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rssMb = (pid: number) => Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

/** /health latencies sampled on a connection of their own while the soak runs. */
class HealthProbe {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });
  readonly latencies: number[] = [];
  failures = 0;
  private running = true;
  private loop: Promise<void> | undefined;

  constructor(private readonly base: string) {}

  start(): void {
    this.loop = (async () => {
      while (this.running) {
        const started = performance.now();
        const ok = await new Promise<boolean>((resolve) => {
          const req = request(`${this.base}/health`, { agent: this.agent, timeout: 10_000 }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode === 200));
          });
          req.on('error', () => resolve(false));
          req.on('timeout', () => req.destroy());
          req.end();
        });
        if (ok) this.latencies.push(performance.now() - started);
        else this.failures++;
        await sleep(100);
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    this.agent.destroy();
  }

  /** Latencies so far belong to the phase before this call; returns how many there were. */
  mark(): number {
    return this.latencies.length;
  }

  summary(from = 0, to = this.latencies.length): { samples: number; p99: number; max: number } {
    const sorted = this.latencies.slice(from, to).sort((a, b) => a - b);
    return { samples: sorted.length, p99: sorted[Math.floor(sorted.length * 0.99)] ?? NaN, max: sorted[sorted.length - 1] ?? NaN };
  }
}

async function openStalled(url: string, count: number): Promise<WebSocket[]> {
  const sockets: WebSocket[] = [];
  const assign = JSON.stringify({ type: 'assign', partitions: [{ topic: 'soak', partition: 0, offset: 'earliest' }], credit: 100000 });
  for (let opened = 0; opened < count;) {
    const batch = Math.min(200, count - opened);
    const opening = Array.from({ length: batch }, async () => {
      const socket = new WebSocket(url);
      socket.on('error', () => undefined);
      await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
      socket.send(assign);
      // Reads nothing from now on: the kernel's buffers fill, then the gateway's queue for it.
      socket.pause();
      sockets.push(socket);
    });
    await Promise.all(opening);
    opened += batch;
    if (opened % 2000 === 0 || opened === count) process.stderr.write(`  ${opened} sockets open\n`);
  }
  return sockets;
}

async function flood(url: string, gateway: ServerProcess): Promise<{ closeCode: number | undefined; sent: number; growthMb: number }> {
  const socket = new WebSocket(url);
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  socket.on('error', () => undefined);
  let closeCode: number | undefined;
  socket.once('close', (code) => (closeCode = code));
  socket.pause();
  const before = rssMb(gateway.pid);
  let peak = before;
  const junk = JSON.stringify({ type: 'x'.repeat(4096) });
  let sent = 0;
  const until = Date.now() + 8000;
  while (Date.now() < until && socket.readyState === WebSocket.OPEN) {
    // Keep the client's own send buffer from growing without bound: the gateway may stop reading us.
    if (socket.bufferedAmount < 4 * 1024 * 1024) {
      for (let i = 0; i < 100; i++) socket.send(junk);
      sent += 100;
    }
    peak = Math.max(peak, rssMb(gateway.pid));
    await sleep(1);
  }
  socket.resume();
  for (let waited = 0; closeCode === undefined && waited < 5000; waited += 100) await sleep(100);
  socket.terminate();
  return { closeCode, sent, growthMb: peak - before };
}

async function main(): Promise<void> {
  compileGateway();
  const redis = await startRedis();
  const port = await freePort();
  // SOAK_CPU_PROF=<dir>: the gateway writes a .cpuprofile there (summarize with bench/profile-summary.ts).
  const profileDir = process.env.SOAK_CPU_PROF;
  const spec = gatewaySpec({
    port,
    redisUrl: redis.url,
    nodeFlags: [...GATEWAY_NODE_FLAGS, ...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [])],
  });
  // Hold the non-reading sockets for the whole soak instead of cutting them off at the stall timeout.
  spec.env.CLIENT_STALL_TIMEOUT_MS = String((HOLD_S + 600) * 1000);
  const gateway = await ServerProcess.start(spec);
  const base = gateway.baseUrl;
  const url = `ws://127.0.0.1:${port}/ws`;
  const stalled: WebSocket[] = [];
  let failed = false;
  const lines: string[] = [];
  const report = (line: string) => {
    lines.push(line);
    process.stderr.write(`${line}\n`);
  };
  try {
    const clusterId = ((await (await fetch(`${base}/v3/clusters`)).json()) as { data: Array<{ cluster_id: string }> }).data[0].cluster_id;
    await fetch(`${base}/v3/clusters/${clusterId}/topics`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ topic_name: 'soak', partitions_count: 1 }),
    });
    const records = JSON.stringify({ records: Array.from({ length: 100 }, (_, i) => ({ value: { i, pad: 'x'.repeat(1000) } })) });
    for (let i = 0; i < 20; i++) {
      await fetch(`${base}/topics/soak/partitions/0`, { method: 'POST', headers: { 'content-type': 'application/vnd.kafka.json.v2+json' }, body: records });
    }
    const idleRss = rssMb(gateway.pid);

    const probe = new HealthProbe(base);
    probe.start();
    let peakRss = idleRss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb(gateway.pid))), 250);
    process.stderr.write(`opening ${SOCKETS} non-reading sockets …\n`);
    stalled.push(...(await openStalled(url, SOCKETS)));
    const opened = probe.mark();
    process.stderr.write(`holding them for ${HOLD_S} s …\n`);
    await sleep(HOLD_S * 1000);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    const queuedMb = Number(/^streamgate_client_queued_bytes (\S+)$/m.exec(metrics)?.[1] ?? NaN) / 1024 / 1024;
    const connections = Number(/^streamgate_client_connections (\S+)$/m.exec(metrics)?.[1] ?? NaN);
    clearInterval(sampler);
    await probe.stop();
    const health = probe.summary();
    const opening = probe.summary(0, opened);
    const holding = probe.summary(opened);
    const alive = gateway.status === 'running';
    const socketsPass = alive && peakRss < HEAP_LIMIT_MB && health.max < HEALTH_LIMIT_MS && probe.failures === 0 && connections === SOCKETS;
    failed ||= !socketsPass;
    report(`## ${SOCKETS.toLocaleString('en-US')} WebSockets that read nothing (partition of 2 MB) — ${socketsPass ? 'PASS' : 'FAIL'}`);
    report('');
    report(`| gateway RSS idle | peak | heap limit | queued to clients at the end | sockets held | /health samples | p99 | max | failed |`);
    report(`|--:|--:|--:|--:|--:|--:|--:|--:|--:|`);
    report(
      `| ${idleRss.toFixed(0)} MB | ${peakRss.toFixed(0)} MB | ${HEAP_LIMIT_MB} MB | ${queuedMb.toFixed(1)} MB | ${connections} | ${health.samples} | ${health.p99.toFixed(1)} ms | ${health.max.toFixed(1)} ms | ${probe.failures} |`,
    );
    report('');
    report(
      `/health while the sockets were opening and assigning: p99 ${opening.p99.toFixed(1)} ms, max ${opening.max.toFixed(1)} ms (${opening.samples} samples); ` +
        `while they were held: p99 ${holding.p99.toFixed(1)} ms, max ${holding.max.toFixed(1)} ms (${holding.samples} samples). ` +
        'Queued bytes count a frame shared by many sockets once per socket, so they overstate memory; RSS is the measure of what it costs.',
    );
    report('');
    for (const socket of stalled) socket.terminate();
    stalled.length = 0;
    await sleep(2000);

    const flooded = await flood(url, gateway);
    const floodPass = gateway.status === 'running' && flooded.closeCode === 1008 && flooded.growthMb < FLOOD_GROWTH_LIMIT_MB;
    failed ||= !floodPass;
    report(`## A socket flooding 4 KB invalid messages for 8 s, reading nothing — ${floodPass ? 'PASS' : 'FAIL'}`);
    report('');
    report(`| messages sent | gateway RSS growth | close code |`);
    report(`|--:|--:|--:|`);
    report(`| ${flooded.sent} | ${flooded.growthMb.toFixed(1)} MB | ${flooded.closeCode ?? 'none'} |`);
  } finally {
    for (const socket of stalled) socket.terminate();
    await gateway.stop();
    await redis.stop();
  }
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/soak.md'), `# Soak (\`npm run soak\`), ${new Date().toISOString().slice(0, 10)}\n\n${lines.join('\n')}\n`);
  process.stderr.write(failed ? 'soak: FAIL\n' : 'soak: PASS\n');
  process.exit(failed ? 1 : 0);
}

main().catch((error: unknown) => {
  process.stderr.write(`soak failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
