import type { InjectOptions } from 'fastify';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { suiteRedis } from '../support/redis.js';

let redis: Awaited<ReturnType<typeof suiteRedis>>;
let gw: TestGateway;

beforeAll(async () => {
  redis = await suiteRedis();
  gw = await startGateway({ redisUrl: redis.url, env: { MAX_MESSAGE_BYTES: '4096', MAX_BATCH_RECORDS: '500' } });
});
afterAll(async () => {
  await gw?.close();
  await redis?.stop();
});

const inject = (options: InjectOptions) => gw.app.inject(options);
const createTopic = (name: string, partitions = 1, configs: Array<{ name: string; value: string }> = []) =>
  inject({ method: 'POST', url: `${gw.v3}/topics`, payload: { topic_name: name, partitions_count: partitions, configs } });
const produceV3 = (topic: string, body: object | string) =>
  inject({
    method: 'POST',
    url: `${gw.v3}/topics/${topic}/records`,
    headers: { 'content-type': 'application/json' },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
const read = (topic: string, partition: number, query = '') => inject({ url: `${gw.v3}/topics/${topic}/partitions/${partition}/records?${query}` });
const produceV2 = (topic: string, format: string, body: object, path = '') =>
  inject({
    method: 'POST',
    url: `/topics/${topic}${path}`,
    headers: { 'content-type': `application/vnd.kafka.${format}.v2+json` },
    payload: JSON.stringify(body),
  });
const latestOffset = async (topic: string, partition: number) =>
  (await inject({ url: `/topics/${topic}/partitions/${partition}/offsets` })).json().end_offset as number;

describe('v3 produce', () => {
  it('appends records at dense offsets and reads them back byte-exact', async () => {
    await createTopic('exact');
    const binary = Buffer.from([0, 255, 1, 254, 10, 13, 0x80]);
    const produced = await produceV3('exact', {
      key: { type: 'BINARY', data: binary.toString('base64') },
      value: { type: 'BINARY', data: Buffer.from([0xde, 0xad, 0xbe, 0xef]).toString('base64') },
      headers: [
        { name: 'trace', value: Buffer.from([1, 2, 3]).toString('base64') },
        { name: 'trace', value: Buffer.from('second').toString('base64') },
        { name: 'empty', value: null },
      ],
      timestamp: '2024-03-01T12:00:00.123Z',
    });
    expect(produced.statusCode).toBe(200);
    expect(produced.json()).toMatchObject({
      error_code: 200,
      topic_name: 'exact',
      partition_id: 0,
      offset: 0,
      timestamp: '2024-03-01T12:00:00.123Z',
      key: { type: 'BINARY', size: 7 },
      value: { type: 'BINARY', size: 4 },
    });
    expect((await produceV3('exact', { value: { type: 'STRING', data: 'two' } })).json().offset).toBe(1);
    expect((await produceV3('exact', { key: { type: 'STRING', data: '' }, value: null })).json().offset).toBe(2);

    const records = (await read('exact', 0, 'offset=0&format=binary')).json().records;
    expect(records).toHaveLength(3);
    expect(Buffer.from(records[0].key, 'base64').equals(binary)).toBe(true);
    expect(records[0].value).toBe('3q2+7w==');
    expect(records[0].timestamp).toBe(Date.parse('2024-03-01T12:00:00.123Z'));
    expect(records[0].headers).toEqual([
      { name: 'trace', value: 'AQID' },
      { name: 'trace', value: Buffer.from('second').toString('base64') },
      { name: 'empty', value: null },
    ]);
    expect(records[1]).toMatchObject({ offset: 1, key: null, value: Buffer.from('two').toString('base64') });
    expect(records[2]).toMatchObject({ offset: 2, key: '', value: null });
  });

  it('stores JSON data as its JSON text and returns it as JSON', async () => {
    await createTopic('json-values');
    await produceV3('json-values', { key: { type: 'JSON', data: { id: 7 } }, value: { data: { name: 'ada', tags: ['x'], n: 1.5 } } });
    const [record] = (await read('json-values', 0)).json().records;
    expect(record.key).toEqual({ id: 7 });
    expect(record.value).toEqual({ name: 'ada', tags: ['x'], n: 1.5 });
    const [asString] = (await read('json-values', 0, 'format=string')).json().records;
    expect(asString.value).toBe('{"name":"ada","tags":["x"],"n":1.5}');
  });

  it('gives a keyed record the partition the Java client would', async () => {
    await createTopic('keyed', 12);
    const reference = kafkajs.Partitioners.JavaCompatiblePartitioner();
    const partitionMetadata = Array.from({ length: 12 }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
    for (const key of ['user-1', 'user-2', 'order-99', 'ü', 'a-much-longer-key-with-many-bytes-in-it']) {
      const produced = (await produceV3('keyed', { key: { type: 'STRING', data: key }, value: { data: 1 } })).json();
      expect(produced.partition_id).toBe(reference({ topic: 'keyed', partitionMetadata, message: { key: Buffer.from(key), value: null } }));
    }
  });

  it('keeps keyed order: one key always lands on one partition, in order', async () => {
    await createTopic('ordered', 4);
    const partitions = new Set<number>();
    for (let i = 0; i < 10; i++)
      partitions.add((await produceV3('ordered', { key: { type: 'STRING', data: 'same' }, value: { data: i } })).json().partition_id);
    expect(partitions.size).toBe(1);
    const [partition] = partitions;
    const values = (await read('ordered', partition)).json().records.map((r: { value: number }) => r.value);
    expect(values).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('spreads keyless records round-robin over all partitions', async () => {
    await createTopic('spread', 3);
    const partitions = [];
    for (let i = 0; i < 6; i++) partitions.push((await produceV3('spread', { value: { data: i } })).json().partition_id);
    expect(new Set(partitions).size).toBe(3);
    expect(partitions.slice(3)).toEqual(partitions.slice(0, 3));
  });

  it('lets an explicit partition win over the key', async () => {
    await createTopic('explicit', 5);
    const produced = (await produceV3('explicit', { partition_id: 4, key: { type: 'STRING', data: 'user-1' }, value: { data: 'x' } })).json();
    expect(produced.partition_id).toBe(4);
  });

  it('stamps the append time on LogAppendTime topics', async () => {
    await createTopic('append-time', 1, [{ name: 'message.timestamp.type', value: 'LogAppendTime' }]);
    const before = Date.now();
    const produced = (await produceV3('append-time', { value: { data: 1 }, timestamp: '2001-01-01T00:00:00Z' })).json();
    const stamped = Date.parse(produced.timestamp);
    expect(stamped).toBeGreaterThanOrEqual(before - 1000);
    const [record] = (await read('append-time', 0)).json().records;
    expect(record.timestamp).toBe(stamped);
  });

  it('answers a stream of records with one result per record, in order, and a bad one does not stop the rest', async () => {
    await createTopic('streaming', 1);
    const body = [
      JSON.stringify({ value: { data: 'a' } }),
      JSON.stringify({ value: { type: 'BINARY', data: '***' } }),
      JSON.stringify({ value: { data: 'c' } }),
    ].join('\n');
    const response = await produceV3('streaming', body);
    expect(response.statusCode).toBe(200);
    const lines = response.body
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({ error_code: 200, offset: 0 });
    expect(lines[1]).toMatchObject({ error_code: 422 });
    expect(lines[2]).toMatchObject({ error_code: 200, offset: 1 });
    expect((await read('streaming', 0, 'format=json')).json().records.map((r: { value: string }) => r.value)).toEqual(['a', 'c']);
  });

  it.each([
    ['an unknown partition', { partition_id: 9, value: { data: 1 } }, 404, 40402],
    ['bad base64', { value: { type: 'BINARY', data: 'not base64!' } }, 422, 422],
    ['a STRING given as a number', { value: { type: 'STRING', data: 5 } }, 422, 422],
    ['an unknown data type', { value: { type: 'XML', data: '<a/>' } }, 422, 422],
    ['an unknown field', { value: { data: 1 }, color: 'red' }, 422, 422],
    ['a bad timestamp', { value: { data: 1 }, timestamp: 'yesterday' }, 400, 40002],
    ['a negative partition', { partition_id: -1, value: { data: 1 } }, 422, 422],
    ['a header value that is not base64', { value: { data: 1 }, headers: [{ name: 'h', value: '%%%' }] }, 422, 422],
    ['an oversize record', { value: { type: 'STRING', data: 'x'.repeat(5000) } }, 413, 41301],
  ])('refuses %s with a Confluent error and writes nothing', async (_what, body, status, code) => {
    await createTopic('refusals', 2).catch(() => undefined);
    const before = [await latestOffset('refusals', 0), await latestOffset('refusals', 1)];
    const response = await produceV3('refusals', body);
    expect(response.statusCode).toBe(status);
    expect(response.json().error_code).toBe(code);
    expect(response.json().message).toEqual(expect.any(String));
    expect([await latestOffset('refusals', 0), await latestOffset('refusals', 1)]).toEqual(before);
  });

  it('answers malformed JSON with 400 and an unknown topic with 404/40401', async () => {
    await createTopic('malformed');
    const malformed = await produceV3('malformed', '{"value": {"data": 1}');
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error_code).toBe(400);
    expect(await latestOffset('malformed', 0)).toBe(0);
    const unknown = await produceV3('no-such-topic', { value: { data: 1 } });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error_code).toBe(40401);
  });
});

describe('v2 produce', () => {
  it('produces a JSON batch with per-record partition and offset results', async () => {
    await createTopic('v2-json', 2);
    const response = await produceV2('v2-json', 'json', {
      records: [
        { value: { a: 1 }, partition: 1 },
        { key: 'k', value: [1, 2] },
        { value: null, partition: 1 },
      ],
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/application\/vnd\.kafka\.v2\+json/);
    const body = response.json();
    expect(body.key_schema_id).toBeNull();
    expect(body.offsets[0]).toEqual({ partition: 1, offset: 0, error_code: null, error: null });
    expect(body.offsets[2]).toEqual({ partition: 1, offset: 1, error_code: null, error: null });
    expect(body.offsets[1].offset).toBe(0);
  });

  it('produces binary records byte-exact, also to a partition by path', async () => {
    await createTopic('v2-binary', 3);
    const bytes = Buffer.from([0, 1, 2, 250, 251, 252]);
    const response = await produceV2('v2-binary', 'binary', { records: [{ key: bytes.toString('base64'), value: bytes.toString('base64') }] }, '/partitions/2');
    expect(response.json().offsets[0]).toMatchObject({ partition: 2, offset: 0 });
    const [record] = (await read('v2-binary', 2, 'format=binary')).json().records;
    expect(Buffer.from(record.value, 'base64').equals(bytes)).toBe(true);
  });

  it('writes nothing when one record of a batch is bad', async () => {
    await createTopic('v2-atomic', 2);
    const badBase64 = await produceV2('v2-atomic', 'binary', { records: [{ value: 'AAAA' }, { value: '!!' }] });
    expect(badBase64.statusCode).toBe(422);
    const badPartition = await produceV2('v2-atomic', 'json', {
      records: [
        { value: 1, partition: 0 },
        { value: 2, partition: 7 },
      ],
    });
    expect(badPartition.statusCode).toBe(404);
    expect(badPartition.json().error_code).toBe(40402);
    const oversize = await produceV2('v2-atomic', 'json', {
      records: [
        { value: 1, partition: 0 },
        { value: 'x'.repeat(5000), partition: 0 },
      ],
    });
    expect(oversize.statusCode).toBe(413);
    const tooMany = await produceV2('v2-atomic', 'json', { records: Array.from({ length: 501 }, (_, i) => ({ value: i, partition: 0 })) });
    expect(tooMany.statusCode).toBe(413);
    expect([await latestOffset('v2-atomic', 0), await latestOffset('v2-atomic', 1)]).toEqual([0, 0]);
  });

  it.each([
    ['application/json', 415],
    ['text/plain', 415],
    ['application/vnd.kafka.xml.v2+json', 415],
  ])('refuses the content type %s', async (contentType, status) => {
    await createTopic('v2-types');
    const response = await inject({
      method: 'POST',
      url: '/topics/v2-types',
      headers: { 'content-type': contentType },
      payload: JSON.stringify({ records: [{ value: 1 }] }),
    });
    expect(response.statusCode).toBe(status);
    expect(response.json().error_code).toBe(status);
    expect(await latestOffset('v2-types', 0)).toBe(0);
  });

  it('refuses an empty or missing records list with 422', async () => {
    await createTopic('v2-empty');
    expect((await produceV2('v2-empty', 'json', { records: [] })).statusCode).toBe(422);
    expect((await produceV2('v2-empty', 'json', {})).statusCode).toBe(422);
  });

  it('lists and describes topics and partitions the v2 way', async () => {
    await createTopic('v2-meta', 2, [{ name: 'cleanup.policy', value: 'compact' }]);
    expect((await inject({ url: '/topics' })).json()).toContain('v2-meta');
    const topic = (await inject({ url: '/topics/v2-meta' })).json();
    expect(topic.name).toBe('v2-meta');
    expect(topic.configs['cleanup.policy']).toBe('compact');
    expect(topic.partitions).toHaveLength(2);
    expect((await inject({ url: '/topics/v2-meta/partitions/1' })).json()).toMatchObject({ partition: 1, leader: 0 });
    expect((await inject({ url: '/topics/v2-meta/partitions/2' })).json().error_code).toBe(40402);
    expect((await inject({ url: '/topics/nope' })).json().error_code).toBe(40401);
  });
});

describe('reading a partition', () => {
  it('reads from an offset with record and byte limits', async () => {
    await createTopic('reads');
    await produceV2('reads', 'json', { records: Array.from({ length: 10 }, (_, i) => ({ value: `v${i}-${'x'.repeat(100)}` })) });
    const page = (await read('reads', 0, 'offset=3&max_records=4')).json();
    expect(page.records.map((r: { offset: number }) => r.offset)).toEqual([3, 4, 5, 6]);
    expect(page).toMatchObject({ log_start_offset: 0, high_watermark: 10, next_offset: 7 });
    const small = (await read('reads', 0, 'offset=0&max_bytes=250')).json();
    expect(small.records.length).toBeGreaterThanOrEqual(1);
    expect(small.records.length).toBeLessThan(10);
    const tiny = (await read('reads', 0, 'offset=0&max_bytes=1')).json();
    expect(tiny.records).toHaveLength(1);
  });

  it('returns nothing at the end of the log and OFFSET_OUT_OF_RANGE past it', async () => {
    await createTopic('ends');
    await produceV2('ends', 'json', { records: [{ value: 1 }, { value: 2 }] });
    const atEnd = await read('ends', 0, 'offset=2');
    expect(atEnd.statusCode).toBe(200);
    expect(atEnd.json().records).toEqual([]);
    const past = await read('ends', 0, 'offset=3');
    expect(past.statusCode).toBe(416);
    expect(past.json().error_code).toBe(41601);
  });

  it('answers OFFSET_OUT_OF_RANGE below the log start after records were deleted', async () => {
    await createTopic('trimmed');
    await produceV2('trimmed', 'json', { records: [{ value: 1 }, { value: 2 }, { value: 3 }] });
    await gw.app.services.store.deleteRecordsBefore('trimmed', 0, 2);
    const below = await read('trimmed', 0, 'offset=1');
    expect(below.statusCode).toBe(416);
    expect(below.json().message).toMatch(/out of range/);
    const fromStart = (await read('trimmed', 0)).json();
    expect(fromStart.records.map((r: { offset: number }) => r.offset)).toEqual([2]);
    expect((await produceV2('trimmed', 'json', { records: [{ value: 4 }] })).json().offsets[0].offset).toBe(3);
  });

  it('reads from the first record whose timestamp is at or after a time', async () => {
    await createTopic('by-time');
    const times = [1_000, 5_000, 3_000, 9_000, 7_000];
    for (const t of times) await produceV3('by-time', { value: { data: t }, timestamp: t });
    const at = async (t: number) => (await inject({ url: `${gw.v3}/topics/by-time/partitions/0/offsets?timestamp=${t}` })).json();
    expect(await at(0)).toEqual({ offset: 0, timestamp: 1_000 });
    expect(await at(4_000)).toEqual({ offset: 1, timestamp: 5_000 });
    expect(await at(6_000)).toEqual({ offset: 3, timestamp: 9_000 });
    expect(await at(9_001)).toEqual({ offset: null, timestamp: null });
    const fromTime = (await read('by-time', 0, 'timestamp=8000')).json();
    expect(fromTime.records.map((r: { value: number }) => r.value)).toEqual([9_000, 7_000]);
  });

  it.each([
    ['offset=abc', 422],
    ['offset=-1', 422],
    ['max_records=0', 422],
    ['max_bytes=0', 422],
    ['format=xml', 422],
  ])('refuses the query %s', async (query, status) => {
    await createTopic('bad-reads');
    const response = await read('bad-reads', 0, query);
    expect(response.statusCode).toBe(status);
    expect(response.json().error_code).toBe(status);
  });

  it('answers an unknown topic or partition with 40401 / 40402', async () => {
    await createTopic('known');
    expect((await read('unknown', 0)).json().error_code).toBe(40401);
    expect((await read('known', 1)).json().error_code).toBe(40402);
  });
});
