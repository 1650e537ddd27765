/**
 * Section `compression`: stored bytes per record of ~1 KB JSON order events (bench/order-events.ts)
 * under each `compression.type`, and produce throughput to a zstd topic against an uncompressed one
 * in the same run. Each measurement is a fresh gateway on a flushed Redis, so one codec's data and
 * warm-up never weigh on the next: the section starts a redis-server of its own for that rather
 * than flushing the run's.
 *
 * Environment: BENCH_RECORDS (records per codec for the size measurement, 5000), BENCH_DURATION
 * (s, 10), BENCH_WARMUP (s, 2), BENCH_CONNECTIONS (20), BENCH_ROUNDS (3: the two topics alternate,
 * the median round is reported), BENCH_BATCH (records per produce request, 50).
 */
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { compress, RECORD_CODECS } from '../../src/log/codecs.js';
import { freePort, startRedis, type RedisServer } from '../../test/support/redis.js';
import { median } from '../median.js';
import { orderEvents } from '../order-events.js';
import { ServerProcess } from '../server-process.js';
import { gatewayOf, setting, thousands as fmt, V2_JSON } from './context.js';

const TYPES = ['uncompressed', ...RECORD_CODECS] as const;

const settings = {
  records: setting('BENCH_RECORDS', 5000, 500),
  duration: setting('BENCH_DURATION', 10, 2),
  warmup: setting('BENCH_WARMUP', 2, 1),
  connections: setting('BENCH_CONNECTIONS', 20),
  rounds: setting('BENCH_ROUNDS', 3, 1),
  batch: setting('BENCH_BATCH', 50),
};

async function http(method: 'GET' | 'POST', url: string, body?: unknown): Promise<unknown> {
  const response = await fetch(url, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url} answered ${response.status}: ${text}`);
  return JSON.parse(text);
}

/** A gateway on a flushed Redis with one topic of `compressionType`. */
async function gatewayWithTopic(redis: RedisServer, admin: Redis, topic: string, compressionType: string, partitions: number): Promise<ServerProcess> {
  await admin.flushall();
  const server = await ServerProcess.start(gatewayOf(await freePort(), redis.url));
  try {
    const clusters = (await http('GET', `${server.baseUrl}/v3/clusters`)) as { data: Array<{ cluster_id: string }> };
    await http('POST', `${server.baseUrl}/v3/clusters/${clusters.data[0].cluster_id}/topics`, {
      topic_name: topic,
      partitions_count: partitions,
      configs: [{ name: 'compression.type', value: compressionType }],
    });
    return server;
  } catch (error) {
    await server.stop();
    throw error;
  }
}

const bodiesOf = (events: Buffer[], batch: number, keyOffset = 0): string[] =>
  Array.from({ length: Math.ceil(events.length / batch) }, (_, b) =>
    JSON.stringify({
      records: events.slice(b * batch, (b + 1) * batch).map((value, i) => ({ key: `order-${keyOffset + b * batch + i}`, value: JSON.parse(value.toString()) })),
    }),
  );

interface SizeRow {
  type: string;
  /** Redis MEMORY USAGE of the partition's stream, per record: what the log costs in Redis. */
  streamBytes: number;
  /** Bytes of the `v` fields per record: the values as stored. */
  valueBytes: number;
  /** The topic's zstd dictionaries (MEMORY USAGE of the hash), once per topic. */
  dictionaryBytes: number;
}

/** Produces the same events to a one-partition topic of each type and reads back what Redis holds. */
async function measureSizes(redis: RedisServer, admin: Redis, events: Buffer[]): Promise<SizeRow[]> {
  const rows: SizeRow[] = [];
  for (const type of TYPES) {
    const topic = `orders-${type}`;
    const server = await gatewayWithTopic(redis, admin, topic, type, 1);
    try {
      for (const body of bodiesOf(events, 250)) {
        const response = await fetch(`${server.baseUrl}/topics/${topic}`, { method: 'POST', headers: V2_JSON, body });
        if (!response.ok) throw new Error(`produce answered ${response.status}: ${await response.text()}`);
      }
      const [stream] = await admin.keys(`*{${topic}:0}:log`);
      const [dictionaries] = await admin.keys(`*{${topic}}:zdicts`);
      const streamBytes = Number(await admin.call('MEMORY', 'USAGE', stream, 'SAMPLES', '0'));
      const dictionaryBytes = dictionaries ? Number(await admin.call('MEMORY', 'USAGE', dictionaries, 'SAMPLES', '0')) : 0;
      let valueBytes = 0;
      for (const [, fields] of (await admin.xrangeBuffer(stream, '-', '+')) as unknown as Array<[Buffer, Buffer[]]>) {
        for (let i = 0; i < fields.length; i += 2) if (fields[i].toString() === 'v') valueBytes += fields[i + 1].length;
      }
      rows.push({ type, streamBytes: streamBytes / events.length, valueBytes: valueBytes / events.length, dictionaryBytes });
      process.stderr.write(`compression ${type}: ${(streamBytes / events.length).toFixed(0)} bytes/record in Redis\n`);
    } finally {
      await server.stop();
    }
  }
  return rows;
}

interface ThroughputRow {
  round: number;
  type: string;
  recordsPerSecond: number;
  p99Ms: number;
  cpuUsPerRecord: number | undefined;
}

async function measureThroughput(redis: RedisServer, admin: Redis, type: string, round: number, bodies: string[]): Promise<ThroughputRow> {
  const topic = 'orders-produce';
  const server = await gatewayWithTopic(redis, admin, topic, type, 4);
  try {
    const requests = bodies.map((body) => ({ method: 'POST' as const, path: `/topics/${topic}`, headers: V2_JSON, body }));
    process.stderr.write(`compression round ${round}: ${type}: warm-up ${settings.warmup} s, then ${settings.duration} s … `);
    await autocannon({ url: server.baseUrl, connections: settings.connections, duration: settings.warmup, requests });
    const cpuBefore = server.cpuSeconds();
    const result = await autocannon({ url: server.baseUrl, connections: settings.connections, duration: settings.duration, requests });
    const cpuAfter = server.cpuSeconds();
    if (result.non2xx > 0 || result.errors > 0) throw new Error(`${result.non2xx} non-2xx answers, ${result.errors} errors`);
    const records = result['2xx'] * settings.batch;
    const recordsPerSecond = records / result.duration;
    process.stderr.write(`${fmt(recordsPerSecond)} records/s\n`);
    const cpuUsPerRecord = cpuBefore === undefined || cpuAfter === undefined ? undefined : ((cpuAfter - cpuBefore) * 1e6) / records;
    return { round, type, recordsPerSecond, p99Ms: result.latency.p99, cpuUsPerRecord };
  } finally {
    await server.stop();
  }
}

/** Ratios of compressing the events one by one and in batches of 250, straight through the codec (no Redis). */
function codecReference(events: Buffer[]): string[] {
  const total = events.reduce((sum, e) => sum + e.length, 0);
  const perRecord = (codec: (typeof RECORD_CODECS)[number]) => events.reduce((sum, e) => sum + Math.min(e.length, compress(codec, e).length), 0) / total;
  let batched = 0;
  for (let i = 0; i < events.length; i += 250) batched += compress('zstd', Buffer.concat(events.slice(i, i + 250))).length;
  return [
    ...RECORD_CODECS.map((codec) => `- ${codec}, each record alone, no dictionary: ${perRecord(codec).toFixed(3)}×`),
    `- zstd, batches of 250 records as one frame: ${(batched / total).toFixed(3)}×`,
  ];
}

function report(sizes: SizeRow[], throughput: ThroughputRow[], events: Buffer[]): string {
  const plain = sizes[0];
  const averageEvent = events.reduce((sum, e) => sum + e.length, 0) / events.length;
  const lines = [
    '## Compression',
    '',
    `Dataset: ${fmt(events.length)} order events from bench/order-events.ts (seeded), ${fmt(averageEvent)} bytes of JSON each on average, keys \`order-<n>\`, produced in v2 requests of 250 to a one-partition topic per compression.type; ` +
      'each measurement a fresh gateway on a flushed redis-server of the section’s own.',
    '',
    '### Stored bytes per record',
    '',
    '| compression.type | Redis bytes per record (MEMORY USAGE of the stream) | ratio | value bytes per record (`v` fields) | ratio | dictionary (once per topic) |',
    '|---|---|---|---|---|---|',
    ...sizes.map(
      (row) =>
        `| ${row.type} | ${fmt(row.streamBytes)} | ${(row.streamBytes / plain.streamBytes).toFixed(3)} | ${fmt(row.valueBytes)} | ${(row.valueBytes / plain.valueBytes).toFixed(3)} | ${row.dictionaryBytes ? `${fmt(row.dictionaryBytes)} bytes` : ''} |`,
    ),
    '',
    'The codecs alone on the same events (value bytes, no Redis):',
    ...codecReference(events),
    '',
    '### Produce throughput, zstd against uncompressed',
    '',
    `autocannon, ${settings.connections} connections, ${settings.warmup} s warm-up then ${settings.duration} s per topic and round, ${settings.rounds} rounds alternating; v2 produce of ${settings.batch} order events per request (${fmt(averageEvent * settings.batch)} bytes of JSON) to a 4-partition topic.`,
    '',
    '| round | compression.type | records/s | p99 ms | gateway CPU µs/record |',
    '|---|---|---|---|---|',
    ...throughput.map(
      (r) => `| ${r.round} | ${r.type} | ${fmt(r.recordsPerSecond)} | ${r.p99Ms} | ${r.cpuUsPerRecord === undefined ? '' : r.cpuUsPerRecord.toFixed(1)} |`,
    ),
  ];
  const rate = (type: string) => median(throughput.filter((r) => r.type === type).map((r) => r.recordsPerSecond));
  const ratios = Array.from({ length: settings.rounds }, (_, i) => {
    const of = (type: string) => throughput.find((r) => r.round === i + 1 && r.type === type)!.recordsPerSecond;
    return (of('zstd') / of('uncompressed')).toFixed(2);
  });
  const zstd = sizes.find((row) => row.type === 'zstd')!;
  lines.push(
    '',
    `Median: zstd ${fmt(rate('zstd'))} against uncompressed ${fmt(rate('uncompressed'))} records/s = **${(rate('zstd') / rate('uncompressed')).toFixed(2)}×** (rounds ${ratios.join(', ')}; target ≥ 0.7×).`,
    `Stored: zstd **${(zstd.streamBytes / plain.streamBytes).toFixed(3)}×** of uncompressed in Redis memory per record (target ≤ 0.35×).`,
    '',
  );
  return lines.join('\n');
}

export async function compressionSection(): Promise<string> {
  const redis = await startRedis({ appendonly: false });
  const admin = new Redis(redis.url);
  try {
    const events = orderEvents(settings.records);
    const sizes = await measureSizes(redis, admin, events);
    const bodies = bodiesOf(orderEvents(2000, 99), settings.batch);
    const throughput: ThroughputRow[] = [];
    for (let round = 1; round <= settings.rounds; round++) {
      for (const type of round % 2 === 1 ? ['uncompressed', 'zstd'] : ['zstd', 'uncompressed']) {
        throughput.push(await measureThroughput(redis, admin, type, round, bodies));
      }
    }
    return report(sizes, throughput, events);
  } finally {
    admin.disconnect();
    await redis.stop();
  }
}
