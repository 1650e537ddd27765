import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogKeys } from '../../src/log/redis/keys.js';
import { listen, startGateway, type TestGateway } from '../support/gateway.js';
import { suiteRedis } from '../support/redis.js';
import { openEvents, takeEvents } from '../support/sse-client.js';
import { connectSocket, takeRecords, type TestSocket } from '../support/ws-client.js';

let redis: Awaited<ReturnType<typeof suiteRedis>>;
let gw: TestGateway;
let base: string;
let raw: Redis;
const sockets: TestSocket[] = [];

beforeAll(async () => {
  redis = await suiteRedis();
  // Compaction runs only when a test says so, at the time it says.
  gw = await startGateway({ redisUrl: redis.url, env: { LOG_RETENTION_CHECK_INTERVAL_MS: '86400000' } });
  base = await listen(gw);
  raw = new Redis(redis.url);
});
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.close()));
  raw?.disconnect();
  await gw?.close();
  await redis?.stop();
});

const COMPACT = { 'cleanup.policy': 'compact' };
const V2_JSON = { 'content-type': 'application/vnd.kafka.json.v2+json' };

const createTopic = async (name: string, configs: Record<string, string> = COMPACT, partitions = 1) => {
  const response = await gw.app.inject({
    method: 'POST',
    url: `${gw.v3}/topics`,
    payload: { topic_name: name, partitions_count: partitions, configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })) },
  });
  expect(response.statusCode).toBe(201);
};

/** Keyed records (string keys, JSON values; null is a tombstone) to one partition through v3's streaming produce. */
const produce = async (topic: string, records: Array<[string, unknown]>, partition = 0) => {
  const body = records
    .map(([key, value]) =>
      JSON.stringify({ partition_id: partition, key: { type: 'STRING', data: key }, value: value === null ? null : { type: 'JSON', data: value } }),
    )
    .join('\n');
  const response = await gw.app.inject({
    method: 'POST',
    url: `${gw.v3}/topics/${topic}/records`,
    headers: { 'content-type': 'application/json' },
    payload: body,
  });
  expect(response.statusCode).toBe(200);
  const lines = response.body
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  for (const line of lines) expect(line.error_code).toBe(200);
  return lines.map((line) => line.offset as number);
};

const readPage = async (topic: string, offset: number, maxRecords = 500, partition = 0) => {
  const response = await gw.app.inject({ url: `${gw.v3}/topics/${topic}/partitions/${partition}/records?offset=${offset}&max_records=${maxRecords}` });
  expect(response.statusCode).toBe(200);
  return response.json() as { next_offset: number; high_watermark: number; records: Array<{ offset: number; key: unknown; value: unknown }> };
};

/** The whole partition through direct reads of `pageSize` records, following next_offset. */
const readAll = async (topic: string, pageSize: number, partition = 0) => {
  const out: Array<{ offset: number; value: unknown }> = [];
  let offset = 0;
  for (;;) {
    const page = await readPage(topic, offset, pageSize, partition);
    out.push(...page.records.map((r) => ({ offset: r.offset, value: r.value })));
    if (page.next_offset >= page.high_watermark) return out;
    expect(page.next_offset).toBeGreaterThan(offset);
    offset = page.next_offset;
  }
};

const now = () => Date.now();

describe('producing to a compacted topic', () => {
  it('refuses a v2 batch with a record without a key, naming it, and writes nothing', async () => {
    await createTopic('keyless-v2');
    const response = await gw.app.inject({
      method: 'POST',
      url: '/topics/keyless-v2',
      headers: V2_JSON,
      payload: { records: [{ key: 'a', value: 1 }, { value: 2 }] },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error_code: 40002, message: expect.stringMatching(/^Record 1 has no key.*'keyless-v2' is compacted/) });
    expect((await readPage('keyless-v2', 0)).high_watermark).toBe(0);
  });

  it('refuses a keyless v3 record, and names it in streaming mode while the others are written', async () => {
    await createTopic('keyless-v3');
    const single = await gw.app.inject({ method: 'POST', url: `${gw.v3}/topics/keyless-v3/records`, payload: { value: { type: 'JSON', data: 1 } } });
    expect(single.statusCode).toBe(400);
    expect(single.json().message).toMatch(/^Record 0 has no key/);
    expect((await readPage('keyless-v3', 0)).high_watermark).toBe(0);

    const body = [{ key: { type: 'STRING', data: 'k' }, value: { type: 'JSON', data: 1 } }, { value: { type: 'JSON', data: 2 } }]
      .map((r) => JSON.stringify(r))
      .join('\n');
    const streamed = await gw.app.inject({
      method: 'POST',
      url: `${gw.v3}/topics/keyless-v3/records`,
      headers: { 'content-type': 'application/json' },
      payload: body,
    });
    const lines = streamed.body
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines[0]).toMatchObject({ error_code: 200, offset: 0 });
    expect(lines[1]).toEqual({ error_code: 40002, message: expect.stringMatching(/^Record 1 has no key/) });
    expect((await readPage('keyless-v3', 0)).high_watermark).toBe(1);
  });

  it('refuses a keyless record produced over a WebSocket', async () => {
    await createTopic('keyless-ws');
    const client = await connectSocket(`${base.replace('http', 'ws')}/ws`);
    sockets.push(client);
    client.send({ type: 'produce', id: 'p', topic: 'keyless-ws', records: [{ key: 'k', value: 1 }, { value: 2 }] });
    expect(await client.next((m) => m.type === 'error')).toMatchObject({ id: 'p', error_code: 40002, message: expect.stringMatching(/^Record 1 has no key/) });
    expect((await readPage('keyless-ws', 0)).high_watermark).toBe(0);
  });

  it('still takes keyless records on a topic that is not compacted', async () => {
    await createTopic('keyless-plain', {});
    const response = await gw.app.inject({ method: 'POST', url: '/topics/keyless-plain', headers: V2_JSON, payload: { records: [{ value: 1 }] } });
    expect(response.statusCode).toBe(200);
  });
});

describe('compaction', () => {
  it('keeps the latest value of every key at its offset, and direct reads go across the gaps', async () => {
    await createTopic('compacted');
    await produce('compacted', [
      ['a', 1],
      ['b', 1],
      ['a', 2],
      ['c', 1],
      ['b', 2],
      ['a', 3],
      ['d', 1],
    ]);
    expect((await gw.app.services.cleaner.pass(now())).removedRecords).toBe(3);
    const survivors = [
      { offset: 3, value: 1 },
      { offset: 4, value: 2 },
      { offset: 5, value: 3 },
      { offset: 6, value: 1 },
    ];
    for (const pageSize of [1, 2, 3, 10]) expect(await readAll('compacted', pageSize)).toEqual(survivors);
    const inGap = await readPage('compacted', 1, 1);
    expect(inGap.records.map((r) => r.offset)).toEqual([3]);
    expect(inGap.next_offset).toBe(4);
    const partition = (await gw.app.inject({ url: `${gw.v3}/topics/compacted/partitions/0` })).json();
    expect(partition).toMatchObject({ earliest_offset: 0, latest_offset: 7 });
  });

  it('removes a tombstoned key at once and the tombstone after delete.retention.ms', async () => {
    await createTopic('tombstones', { ...COMPACT, 'delete.retention.ms': '60000' });
    await produce('tombstones', [
      ['a', 1],
      ['b', 1],
      ['a', null],
      ['b', 2],
    ]);
    const t0 = now();
    expect((await gw.app.services.cleaner.pass(t0)).removedRecords).toBe(2);
    expect((await readAll('tombstones', 10)).map((r) => r.offset)).toEqual([2, 3]);
    expect((await gw.app.services.cleaner.pass(t0 + 59_999)).removedRecords).toBe(0);
    expect((await gw.app.services.cleaner.pass(t0 + 60_000)).removedRecords).toBe(1);
    expect(await readAll('tombstones', 10)).toEqual([{ offset: 3, value: 2 }]);
  });

  it('leaves records younger than min.compaction.lag.ms', async () => {
    await createTopic('lagged', { ...COMPACT, 'min.compaction.lag.ms': '60000' });
    await produce('lagged', [
      ['a', 1],
      ['a', 2],
      ['b', 1],
    ]);
    expect((await gw.app.services.cleaner.pass(now())).removedRecords).toBe(0);
    expect((await gw.app.services.cleaner.pass(now() + 60_001)).removedRecords).toBe(1);
  });

  it.each([
    ['0.5', 10],
    ['0.6', 0],
  ])('compacts when the dirty share reaches min.cleanable.dirty.ratio=%s', async (ratio, removed) => {
    const topic = `dirty-${ratio.replace('.', '')}`;
    await createTopic(topic, { ...COMPACT, 'min.cleanable.dirty.ratio': ratio });
    const keys = Array.from({ length: 10 }, (_, i) => `k${i}`);
    await produce(
      topic,
      keys.map((k) => [k, 1]),
    );
    expect((await gw.app.services.cleaner.pass(now())).removedRecords).toBe(0);
    // Ten more records, one per key: 10 of 20 records are dirty (offsets 9…18; the last is never compacted).
    await produce(
      topic,
      keys.map((k) => [k, 2]),
    );
    expect((await gw.app.services.cleaner.pass(now())).removedRecords).toBe(removed);
  });
});

describe('a compacted topic as a table', () => {
  beforeAll(async () => {
    await createTopic('table', COMPACT, 2);
    for (const partition of [0, 1]) {
      await produce(
        'table',
        Array.from({ length: 6 }, (_, i): [string, unknown] => [`p${partition}-k${i % 3}`, { v: i }]),
        partition,
      );
    }
    await produce('table', [['p0-k2', null]], 0);
  });

  const key = (name: string, query = '') => gw.app.inject({ url: `${gw.v3}/topics/table/keys/${encodeURIComponent(name)}${query}` });

  it("answers one key's latest value, in the partition of the producer's key", async () => {
    // Keys were produced to explicit partitions here, so the lookup names the partition.
    const found = await key('p1-k0', '?partition=1&format=string');
    expect(found.statusCode).toBe(200);
    expect(found.json()).toMatchObject({ topic_name: 'table', partition_id: 1, offset: 3, key: 'p1-k0', value: '{"v":3}' });
  });

  it.each(['gzip', 'zstd'])('serves the latest value of a %s-compressed table as it was produced, one key and a page', async (codec) => {
    const topic = `table-${codec}`;
    await createTopic(topic, { ...COMPACT, 'compression.type': codec });
    const value = (i: number) => ({ note: 'x'.repeat(300), i });
    await produce(topic, [
      ['a', value(0)],
      ['b', value(1)],
      ['a', value(2)],
    ]);
    const one = await gw.app.inject({ url: `${gw.v3}/topics/${topic}/keys/a?partition=0` });
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({ offset: 2, value: value(2) });
    const page = (await gw.app.inject({ url: `${gw.v3}/topics/${topic}/keys?limit=10` })).json();
    expect(page.data.map((record: { value: unknown }) => record.value).sort((x: { i: number }, y: { i: number }) => x.i - y.i)).toEqual([value(1), value(2)]);
  });

  it('finds a key in the partition Kafka’s partitioner gives it, in the key format asked', async () => {
    await createTopic('table-formats');
    await gw.app.inject({ method: 'POST', url: '/topics/table-formats', headers: V2_JSON, payload: { records: [{ key: { id: 7 }, value: 'seven' }] } });
    expect((await gw.app.inject({ url: `${gw.v3}/topics/table-formats/keys/${encodeURIComponent('{"id":7}')}?key_format=json` })).json()).toMatchObject({
      value: 'seven',
    });
    const base64 = Buffer.from('{"id":7}').toString('base64');
    expect((await gw.app.inject({ url: `${gw.v3}/topics/table-formats/keys/${encodeURIComponent(base64)}?key_format=binary` })).statusCode).toBe(200);
    expect((await gw.app.inject({ url: `${gw.v3}/topics/table-formats/keys/${encodeURIComponent('{"id":')}?key_format=json` })).statusCode).toBe(422);
  });

  it('answers 404 for a key never written and for a key deleted by a tombstone', async () => {
    expect((await key('nope', '?partition=0')).json()).toEqual({ error_code: 404, message: expect.stringContaining('has no value') });
    expect((await key('p0-k2', '?partition=0')).statusCode).toBe(404);
    expect((await key('p0-k1', '?partition=0')).statusCode).toBe(200);
  });

  it('refuses a topic that is not compacted, and an unknown topic', async () => {
    await createTopic('not-a-table', {});
    const response = await gw.app.inject({ url: `${gw.v3}/topics/not-a-table/keys/a` });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toMatch(/not compacted/);
    expect((await gw.app.inject({ url: `${gw.v3}/topics/not-a-table/keys` })).statusCode).toBe(400);
    expect((await gw.app.inject({ url: `${gw.v3}/topics/no-such-topic/keys/a` })).json().error_code).toBe(40401);
  });

  it('pages through every live key once with its latest value', async () => {
    const seen = new Map<string, unknown>();
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor === null ? '?limit=2&format=string' : `?limit=2&format=string&cursor=${cursor}`;
      const page = (await gw.app.inject({ url: `${gw.v3}/topics/table/keys${query}` })).json();
      for (const record of page.data) {
        expect(seen.has(record.key)).toBe(false);
        seen.set(record.key, record.value);
      }
      cursor = page.next_cursor;
      pages++;
    } while (cursor !== null);
    expect(pages).toBeGreaterThan(1);
    expect(Object.fromEntries(seen)).toEqual({
      'p0-k0': '{"v":3}',
      'p0-k1': '{"v":4}',
      'p1-k0': '{"v":3}',
      'p1-k1': '{"v":4}',
      'p1-k2': '{"v":5}',
    });
    expect((await gw.app.inject({ url: `${gw.v3}/topics/table/keys?cursor=bogus` })).statusCode).toBe(400);
  });
});

describe('readers across gaps', () => {
  /** A compacted partition with gaps: survivors at offsets 3, 5, 7, 8, 9 (values v3, v5, v7, v8, v9). */
  const gappy = async (name: string) => {
    await createTopic(name);
    await produce(
      name,
      ['a', 'b', 'c', 'a', 'x', 'b', 'x', 'c', 'x', 'f'].map((key, i): [string, unknown] => [key, `v${i}`]),
    );
    await gw.app.services.cleaner.pass(now());
    return ['v3', 'v5', 'v7', 'v8', 'v9'];
  };

  it('a v2 consumer gets every survivor once, and its committed position reaches the end', async () => {
    const expected = await gappy('gaps-v2');
    expect((await readAll('gaps-v2', 100)).map((r) => r.value)).toEqual(expected);
    const V2 = { 'content-type': 'application/vnd.kafka.v2+json' };
    await gw.app.inject({ method: 'POST', url: '/consumers/g-gaps', headers: V2, payload: { name: 'c', format: 'json', 'auto.offset.reset': 'earliest' } });
    await gw.app.inject({
      method: 'POST',
      url: '/consumers/g-gaps/instances/c/assignments',
      headers: V2,
      payload: { partitions: [{ topic: 'gaps-v2', partition: 0 }] },
    });
    const values: unknown[] = [];
    for (let polls = 0; polls < 5 && values.length < expected.length; polls++) {
      const polled = await gw.app.inject({
        url: '/consumers/g-gaps/instances/c/records?timeout=200&max_bytes=60',
        headers: { accept: 'application/vnd.kafka.json.v2+json' },
      });
      values.push(...polled.json().map((r: { value: unknown }) => r.value));
    }
    expect(values).toEqual(expected);
    const empty = await gw.app.inject({ url: '/consumers/g-gaps/instances/c/records?timeout=100', headers: { accept: 'application/vnd.kafka.json.v2+json' } });
    expect(empty.json()).toEqual([]);
    // Committing the fetched positions: the next offset to read is the log end, so the group has no lag.
    await gw.app.inject({ method: 'POST', url: '/consumers/g-gaps/instances/c/offsets', headers: V2, payload: 'null' });
    const committed = await gw.app.inject({
      method: 'GET',
      url: '/consumers/g-gaps/instances/c/offsets',
      headers: V2,
      payload: { partitions: [{ topic: 'gaps-v2', partition: 0 }] },
    });
    expect(committed.json().offsets).toMatchObject([{ topic: 'gaps-v2', partition: 0, offset: 10 }]);
  });

  it('a WebSocket reader gets every survivor once, then new records', async () => {
    const expected = await gappy('gaps-ws');
    const client = await connectSocket(`${base.replace('http', 'ws')}/ws`);
    sockets.push(client);
    client.send({ type: 'assign', partitions: [{ topic: 'gaps-ws', partition: 0, offset: 'earliest' }] });
    const records = await takeRecords(client, expected.length);
    expect(records.map((r) => r.value)).toEqual(expected);
    expect(records.map((r) => r.offset)).toEqual([3, 5, 7, 8, 9]);
    await produce('gaps-ws', [['z', 'new']]);
    expect((await takeRecords(client, 1)).map((r) => [r.offset, r.value])).toEqual([[10, 'new']]);
  });

  it('an event stream resumed with Last-Event-ID inside the gaps loses nothing and repeats nothing', async () => {
    const expected = await gappy('gaps-sse');
    const first = await openEvents(`${base}${gw.v3}/topics/gaps-sse/events?from=earliest`);
    const seen = await takeEvents(first, 2);
    first.close();
    // Also resume from a token that points into a gap (offset 4, removed).
    const fromGap = await openEvents(`${base}${gw.v3}/topics/gaps-sse/events`, { 'last-event-id': '0:4' });
    expect((await takeEvents(fromGap, 4)).map((e) => JSON.parse(e.data!).value)).toEqual(expected.slice(1));
    fromGap.close();

    const second = await openEvents(`${base}${gw.v3}/topics/gaps-sse/events`, { 'last-event-id': seen.at(-1)!.id! });
    const rest = await takeEvents(second, 3);
    await expect(second.next((e) => e.event === 'record', 300)).rejects.toThrow();
    second.close();
    expect([...seen, ...rest].map((e) => JSON.parse(e.data!).value)).toEqual(expected);
  });

  it('every reader skips entries removed from the middle of a stream by hand (XDEL)', async () => {
    await createTopic('gaps-xdel', {});
    await gw.app.inject({
      method: 'POST',
      url: '/topics/gaps-xdel/partitions/0',
      headers: V2_JSON,
      payload: { records: Array.from({ length: 8 }, (_, i) => ({ value: i })) },
    });
    const keys = new LogKeys(gw.config.keyPrefix);
    // Offsets 2, 3 and 5: stream ids are 0-(offset+1).
    expect(await raw.xdel(keys.log('gaps-xdel', 0), '0-3', '0-4', '0-6')).toBe(3);
    const expected = [0, 1, 4, 6, 7];
    for (const pageSize of [1, 2, 3]) expect((await readAll('gaps-xdel', pageSize)).map((r) => r.value)).toEqual(expected);

    const client = await connectSocket(`${base.replace('http', 'ws')}/ws`);
    sockets.push(client);
    client.send({ type: 'assign', partitions: [{ topic: 'gaps-xdel', partition: 0, offset: 2 }] });
    expect((await takeRecords(client, 3)).map((r) => r.value)).toEqual([4, 6, 7]);

    const events = await openEvents(`${base}${gw.v3}/topics/gaps-xdel/events`, { 'last-event-id': '0:3' });
    expect((await takeEvents(events, 3)).map((e) => JSON.parse(e.data!).value)).toEqual([4, 6, 7]);
    events.close();
  });
});
