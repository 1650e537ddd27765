/**
 * WebSocket benchmark (issue 3): records produced over HTTP reach a 4-member consumer group over
 * WebSockets on a 12-partition topic. Measures delivered records/s at saturation and
 * produce-to-delivery latency at a fixed 5,000 records/s, against a minimal XREAD BLOCK → ws.send
 * relay measured in the same run; then the gateway's RSS with 1,000 idle subscribers and with a
 * client that reads nothing; then fan-out (issue 11, bench/ws-fanout.ts): 1,000 and 200 readers of
 * one partition against the same relay broadcasting to as many sockets. Writes
 * bench/results/ws.md. Run: `npm run bench:ws`.
 */
import autocannon from 'autocannon';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { freePort, startRedis, type RedisServer } from '../test/support/redis.js';
import { Consumers, redisCpuSeconds } from './ws-consumers.js';
import { GATEWAY_NODE_FLAGS, compileGateway, gatewaySpec } from './gateway-server.js';
import { median } from './median.js';
import { FANOUT_RATE, FANOUT_RECORDS_PER_REQUEST, FANOUT_S, FANOUT_TOPIC, fanout, type FanoutRun, type FanoutServer } from './ws-fanout.js';
import { ServerProcess } from './server-process.js';
import { createRebalanceTopic, rebalance, type RebalanceRun } from './ws-rebalance.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SATURATION_S = Number(process.env.BENCH_DURATION ?? 8);
const PACED_S = 6;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const PARTITIONS = 12;
/** BENCH_CPU_PROF=1: the gateway and the relay write .cpuprofile files under here, in gateway/ and baseline/ (summarize with bench/profile-summary.ts). */
const profileDir = process.env.BENCH_CPU_PROF === '1' ? mkdtempSync(join(tmpdir(), 'sg-ws-profiles-')) : undefined;
const profileFlags = (name: string) => {
  if (!profileDir) return [];
  mkdirSync(join(profileDir, name));
  return ['--cpu-prof', '--cpu-prof-dir', join(profileDir, name)];
};
const CT = { 'content-type': 'application/vnd.kafka.json.v2+json' };
const ALL_SECTIONS = ['group', 'memory', 'rebalance', 'fanout'];
/** BENCH_WS_SECTIONS=fanout (a comma list of ALL_SECTIONS) runs only those, e.g. to profile one; only a full run writes bench/results/ws.md. */
const SECTIONS = new Set((process.env.BENCH_WS_SECTIONS ?? ALL_SECTIONS.join(',')).split(',').filter((name) => ALL_SECTIONS.includes(name)));
/** Socket counts of the fan-out case (BENCH_FANOUT_SOCKETS, a comma list); 1,000 is the one with targets. */
const FANOUT_SOCKETS = (process.env.BENCH_FANOUT_SOCKETS ?? '1000,200').split(',').map(Number);
const loadAverage = () =>
  loadavg()
    .map((load) => load.toFixed(2))
    .join(' ');
const LOAD_BEFORE = loadAverage();

const rssMb = (pid: number) => Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const thousands = (n: number) => Math.round(n).toLocaleString('en-US');
const percent = (share: number) => `${(100 * share).toFixed(1)}%`;
const wsUrlOf = (server: ServerProcess) => server.baseUrl.replace('http', 'ws') + '/ws';
const percentile = (sorted: number[], p: number) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]);

const body = (n: number, stamp: boolean) =>
  JSON.stringify({ records: Array.from({ length: n }, (_, i) => ({ key: `k-${i}`, value: { t: stamp ? Date.now() : 0, pad: 'x'.repeat(80) } })) });

async function createTopic(gateway: ServerProcess, clusterId: string, name: string, partitions: number): Promise<void> {
  const response = await fetch(`${gateway.baseUrl}/v3/clusters/${clusterId}/topics`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ topic_name: name, partitions_count: partitions }),
  });
  if (!response.ok) throw new Error(`creating topic ${name} answered ${response.status}: ${await response.text()}`);
}

/** CPU seconds a process spent, read before and after a measurement. */
interface CpuMeters {
  server(): number;
  redis(): Promise<number>;
}

/** Per delivered record, the CPU time of the server, its Redis and the benchmark's own process (load generator and consumers). */
interface CpuPerRecord {
  serverUs: number;
  redisUs: number;
  clientUs: number;
}

interface Saturated {
  rate: number;
  cpu: CpuPerRecord;
}

const clientCpuSeconds = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

async function saturate(base: string, consumers: Consumers, meters: CpuMeters): Promise<Saturated> {
  await autocannon({ url: base, connections: 20, duration: 2, requests: [{ method: 'POST', path: '/topics/bench-ws', headers: CT, body: body(100, false) }] });
  await sleep(500);
  consumers.reset();
  const cpuBefore = { server: meters.server(), redis: await meters.redis(), client: clientCpuSeconds() };
  const started = Date.now();
  await autocannon({
    url: base,
    connections: 20,
    duration: SATURATION_S,
    requests: [{ method: 'POST', path: '/topics/bench-ws', headers: CT, body: body(100, false) }],
  });
  await sleep(1000); // let delivery drain
  const rate = consumers.delivered / ((Date.now() - started) / 1000);
  const perRecord = (seconds: number) => (seconds * 1e6) / Math.max(1, consumers.delivered);
  const cpu = {
    serverUs: perRecord(meters.server() - cpuBefore.server),
    redisUs: perRecord((await meters.redis()) - cpuBefore.redis),
    clientUs: perRecord(clientCpuSeconds() - cpuBefore.client),
  };
  // What was still undelivered must not spill into the next measurement: wait until delivery goes quiet.
  for (let last = -1, waited = 0; consumers.delivered !== last && waited < 60_000; waited += 500) {
    last = consumers.delivered;
    await sleep(500);
  }
  return { rate, cpu };
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

/** A section's rows of the results table, and its per-round lines. */
interface Section {
  rows: string[];
  rounds: string[];
}

interface GroupRound {
  gatewayPaced: Paced;
  baselinePaced: Paced;
  gatewaySaturated: Saturated;
  baselineSaturated: Saturated;
}

const cpuText = ({ serverUs, redisUs, clientUs }: CpuPerRecord) => `${serverUs.toFixed(1)} / ${redisUs.toFixed(1)} / ${clientUs.toFixed(1)} µs`;

/** 4 group members against the relay's one socket: throughput at saturation and latency at 5,000 records/s. */
async function groupSection(gateway: ServerProcess, baseline: ServerProcess, redis: Redis): Promise<Section> {
  const cid = ((await (await fetch(`${gateway.baseUrl}/v3/clusters`)).json()) as { data: Array<{ cluster_id: string }> }).data[0].cluster_id;
  await createTopic(gateway, cid, 'bench-ws', PARTITIONS);
  const members = new Consumers();
  await members.open(wsUrlOf(gateway), 4, () => ({ type: 'subscribe', group: 'bench', topics: ['bench-ws'], auto_offset_reset: 'latest', credit: 5000 }));
  const relay = new Consumers();
  await relay.open(wsUrlOf(baseline), 1, () => ({ type: 'hello' }));
  await members.holding(PARTITIONS);
  await sleep(500);
  const redisCpu = () => redisCpuSeconds(redis);
  const metersOf = (server: ServerProcess): CpuMeters => ({ server: () => server.cpuSeconds() ?? 0, redis: redisCpu });

  // Rounds alternate the two servers, so a burst of other work on the machine hits both alike.
  const runs: GroupRound[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const gatewayPaced = await paced(gateway.baseUrl, members);
    const baselinePaced = await paced(baseline.baseUrl, relay);
    const gatewaySaturated = await saturate(gateway.baseUrl, members, metersOf(gateway));
    const baselineSaturated = await saturate(baseline.baseUrl, relay, metersOf(baseline));
    runs.push({ gatewayPaced, baselinePaced, gatewaySaturated, baselineSaturated });
    process.stderr.write(
      `round ${round}: delivered ${Math.round(gatewaySaturated.rate)} vs ${Math.round(baselineSaturated.rate)} records/s; ` +
        `CPU per record server/Redis/client ${cpuText(gatewaySaturated.cpu)} vs ${cpuText(baselineSaturated.cpu)}; p99 ${gatewayPaced.p99} vs ${baselinePaced.p99} ms\n`,
    );
  }
  members.close();
  relay.close();
  const ratios = runs.map((run) => run.gatewaySaturated.rate / run.baselineSaturated.rate);
  const ratio = median(ratios);
  const { gatewaySaturated, baselineSaturated } = runs[ratios.indexOf(ratio)];
  const gatewayPaced = { p50: median(runs.map((run) => run.gatewayPaced.p50)), p99: median(runs.map((run) => run.gatewayPaced.p99)) };
  const baselinePaced = { p50: median(runs.map((run) => run.baselinePaced.p50)), p99: median(runs.map((run) => run.baselinePaced.p99)) };
  const p99Ratio = gatewayPaced.p99 / baselinePaced.p99;
  return {
    rows: [
      `| delivered records/s at saturation | ${thousands(gatewaySaturated.rate)} | ${thousands(baselineSaturated.rate)} | ${ratio.toFixed(2)} (target ≥ 0.8: ${ratio >= 0.8 ? 'PASS' : 'MISS'}) |`,
      `| CPU per delivered record at saturation: server / Redis / benchmark client | ${cpuText(gatewaySaturated.cpu)} | ${cpuText(baselineSaturated.cpu)} | |`,
      `| produce→delivery p50 at 5,000 records/s | ${gatewayPaced.p50} ms | ${baselinePaced.p50} ms | |`,
      `| produce→delivery p99 at 5,000 records/s | ${gatewayPaced.p99} ms | ${baselinePaced.p99} ms | ${p99Ratio.toFixed(2)} (target ≤ 1.5: ${p99Ratio <= 1.5 ? 'PASS' : 'MISS'}) |`,
    ],
    rounds: runs.map(
      (run, i) =>
        `round ${i + 1}: delivered ${thousands(run.gatewaySaturated.rate)} vs ${thousands(run.baselineSaturated.rate)} records/s (ratio ${ratios[i].toFixed(2)}); ` +
        `CPU per record server/Redis/client ${cpuText(run.gatewaySaturated.cpu)} vs ${cpuText(run.baselineSaturated.cpu)}; ` +
        `p50/p99 at 5,000 records/s ${run.gatewayPaced.p50}/${run.gatewayPaced.p99} ms vs ${run.baselinePaced.p50}/${run.baselinePaced.p99} ms`,
    ),
  };
}

/** The gateway's RSS with 1,000 idle subscribers, then with one client that reads nothing. */
async function memorySection(gateway: ServerProcess): Promise<Section> {
  const wsUrl = wsUrlOf(gateway);
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
  slow.send(
    JSON.stringify({
      type: 'assign',
      partitions: Array.from({ length: PARTITIONS }, (_, p) => ({ topic: 'bench-ws', partition: p, offset: 'latest' })),
      credit: 100000,
    }),
  );
  await sleep(300);
  (slow as unknown as { _socket: { pause(): void } })._socket.pause(); // reads nothing from now on
  const slowBefore = rssMb(gateway.pid);
  for (let i = 0; i < 500; i++)
    await fetch(`${gateway.baseUrl}/topics/bench-ws`, { method: 'POST', headers: CT, body: body(100, false) }).then((r) => r.arrayBuffer());
  await sleep(2000);
  const slowAfter = rssMb(gateway.pid);
  slow.terminate();
  await sleep(1000);

  const perIdle = ((withIdle - before) * 1024) / 1000;
  return {
    rows: [
      `| gateway RSS: before / with 1,000 idle subscribers | ${before.toFixed(1)} / ${withIdle.toFixed(1)} MB | | ${perIdle.toFixed(0)} KB per subscriber (target < 1 MB: ${perIdle < 1024 ? 'PASS' : 'MISS'}) |`,
      `| gateway RSS: a client reading nothing while 50,000 records are produced | ${slowBefore.toFixed(1)} → ${slowAfter.toFixed(1)} MB | | bounded by credit and the 1 MiB socket backlog |`,
    ],
    rounds: [],
  };
}

/** A third member joins two of a cooperative-sticky group: the kept partitions should not pause. */
async function rebalanceSection(gateway: ServerProcess): Promise<Section> {
  const cid = ((await (await fetch(`${gateway.baseUrl}/v3/clusters`)).json()) as { data: Array<{ cluster_id: string }> }).data[0].cluster_id;
  await createRebalanceTopic(gateway.baseUrl, cid);
  const runs: RebalanceRun[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const run = await rebalance(gateway.baseUrl, wsUrlOf(gateway), `bench-rebalance-${round}`);
    runs.push(run);
    process.stderr.write(
      `rebalance round ${round}: kept ${run.kept} partitions, gap across the rebalance ${run.keptGapMs} ms (p99 before the join ${run.steadyGapMs} ms); ${run.moved} moved, handover ${run.handoverMs} ms\n`,
    );
  }
  const of = (measure: (run: RebalanceRun) => number) => median(runs.map(measure));
  const pause = of((run) => Math.max(0, run.keptGapMs - run.steadyGapMs));
  return {
    rows: [
      `| cooperative rebalance (a third member joins two): gap between deliveries of a partition a member kept, across the rebalance / p99 before the join | ${of((run) => run.keptGapMs)} / ${of((run) => run.steadyGapMs)} ms | | pause beyond the gaps before: ${pause} ms (target 0: ${pause <= 0 ? 'PASS' : 'MISS'}) |`,
      `| cooperative rebalance: a moved partition's last delivery at its old member to its first at the new one; join to the new member's first record | ${of((run) => run.handoverMs)} ms; ${of((run) => run.joinToFirstRecordMs)} ms | | |`,
    ],
    rounds: runs.map(
      (run, i) =>
        `rebalance round ${i + 1}: ${run.kept} partitions kept, their gap across the rebalance ${run.keptGapMs} ms, p99 gap before the join ${run.steadyGapMs} ms; ${run.moved} moved, handover ${run.handoverMs} ms, join to first record ${run.joinToFirstRecordMs} ms`,
    ),
  };
}

/** Per round and socket count, the two servers' fan-out runs (which goes first alternates by round). */
interface FanoutRound {
  gateway: FanoutRun;
  relay: FanoutRun;
}

/** One round's figures, gateway vs relay. */
function fanoutRound(g: FanoutRun, r: FanoutRun): string {
  const failed = g.produceFailed + r.produceFailed > 0 ? `; produce requests refused: ${g.produceFailed} vs ${r.produceFailed} records` : '';
  return (
    `${thousands(g.deliveriesPerS)} vs ${thousands(r.deliveriesPerS)} deliveries/s, received in the end ${percent(g.complete)} vs ${percent(r.complete)}${failed}; ` +
    `p50/p99/max ${g.p50}/${g.p99}/${g.max} vs ${r.p50}/${r.p99}/${r.max} ms; ${g.recordsPerMessage.toFixed(1)} vs ${r.recordsPerMessage.toFixed(1)} records and ${g.bytesPerRecord.toFixed(0)} vs ${r.bytesPerRecord.toFixed(0)} bytes per record a message; ` +
    `server ${g.serverCores.toFixed(2)} vs ${r.serverCores.toFixed(2)} cores, ${g.serverUsPerMessage.toFixed(1)} vs ${r.serverUsPerMessage.toFixed(1)} µs a message, busy ${g.serverBusy.toFixed(2)} vs ${r.serverBusy.toFixed(2)}; ` +
    `client ${g.clientCores.toFixed(2)} vs ${r.clientCores.toFixed(2)} cores, busy ${g.clientBusy.toFixed(2)} vs ${r.clientBusy.toFixed(2)}`
  );
}

/** Many readers of one partition (the dashboard case) against the relay broadcasting each batch to every socket. */
async function fanoutSection(gateway: ServerProcess, baseline: ServerProcess): Promise<Section> {
  const cid = ((await (await fetch(`${gateway.baseUrl}/v3/clusters`)).json()) as { data: Array<{ cluster_id: string }> }).data[0].cluster_id;
  await createTopic(gateway, cid, FANOUT_TOPIC, 1);
  const servers: Record<'gateway' | 'relay', FanoutServer> = {
    gateway: { name: 'gateway', baseUrl: gateway.baseUrl, wsUrl: wsUrlOf(gateway), assigns: true, cpuSeconds: () => gateway.cpuSeconds(), pid: gateway.pid },
    relay: { name: 'relay', baseUrl: baseline.baseUrl, wsUrl: wsUrlOf(baseline), assigns: false, cpuSeconds: () => baseline.cpuSeconds(), pid: baseline.pid },
  };
  const rounds = new Map<number, FanoutRound[]>(FANOUT_SOCKETS.map((count) => [count, []]));
  for (let round = 1; round <= ROUNDS; round++) {
    for (const count of FANOUT_SOCKETS) {
      const order: Array<'gateway' | 'relay'> = round % 2 === 1 ? ['gateway', 'relay'] : ['relay', 'gateway'];
      const runs: Partial<FanoutRound> = {};
      for (const name of order) runs[name] = await fanout(servers[name], count);
      const { gateway: g, relay: r } = runs as FanoutRound;
      rounds.get(count)!.push({ gateway: g, relay: r });
      process.stderr.write(`fan-out round ${round}, ${count} sockets: ${fanoutRound(g, r)}\n`);
    }
  }
  const rows: string[] = [];
  const roundLines: string[] = [];
  for (const [count, runs] of rounds) {
    const ratios = runs.map((run) => run.gateway.deliveriesPerS / run.relay.deliveriesPerS);
    const ratio = median(ratios);
    const middle = runs[ratios.indexOf(ratio)];
    const of = (name: 'gateway' | 'relay', measure: (run: FanoutRun) => number) => median(runs.map((run) => measure(run[name])));
    const p99Ratio = of('gateway', (run) => run.p99) / of('relay', (run) => run.p99);
    const targets = count === 1000;
    rows.push(
      `| deliveries/s, ${thousands(count)} sockets (offered ${thousands(middle.gateway.offeredPerS)}) | ${thousands(middle.gateway.deliveriesPerS)} | ${thousands(middle.relay.deliveriesPerS)} | ${ratio.toFixed(3)}${targets ? ` (target ≥ 1.0: ${ratio >= 1 ? 'PASS' : 'MISS'})` : ''} |`,
      `| produce→delivery p50 / p99, ${thousands(count)} sockets | ${of('gateway', (run) => run.p50)} / ${of('gateway', (run) => run.p99)} ms | ${of('relay', (run) => run.p50)} / ${of('relay', (run) => run.p99)} ms | p99 ${p99Ratio.toFixed(2)}${targets ? ` (target ≤ 1.5: ${p99Ratio <= 1.5 ? 'PASS' : 'MISS'})` : ''} |`,
      `| server CPU per message a socket received (records per message), ${thousands(count)} sockets | ${of('gateway', (run) => run.serverUsPerMessage).toFixed(1)} µs (${of('gateway', (run) => run.recordsPerMessage).toFixed(1)}) | ${of('relay', (run) => run.serverUsPerMessage).toFixed(1)} µs (${of('relay', (run) => run.recordsPerMessage).toFixed(1)}) | |`,
      `| event loop busy, server / client, ${thousands(count)} sockets | ${of('gateway', (run) => run.serverBusy).toFixed(2)} / ${of('gateway', (run) => run.clientBusy).toFixed(2)} | ${of('relay', (run) => run.serverBusy).toFixed(2)} / ${of('relay', (run) => run.clientBusy).toFixed(2)} | |`,
    );
    roundLines.push(
      ...runs.map(({ gateway: g, relay: r }, i) => `${thousands(count)} sockets, round ${i + 1}: ${fanoutRound(g, r)} (ratio ${ratios[i].toFixed(2)})`),
    );
  }
  return { rows, rounds: roundLines };
}

async function main(): Promise<void> {
  let redis: RedisServer | undefined;
  let meter: Redis | undefined;
  const servers: ServerProcess[] = [];
  try {
    compileGateway();
    redis = await startRedis({ appendonly: false });
    const spec = gatewaySpec({ port: await freePort(), redisUrl: redis.url, nodeFlags: [...GATEWAY_NODE_FLAGS, ...profileFlags('gateway')] });
    // The group's first assignment comes at once instead of after Kafka's 3 s wait for more members.
    const gateway = await ServerProcess.start({ ...spec, env: { ...spec.env, GROUP_INITIAL_REBALANCE_DELAY_MS: '0' } });
    servers.push(gateway);
    // Baseline: XREAD BLOCK → ws.send relay of one stream to every connected socket.
    const baseline = await ServerProcess.start({
      name: 'baseline',
      entry: 'bench/ws-baseline-server.ts',
      tsx: true,
      cwd: ROOT,
      port: await freePort(),
      env: { REDIS_URL: redis.url },
      nodeFlags: profileFlags('baseline'),
    });
    servers.push(baseline);

    const none: Section = { rows: [], rounds: [] };
    const group = SECTIONS.has('group') ? await groupSection(gateway, baseline, (meter = new Redis(redis.url))) : none;
    const memory = SECTIONS.has('memory') ? await memorySection(gateway) : none;
    const rebalanced = SECTIONS.has('rebalance') ? await rebalanceSection(gateway) : none;
    const fanOut = SECTIONS.has('fanout') ? await fanoutSection(gateway, baseline) : none;
    const rows = [
      '# WebSocket benchmark',
      '',
      `- Date: ${new Date().toISOString()}; ${cpus().length} CPUs; Node ${process.version}; load generator, servers and Redis share the machine; load average before the run ${LOAD_BEFORE}, after ${loadAverage()}`,
      `- Command: \`npm run bench:ws\`; 12-partition topic; gateway: 4 WebSocket members of one group (credit re-granted as records arrive); baseline: one XREAD BLOCK → ws.send relay of one stream to one socket; producer: v2 batches of 100 records (~100 bytes) over HTTP — autocannon with 20 connections for ${SATURATION_S} s at saturation, 50 requests/s for ${PACED_S} s when paced`,
      '',
      `Each figure is the median of ${ROUNDS} rounds (the two servers alternate within a round); the delivered-throughput row shows the round with the median ratio.`,
      '',
      '| Measure | Gateway | Baseline | Ratio / target |',
      '|---|--:|--:|---|',
      ...group.rows,
      ...memory.rows,
      ...rebalanced.rows,
      '',
      ...[...group.rounds, ...rebalanced.rounds].map((line) => `- ${line}`),
      '',
    ];
    if (fanOut.rows.length > 0) {
      rows.push(
        '## Fan-out: many readers of one partition (the dashboard case)',
        '',
        `- Gateway: each socket \`assign\`s itself partition 0 of a 1-partition topic at \`latest\` (credit 100,000, granted again by half); relay: the same baseline server, whose one XREAD BLOCK loop sends each batch as one message to every connected socket; producer: ${FANOUT_RATE} records/s of ~100 bytes, ${FANOUT_RATE / FANOUT_RECORDS_PER_REQUEST} v2 requests/s of ${FANOUT_RECORDS_PER_REQUEST} records over HTTP, paced, for ${FANOUT_S} s, each record stamped with its send time`,
        `- The client sockets live in the benchmark process (the ws client, without UTF-8 validation); a message is scanned, not parsed — records are counted by their \`"offset":\`, and every 10th socket reads out the send times for latency. Deliveries/s count records × sockets received during the producer's ${FANOUT_S} s; latency covers every sampled record, those that arrived after the producer stopped included. Server CPU per message is the server process's CPU over the run and its drain divided by the messages all sockets received. "Busy" is the share of that time in which a process's main thread ran or waited for a core (/proc schedstat): near 1, that process held the others back.`,
        '',
        `Medians of ${ROUNDS} rounds (the two servers alternate within a round, which goes first alternating by round); the deliveries row shows the round with the median ratio, and the p99 ratio is of the two medians.`,
        '',
        '| Measure | Gateway | Relay | Ratio / target |',
        '|---|--:|--:|---|',
        ...fanOut.rows,
        '',
        ...fanOut.rounds.map((line) => `- ${line}`),
        '',
      );
    }
    const table = rows.join('\n');
    console.log(table);
    if (SECTIONS.size === ALL_SECTIONS.length) {
      mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
      writeFileSync(join(ROOT, 'bench', 'results', 'ws.md'), table);
    }
    if (profileDir) process.stderr.write(`CPU profiles of the gateway and the relay in ${profileDir}\n`);
  } finally {
    meter?.disconnect();
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
