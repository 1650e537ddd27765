/**
 * WebSocket benchmark (issue 3): records produced over HTTP reach a 4-member consumer group over
 * WebSockets on a 12-partition topic. Measures delivered records/s at saturation and
 * produce-to-delivery latency at a fixed 5,000 records/s, against a minimal XREAD BLOCK → ws.send
 * relay measured in the same run; then the gateway's RSS with 1,000 idle subscribers and with a
 * client that reads nothing. Writes bench/results/ws.md. Run: `npm run bench:ws`.
 */
import autocannon from 'autocannon';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { freePort, startRedis, type RedisServer } from '../test/support/redis.js';
import { GATEWAY_NODE_FLAGS, compileGateway, gatewaySpec } from './gateway-server.js';
import { median } from './median.js';
import { ServerProcess } from './server-process.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SATURATION_S = Number(process.env.BENCH_DURATION ?? 8);
const PACED_S = 6;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const PARTITIONS = 12;
/** BENCH_CPU_PROF=1: the gateway writes .cpuprofile files here (summarize with bench/profile-summary.ts). */
const profileDir = process.env.BENCH_CPU_PROF === '1' ? mkdtempSync(join(tmpdir(), 'sg-ws-profiles-')) : undefined;
const CT = { 'content-type': 'application/vnd.kafka.json.v2+json' };

const rssMb = (pid: number) => Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const percentile = (sorted: number[], p: number) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]);

/** Consumers that count delivered records and their produce-to-delivery latency. */
class Consumers {
  delivered = 0;
  latencies: number[] = [];
  sockets: WebSocket[] = [];
  async open(url: string, count: number, first: (i: number) => object): Promise<void> {
    for (let i = 0; i < count; i++) {
      const socket = new WebSocket(url);
      await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
      socket.on('message', (data) => {
        const message = JSON.parse(data.toString()) as { type: string; records?: Array<{ value: { t?: number } }> };
        if (message.type !== 'records' || !message.records) return;
        const now = Date.now();
        this.delivered += message.records.length;
        for (const r of message.records) if (typeof r.value?.t === 'number') this.latencies.push(now - r.value.t);
        socket.send(JSON.stringify({ type: 'credit', records: message.records.length }));
      });
      socket.send(JSON.stringify(first(i)));
      this.sockets.push(socket);
    }
  }
  reset(): void {
    this.delivered = 0;
    this.latencies = [];
  }
  close(): void {
    for (const s of this.sockets) s.terminate();
  }
}

const body = (n: number, stamp: boolean) =>
  JSON.stringify({ records: Array.from({ length: n }, (_, i) => ({ key: `k-${i}`, value: { t: stamp ? Date.now() : 0, pad: 'x'.repeat(80) } })) });

async function saturate(base: string, consumers: Consumers): Promise<number> {
  await autocannon({ url: base, connections: 20, duration: 2, requests: [{ method: 'POST', path: '/topics/bench-ws', headers: CT, body: body(100, false) }] });
  await sleep(500);
  consumers.reset();
  const started = Date.now();
  await autocannon({ url: base, connections: 20, duration: SATURATION_S, requests: [{ method: 'POST', path: '/topics/bench-ws', headers: CT, body: body(100, false) }] });
  await sleep(1000); // let delivery drain
  const rate = consumers.delivered / ((Date.now() - started) / 1000);
  // What was still undelivered must not spill into the next measurement: wait until delivery goes quiet.
  for (let last = -1, waited = 0; consumers.delivered !== last && waited < 60_000; waited += 500) {
    last = consumers.delivered;
    await sleep(500);
  }
  return rate;
}

/** 5,000 records/s: 50 requests of 100 records per second, each record stamped with its send time. */
interface Paced {
  p50: number;
  p99: number;
  delivered: number;
}

async function paced(base: string, consumers: Consumers): Promise<Paced> {
  consumers.reset();
  const end = Date.now() + PACED_S * 1000;
  const inflight: Array<Promise<unknown>> = [];
  while (Date.now() < end) {
    const tick = Date.now();
    inflight.push(fetch(`${base}/topics/bench-ws`, { method: 'POST', headers: CT, body: body(100, true) }).then((r) => r.arrayBuffer()));
    await sleep(Math.max(0, 20 - (Date.now() - tick)));
  }
  await Promise.all(inflight);
  await sleep(1000);
  const sorted = [...consumers.latencies].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), delivered: consumers.delivered };
}

async function main(): Promise<void> {
  let redis: RedisServer | undefined;
  const servers: ServerProcess[] = [];
  const rows: string[] = [];
  try {
    compileGateway();
    redis = await startRedis({ appendonly: false });
    // Gateway: 4 group members.
    const gateway = await ServerProcess.start(
      gatewaySpec({ port: await freePort(), redisUrl: redis.url, nodeFlags: [...GATEWAY_NODE_FLAGS, ...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [])] }),
    );
    servers.push(gateway);
    const cid = ((await (await fetch(`${gateway.baseUrl}/v3/clusters`)).json()) as { data: Array<{ cluster_id: string }> }).data[0].cluster_id;
    await fetch(`${gateway.baseUrl}/v3/clusters/${cid}/topics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ topic_name: 'bench-ws', partitions_count: PARTITIONS }) });
    const wsUrl = gateway.baseUrl.replace('http', 'ws') + '/ws';
    const members = new Consumers();
    await members.open(wsUrl, 4, () => ({ type: 'subscribe', group: 'bench', topics: ['bench-ws'], auto_offset_reset: 'latest', credit: 5000 }));

    // Baseline: XREAD BLOCK → ws.send relay of one stream to one socket.
    const baseline = await ServerProcess.start({ name: 'baseline', entry: 'bench/ws-baseline-server.ts', tsx: true, cwd: ROOT, port: await freePort(), env: { REDIS_URL: redis.url } });
    servers.push(baseline);
    const relay = new Consumers();
    await relay.open(baseline.baseUrl.replace('http', 'ws') + '/ws', 1, () => ({ type: 'hello' }));
    await sleep(1500); // assignment settles

    // Rounds alternate the two servers, so a burst of other work on the machine hits both alike.
    const runs: Array<{ gatewayPaced: Paced; baselinePaced: Paced; gatewaySaturated: number; baselineSaturated: number }> = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const gatewayPaced = await paced(gateway.baseUrl, members);
      const baselinePaced = await paced(baseline.baseUrl, relay);
      const gatewaySaturated = await saturate(gateway.baseUrl, members);
      const baselineSaturated = await saturate(baseline.baseUrl, relay);
      runs.push({ gatewayPaced, baselinePaced, gatewaySaturated, baselineSaturated });
      process.stderr.write(
        `round ${round}: delivered ${Math.round(gatewaySaturated)} vs ${Math.round(baselineSaturated)} records/s; p99 ${gatewayPaced.p99} vs ${baselinePaced.p99} ms\n`,
      );
    }
    members.close();
    relay.close();
    await baseline.stop();
    const ratios = runs.map((run) => run.gatewaySaturated / run.baselineSaturated);
    const ratio = median(ratios);
    const middle = runs[ratios.indexOf(ratio)];
    const { gatewaySaturated, baselineSaturated } = middle;
    const gatewayPaced = { p50: median(runs.map((run) => run.gatewayPaced.p50)), p99: median(runs.map((run) => run.gatewayPaced.p99)) };
    const baselinePaced = { p50: median(runs.map((run) => run.baselinePaced.p50)), p99: median(runs.map((run) => run.baselinePaced.p99)) };

    // Memory: 1,000 idle subscribers, then one client that reads nothing.
    await sleep(1000);
    const before = rssMb(gateway.pid);
    const idle: WebSocket[] = [];
    for (let i = 0; i < 1000; i++) {
      const socket = new WebSocket(wsUrl);
      await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
      socket.send(JSON.stringify({ type: 'assign', partitions: [{ topic: 'bench-ws', partition: i % PARTITIONS, offset: 'latest' }] }));
      idle.push(socket);
    }
    await sleep(2000);
    const withIdle = rssMb(gateway.pid);
    for (const s of idle) s.terminate();
    await sleep(1000);

    const slow = new WebSocket(wsUrl);
    await new Promise((resolve) => slow.once('open', resolve));
    slow.send(JSON.stringify({ type: 'assign', partitions: Array.from({ length: PARTITIONS }, (_, p) => ({ topic: 'bench-ws', partition: p, offset: 'latest' })), credit: 100000 }));
    await sleep(300);
    (slow as unknown as { _socket: { pause(): void } })._socket.pause(); // reads nothing from now on
    const slowBefore = rssMb(gateway.pid);
    for (let i = 0; i < 500; i++) await fetch(`${gateway.baseUrl}/topics/bench-ws`, { method: 'POST', headers: CT, body: body(100, false) }).then((r) => r.arrayBuffer());
    await sleep(2000);
    const slowAfter = rssMb(gateway.pid);
    slow.terminate();

    const perIdle = ((withIdle - before) * 1024) / 1000;
    rows.push(
      '# WebSocket benchmark',
      '',
      `- Date: ${new Date().toISOString()}; ${cpus().length} CPUs; Node ${process.version}; load generator, servers and Redis share the machine`,
      `- Command: \`npm run bench:ws\`; 12-partition topic; gateway: 4 WebSocket members of one group (credit re-granted as records arrive); baseline: one XREAD BLOCK → ws.send relay of one stream to one socket; producer: v2 batches of 100 records (~100 bytes) over HTTP — autocannon with 20 connections for ${SATURATION_S} s at saturation, 50 requests/s for ${PACED_S} s when paced`,
      '',
      `Each figure is the median of ${ROUNDS} rounds (the two servers alternate within a round); the delivered-throughput row shows the round with the median ratio.`,
      '',
      '| Measure | Gateway | Baseline | Ratio / target |',
      '|---|--:|--:|---|',
      `| delivered records/s at saturation | ${Math.round(gatewaySaturated).toLocaleString('en-US')} | ${Math.round(baselineSaturated).toLocaleString('en-US')} | ${ratio.toFixed(2)} (target ≥ 0.8: ${ratio >= 0.8 ? 'PASS' : 'MISS'}) |`,
      `| produce→delivery p50 at 5,000 records/s | ${gatewayPaced.p50} ms | ${baselinePaced.p50} ms | |`,
      `| produce→delivery p99 at 5,000 records/s | ${gatewayPaced.p99} ms | ${baselinePaced.p99} ms | target < 20 ms: ${gatewayPaced.p99 < 20 ? 'PASS' : 'MISS'} |`,
      `| gateway RSS: before / with 1,000 idle subscribers | ${before.toFixed(1)} / ${withIdle.toFixed(1)} MB | | ${perIdle.toFixed(0)} KB per subscriber (target < 1 MB: ${perIdle < 1024 ? 'PASS' : 'MISS'}) |`,
      `| gateway RSS: a client reading nothing while 50,000 records are produced | ${slowBefore.toFixed(1)} → ${slowAfter.toFixed(1)} MB | | bounded by credit and the 1 MiB socket backlog |`,
      '',
      ...runs.map(
        (run, i) =>
          `- round ${i + 1}: delivered ${Math.round(run.gatewaySaturated).toLocaleString('en-US')} vs ${Math.round(run.baselineSaturated).toLocaleString('en-US')} records/s (ratio ${ratios[i].toFixed(2)}); p50/p99 at 5,000 records/s ${run.gatewayPaced.p50}/${run.gatewayPaced.p99} ms vs ${run.baselinePaced.p50}/${run.baselinePaced.p99} ms`,
      ),
      '',
    );
    const table = rows.join('\n');
    console.log(table);
    mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench', 'results', 'ws.md'), table);
    if (profileDir) process.stderr.write(`gateway CPU profiles in ${profileDir}\n`);
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await redis?.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
