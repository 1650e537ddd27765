/**
 * v2 consumer benchmark (issue 11): v2 instances polling through a load balancer — Debian's
 * HAProxy round-robining every request over three gateways on one Redis — against the same
 * instances polling one of those gateways directly, in the same run. Four instances of one group
 * each drain one partition of a 4-partition topic (`records` in a loop, auto-commit on, as a
 * Confluent client runs); records/s is what all four together drained. Writes
 * bench/results/v2.md. Run: `npm run bench:v2`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { haproxyBinary, startHaproxy, type LoadBalancer } from '../test/support/haproxy.js';
import { freePort, startRedis, type RedisServer } from '../test/support/redis.js';
import { compileGateway, gatewaySpec } from './gateway-server.js';
import { median } from './median.js';
import { ServerProcess } from './server-process.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const PARTITIONS = 4;
const PER_PARTITION = Number(process.env.BENCH_RECORDS ?? 50_000);
const MAX_BYTES = 256 * 1024;
const V2 = { 'content-type': 'application/vnd.kafka.v2+json' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function call(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<unknown> {
  const response = await fetch(`${base}${path}`, { method, headers: { ...V2, ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text === '' ? undefined : JSON.parse(text);
}

async function fill(base: string): Promise<void> {
  const cid = ((await call(base, 'GET', '/v3/clusters')) as { data: Array<{ cluster_id: string }> }).data[0].cluster_id;
  await call(base, 'POST', `/v3/clusters/${cid}/topics`, { topic_name: 'bench-v2', partitions_count: PARTITIONS });
  const batch = JSON.stringify({ records: Array.from({ length: 500 }, (_, i) => ({ key: `k-${i}`, value: { n: i, pad: 'x'.repeat(80) } })) });
  for (let p = 0; p < PARTITIONS; p++) {
    for (let sent = 0; sent < PER_PARTITION; sent += 500) {
      const response = await fetch(`${base}/topics/bench-v2/partitions/${p}`, {
        method: 'POST',
        headers: { 'content-type': 'application/vnd.kafka.json.v2+json' },
        body: batch,
      });
      if (!response.ok) throw new Error(`produce: ${response.status} ${await response.text()}`);
      await response.arrayBuffer();
    }
  }
}

/**
 * One measurement: a new group of four instances created and subscribed through `base`, each
 * polling through `base` until the group has read the whole topic. Records/s from the first
 * poll to the last record.
 */
async function drain(base: string, group: string): Promise<number> {
  const ids = Array.from({ length: PARTITIONS }, (_, i) => `c${i}`);
  for (const id of ids) {
    await call(base, 'POST', `/consumers/${group}`, { name: id, format: 'json', 'auto.offset.reset': 'earliest' });
    await call(base, 'POST', `/consumers/${group}/instances/${id}/subscription`, { topics: ['bench-v2'] });
  }
  // Each instance holds one partition before the clock starts.
  for (const id of ids) {
    for (let i = 0; ; i++) {
      const held = (await call(base, 'GET', `/consumers/${group}/instances/${id}/assignments`)) as { partitions: unknown[] };
      if (held.partitions.length === 1) break;
      if (i > 200) throw new Error(`instance ${id} of ${group} got no partition`);
      await sleep(50);
    }
  }
  const total = PARTITIONS * PER_PARTITION;
  let read = 0;
  const started = performance.now();
  await Promise.all(
    ids.map(async (id) => {
      let mine = 0;
      while (mine < PER_PARTITION) {
        const response = await fetch(`${base}/consumers/${group}/instances/${id}/records?timeout=1000&max_bytes=${MAX_BYTES}`, {
          headers: { accept: 'application/vnd.kafka.json.v2+json' },
        });
        if (!response.ok) throw new Error(`records: ${response.status} ${await response.text()}`);
        const records = (await response.json()) as unknown[];
        mine += records.length;
        read += records.length;
      }
    }),
  );
  const rate = total / ((performance.now() - started) / 1000);
  if (read !== total) throw new Error(`read ${read} records, expected ${total}`);
  for (const id of ids) await call(base, 'DELETE', `/consumers/${group}/instances/${id}`);
  return rate;
}

async function main(): Promise<void> {
  if (!haproxyBinary()) throw new Error('haproxy is not installed (Debian: apt-get install haproxy)');
  let redis: RedisServer | undefined;
  let lb: LoadBalancer | undefined;
  const gateways: ServerProcess[] = [];
  try {
    compileGateway();
    redis = await startRedis();
    for (let i = 0; i < 3; i++) {
      const spec = gatewaySpec({ port: await freePort(), redisUrl: redis.url });
      gateways.push(await ServerProcess.start({ ...spec, name: `gateway ${i + 1}`, env: { ...spec.env, GROUP_INITIAL_REBALANCE_DELAY_MS: '0' } }));
    }
    lb = await startHaproxy(gateways.map((g, i) => ({ name: `g${i + 1}`, port: g.spec.port })));
    await fill(gateways[0].baseUrl);

    // Rounds alternate the two paths, so a burst of other work on the machine hits both alike.
    const runs: Array<{ direct: number; balanced: number }> = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const direct = await drain(gateways[0].baseUrl, `direct-${round}`);
      const balanced = await drain(lb.url, `balanced-${round}`);
      runs.push({ direct, balanced });
      process.stderr.write(
        `round ${round}: through the load balancer ${Math.round(balanced)} vs one gateway ${Math.round(direct)} records/s (${(balanced / direct).toFixed(2)})\n`,
      );
    }
    const ratios = runs.map((run) => run.balanced / run.direct);
    const ratio = median(ratios);
    const middle = runs[ratios.indexOf(ratio)];
    const format = (n: number) => Math.round(n).toLocaleString('en-US');
    const table = [
      '# v2 consumer benchmark: polling through a load balancer',
      '',
      `- Date: ${new Date().toISOString()}; ${cpus().length} CPUs; Node ${process.version}; load generator, HAProxy, three gateways and Redis share the machine (noisy: other work runs on it)`,
      `- Command: \`npm run bench:v2\`; a ${PARTITIONS}-partition topic of ${format(PARTITIONS * PER_PARTITION)} records (~100 bytes of JSON each); per round, a new group of ${PARTITIONS} v2 instances (format json, auto-commit on) each drains one partition with \`records?timeout=1000&max_bytes=${MAX_BYTES}\` in a loop`,
      '- Through the load balancer: every request (create, subscribe, every poll and commit) goes to HAProxy 2.6, `balance roundrobin` over three gateways: consecutive requests go to the next gateway in turn. Directly: every request to gateway 1.',
      '',
      `The ratio is the median of ${ROUNDS} rounds (the two paths alternate within a round); the records/s shown are that round's.`,
      '',
      '| Measure | Through the load balancer | One gateway directly | Ratio / target |',
      '|---|--:|--:|---|',
      `| v2 records/s, 4 instances draining | ${format(middle.balanced)} | ${format(middle.direct)} | ${ratio.toFixed(2)} (target ≥ 0.8: ${ratio >= 0.8 ? 'PASS' : 'MISS'}) |`,
      '',
      ...runs.map((run, i) => `- round ${i + 1}: ${format(run.balanced)} vs ${format(run.direct)} records/s (ratio ${ratios[i].toFixed(2)})`),
      '',
    ].join('\n');
    console.log(table);
    mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench', 'results', 'v2.md'), table);
  } finally {
    await lb?.stop();
    await Promise.all(gateways.map((g) => g.stop()));
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
