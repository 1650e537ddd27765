import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storedSize } from '../../src/log/record-size.js';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { suiteRedis, uniquePrefix } from '../support/redis.js';

let redis: Awaited<ReturnType<typeof suiteRedis>>;
let gw: TestGateway;

const HOUR = 3_600_000;

beforeAll(async () => {
  redis = await suiteRedis();
  // These tests run the cleaner's passes themselves; its own schedule stays out of the way.
  gw = await startGateway({ redisUrl: redis.url, env: { LOG_RETENTION_CHECK_INTERVAL_MS: '86400000' } });
});
afterAll(async () => {
  await gw?.close();
  await redis?.stop();
});

const inject = (options: InjectOptions, on: TestGateway = gw) => on.app.inject(options);
const createTopic = (name: string, configs: Record<string, string> = {}, partitions = 1, on: TestGateway = gw) =>
  inject(
    {
      method: 'POST',
      url: `${on.v3}/topics`,
      payload: { topic_name: name, partitions_count: partitions, configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })) },
    },
    on,
  );
/** Produces one record per value (as JSON strings) to a partition, each with the given CreateTime. */
async function produce(topic: string, values: string[], timestamp: number, partition = 0, on: TestGateway = gw, keyed = false): Promise<void> {
  const key = (value: string) => (keyed ? { key: { type: 'STRING', data: value } } : {});
  const lines = values.map((value) => JSON.stringify({ partition_id: partition, ...key(value), value: { type: 'JSON', data: value }, timestamp }));
  const response = await inject(
    { method: 'POST', url: `${on.v3}/topics/${topic}/records`, headers: { 'content-type': 'application/json' }, payload: lines.join('\n') },
    on,
  );
  expect(response.statusCode, response.body).toBe(200);
  for (const line of response.body.trim().split('\n')) expect(JSON.parse(line).error_code, line).toBe(200);
}
const partition = async (topic: string, p = 0, on: TestGateway = gw) => (await inject({ url: `${on.v3}/topics/${topic}/partitions/${p}` }, on)).json();
const deleteRecords = (topic: string, p: number, body: unknown) =>
  inject({ method: 'POST', url: `${gw.v3}/topics/${topic}/partitions/${p}/records:delete`, payload: body as object });
/** The stored bytes of what is left, computed from the records themselves. */
async function storedBytesOf(topic: string, p: number, on: TestGateway = gw): Promise<number> {
  const records = await on.app.services.store.read(topic, p, 0, { maxRecords: 100_000, maxBytes: Number.MAX_SAFE_INTEGER });
  return records.reduce((sum, record) => sum + storedSize(record), 0);
}
async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('retention by time', () => {
  it('removes records older than retention.ms at the next pass, and every API reports the new log start', async () => {
    await createTopic('aged', { 'retention.ms': String(HOUR) });
    await produce('aged', ['old-0', 'old-1', 'old-2'], Date.now() - 2 * HOUR);
    await produce('aged', ['new-3', 'new-4'], Date.now());
    expect((await partition('aged')).earliest_offset).toBe(0);

    expect((await gw.app.services.cleaner.pass()).removedRecords).toBe(3);

    const after = await partition('aged');
    expect(after).toMatchObject({ earliest_offset: 3, latest_offset: 5, size_bytes: await storedBytesOf('aged', 0) });
    expect((await inject({ url: `/topics/aged/partitions/0/offsets` })).json()).toEqual({ beginning_offset: 3, end_offset: 5 });
    const below = await inject({ url: `${gw.v3}/topics/aged/partitions/0/records?offset=1` });
    expect(below.statusCode).toBe(416);
    expect(below.json().error_code).toBe(41601);
    const fromStart = (await inject({ url: `${gw.v3}/topics/aged/partitions/0/records` })).json();
    expect(fromStart.log_start_offset).toBe(3);
    expect(fromStart.records.map((r: { offset: number; value: string }) => [r.offset, r.value])).toEqual([
      [3, 'new-3'],
      [4, 'new-4'],
    ]);
    // Offsets go on where they were.
    await produce('aged', ['new-5'], Date.now());
    expect((await partition('aged')).latest_offset).toBe(6);
  });

  it('empties a partition whose records are all past retention.ms, its start at the next offset', async () => {
    await createTopic('all-old', { 'retention.ms': String(HOUR) }, 2);
    await produce('all-old', ['a', 'b', 'c'], Date.now() - 2 * HOUR, 0);
    await produce('all-old', ['d'], Date.now() - 2 * HOUR, 1);
    await gw.app.services.cleaner.pass();
    expect(await partition('all-old', 0)).toMatchObject({ earliest_offset: 3, latest_offset: 3, size_bytes: 0 });
    expect(await partition('all-old', 1)).toMatchObject({ earliest_offset: 1, latest_offset: 1, size_bytes: 0 });
  });

  it('takes a changed retention.ms at the next pass, without a restart', async () => {
    await createTopic('changed');
    await produce('changed', ['a', 'b'], Date.now() - 2 * HOUR);
    await gw.app.services.cleaner.pass();
    expect((await partition('changed')).earliest_offset).toBe(0);
    const altered = await inject({ method: 'PUT', url: `${gw.v3}/topics/changed/configs/retention.ms`, payload: { value: String(HOUR) } });
    expect(altered.statusCode).toBe(204);
    await gw.app.services.cleaner.pass();
    expect((await partition('changed')).earliest_offset).toBe(2);
  });

  it('keeps everything with retention.ms=-1, and leaves a compact-only topic to compaction', async () => {
    await createTopic('forever', { 'retention.ms': '-1' });
    await produce('forever', ['a'], 0);
    await createTopic('compact-only', { 'retention.ms': '1', 'cleanup.policy': 'compact' });
    await produce('compact-only', ['a'], 0, 0, gw, true);
    await createTopic('both', { 'retention.ms': '1', 'cleanup.policy': 'compact,delete' });
    await produce('both', ['a'], 0, 0, gw, true);
    await gw.app.services.cleaner.pass();
    expect((await partition('forever')).earliest_offset).toBe(0);
    expect((await partition('compact-only')).earliest_offset).toBe(0);
    expect((await partition('both')).earliest_offset).toBe(1);
  });
});

describe('retention configs', () => {
  it.each([
    ['retention.ms', '-2'],
    ['retention.ms', '1.5'],
    ['retention.ms', '1e9'],
    ['retention.ms', '99999999999999999999'],
    ['retention.ms', ''],
    ['retention.bytes', '-2'],
    ['retention.bytes', 'lots'],
    ['cleanup.policy', 'delete,shred'],
    ['cleanup.policy', ''],
  ])('refuses %s=%j with 40002 on create and on alter, changing nothing', async (name, value) => {
    const topic = `bad-config-${Math.random().toString(36).slice(2, 8)}`;
    const created = await createTopic(topic, { [name]: value });
    expect(created.statusCode).toBe(400);
    expect(created.json()).toEqual({ error_code: 40002, message: expect.stringContaining(name) });
    expect((await inject({ url: `${gw.v3}/topics/${topic}` })).statusCode).toBe(404);

    await createTopic(topic, { [name]: name === 'cleanup.policy' ? 'delete' : '1000' });
    const altered = await inject({ method: 'PUT', url: `${gw.v3}/topics/${topic}/configs/${name}`, payload: { value } });
    expect(altered.statusCode).toBe(400);
    expect(altered.json().error_code).toBe(40002);
    expect((await inject({ url: `${gw.v3}/topics/${topic}/configs/${name}` })).json().value).toBe(name === 'cleanup.policy' ? 'delete' : '1000');
  });
});

describe('retention by size', () => {
  it('keeps each partition at most retention.bytes, removing the oldest records first', async () => {
    await createTopic('bounded', { 'retention.bytes': '600' }, 2);
    const values = Array.from({ length: 20 }, (_, i) => `record-${i}`.padEnd(80, '.'));
    await produce('bounded', values, Date.now(), 0);
    await produce('bounded', values.slice(0, 3), Date.now(), 1);
    const before = await partition('bounded', 0);
    expect(before.size_bytes).toBe(await storedBytesOf('bounded', 0));
    const perRecord = before.size_bytes / 20;

    await gw.app.services.cleaner.pass();
    const after = await partition('bounded', 0);
    expect(after.size_bytes).toBeLessThanOrEqual(600);
    expect(after.size_bytes).toBeGreaterThan(600 - perRecord);
    expect(after.size_bytes).toBe(await storedBytesOf('bounded', 0));
    expect(after.earliest_offset).toBe(20 - after.size_bytes / perRecord);
    expect((await partition('bounded', 1)).earliest_offset).toBe(0);
  });
});

describe('memory truth', () => {
  it('exports per-topic stored bytes and records and per-partition log start and end offsets on /metrics', async () => {
    await createTopic('measured', {}, 2);
    await produce('measured', ['a', 'bb', 'ccc'], Date.now(), 0);
    await produce('measured', ['dddd'], Date.now(), 1);
    await deleteRecords('measured', 0, { before_offset: 1 });
    const bytes = (await storedBytesOf('measured', 0)) + (await storedBytesOf('measured', 1));
    const metrics = (await inject({ url: '/metrics' })).body;
    expect(metrics).toContain(`streamgate_topic_size_bytes{topic="measured"} ${bytes}`);
    expect(metrics).toContain('streamgate_topic_records{topic="measured"} 3');
    expect(metrics).toContain('streamgate_partition_log_start_offset{topic="measured",partition="0"} 1');
    expect(metrics).toContain('streamgate_partition_log_end_offset{topic="measured",partition="0"} 3');
    expect(metrics).toContain('streamgate_partition_log_end_offset{topic="measured",partition="1"} 1');
    expect(metrics).toMatch(/streamgate_log_cleaner_removed_records_total \d+/);

    await inject({ method: 'DELETE', url: `${gw.v3}/topics/measured` });
    expect((await inject({ url: '/metrics' })).body).not.toContain('topic="measured"');
  });
});

describe('delete records (Kafka DeleteRecords)', () => {
  it('advances the log start to the offset given and answers the new low watermark', async () => {
    await createTopic('trimmed', {}, 2);
    await produce('trimmed', ['a', 'b', 'c', 'd'], Date.now(), 1);
    const deleted = await deleteRecords('trimmed', 1, { before_offset: 2 });
    expect(deleted.statusCode, deleted.body).toBe(200);
    expect(deleted.json()).toMatchObject({
      kind: 'KafkaDeleteRecordsResult',
      cluster_id: gw.clusterId,
      topic_name: 'trimmed',
      partition_id: 1,
      low_watermark: 2,
    });
    expect(await partition('trimmed', 1)).toMatchObject({ earliest_offset: 2, latest_offset: 4 });
    // Below the start: nothing changes; up to the end: the partition is empty.
    expect((await deleteRecords('trimmed', 1, { before_offset: 1 })).json().low_watermark).toBe(2);
    expect((await deleteRecords('trimmed', 1, { before_offset: 4 })).json().low_watermark).toBe(4);
    expect(await partition('trimmed', 1)).toMatchObject({ earliest_offset: 4, latest_offset: 4, size_bytes: 0 });
  });

  it.each([
    ['past the end', { before_offset: 5 }],
    ['negative', { before_offset: -1 }],
    ['not an integer', { before_offset: 1.5 }],
    ['beyond a safe integer', { before_offset: 2 ** 60 }],
  ])('refuses an offset %s with 40002 and deletes nothing', async (_, body) => {
    const name = `bad-delete-${Math.random().toString(36).slice(2, 8)}`;
    await createTopic(name);
    await produce(name, ['a', 'b', 'c'], Date.now());
    const refused = await deleteRecords(name, 0, body);
    expect(refused.statusCode, refused.body).toBe(400);
    expect(refused.json()).toMatchObject({ error_code: 40002 });
    expect(refused.json().message).toContain('next offset 3');
    expect(await partition(name)).toMatchObject({ earliest_offset: 0, latest_offset: 3 });
  });

  it('answers a missing topic or partition and a body without an offset like the rest of v3', async () => {
    await createTopic('delete-errors');
    expect((await deleteRecords('no-such-topic', 0, { before_offset: 0 })).json().error_code).toBe(40401);
    expect((await deleteRecords('delete-errors', 7, { before_offset: 0 })).json().error_code).toBe(40402);
    expect((await deleteRecords('delete-errors', 0, {})).statusCode).toBe(422);
  });
});

describe('two gateways on one Redis', () => {
  let peers: TestGateway[] = [];
  afterAll(async () => {
    await Promise.all(peers.map((peer) => peer.close()));
  });

  it('both run cleaners on the same partitions, and the partitions stay consistent and bounded', async () => {
    const prefix = uniquePrefix('pair');
    const env = { LOG_RETENTION_CHECK_INTERVAL_MS: '10' };
    peers = [await startGateway({ redisUrl: redis.url, prefix, env }), await startGateway({ redisUrl: redis.url, prefix, env })];
    const [a, b] = peers;
    const bound = 2_000;
    await createTopic('shared', { 'retention.bytes': String(bound) }, 3, a);
    for (let batch = 0; batch < 30; batch++) {
      const values = Array.from({ length: 10 }, (_, i) => `b${batch}-r${i}`.padEnd(60, '.'));
      await produce('shared', values, Date.now(), batch % 3, batch % 2 === 0 ? a : b);
    }
    for (let p = 0; p < 3; p++) {
      await until(async () => (await partition('shared', p, a)).size_bytes <= bound, `partition ${p} is within ${bound} bytes`);
      const seen = [await partition('shared', p, a), await partition('shared', p, b)];
      expect(seen[1].earliest_offset).toBe(seen[0].earliest_offset);
      expect(seen[0].latest_offset).toBe(100);
      expect(seen[0].size_bytes).toBe(await storedBytesOf('shared', p, a));
      const records = (await inject({ url: `${b.v3}/topics/shared/partitions/${p}/records?max_records=1000` }, b)).json().records;
      expect(records.map((r: { offset: number }) => r.offset)).toEqual(
        Array.from({ length: 100 - seen[0].earliest_offset }, (_, i) => seen[0].earliest_offset + i),
      );
    }
    expect(a.app.services.cleaner.totals.removedRecords + b.app.services.cleaner.totals.removedRecords).toBeGreaterThan(0);
  });
});
