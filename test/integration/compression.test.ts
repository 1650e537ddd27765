import type { InjectOptions } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderEvents } from '../../bench/order-events.js';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { suiteRedis, uniquePrefix } from '../support/redis.js';
import { openEvents, takeEvents } from '../support/sse-client.js';

let redis: Awaited<ReturnType<typeof suiteRedis>>;
let client: Redis;
let gw: TestGateway;
let base: string;
const prefix = uniquePrefix('cmp');

beforeAll(async () => {
  redis = await suiteRedis();
  client = new Redis(redis.url);
  gw = await startGateway({ redisUrl: redis.url, prefix });
  await gw.app.listen({ port: 0, host: '127.0.0.1' });
  const address = gw.app.server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(async () => {
  client?.disconnect();
  await gw?.close();
  await redis?.stop();
});

const V2 = 'application/vnd.kafka.v2+json';
const inject = (options: InjectOptions) => gw.app.inject(options);
const createTopic = (name: string, configs: Record<string, string>) =>
  inject({
    method: 'POST',
    url: `${gw.v3}/topics`,
    payload: { topic_name: name, partitions_count: 1, configs: Object.entries(configs).map(([name, value]) => ({ name, value })) },
  });
const produceV2 = (topic: string, values: unknown[], headers: Record<string, string> = {}) =>
  inject({
    method: 'POST',
    url: `/topics/${topic}/partitions/0`,
    headers: { 'content-type': 'application/vnd.kafka.json.v2+json', ...headers },
    payload: { records: values.map((value) => ({ value })) },
  });
const produceV3 = (topic: string, value: unknown, headers: Record<string, string> = {}) =>
  inject({
    method: 'POST',
    url: `${gw.v3}/topics/${topic}/records`,
    headers: { 'content-type': 'application/json', ...headers },
    payload: { partition_id: 0, value: { type: 'JSON', data: value } },
  });
const readV3 = async (topic: string) => (await inject({ url: `${gw.v3}/topics/${topic}/partitions/0/records?offset=0&max_records=1000` })).json();
/** The `c` field of every entry of partition 0, as any Redis client sees it. */
const storedCodecs = async (topic: string) =>
  ((await client.xrange(`${prefix}:{${topic}:0}:log`, '-', '+')) as Array<[string, string[]]>).map(([, fields]) => {
    const at = fields.indexOf('c');
    return at < 0 ? null : fields[at + 1].replace(/:.*/, '');
  });

const events = orderEvents(60).map((bytes) => JSON.parse(bytes.toString()) as Record<string, unknown>);

describe('compression.type', () => {
  it('stores a zstd topic compressed and every reader gets the records as produced: v3 reads, v2 consumers, Server-Sent Events', async () => {
    expect((await createTopic('orders-zstd', { 'compression.type': 'zstd' })).statusCode).toBe(201);
    expect((await produceV2('orders-zstd', events.slice(0, 59))).statusCode).toBe(200);
    expect((await produceV3('orders-zstd', events[59])).json().error_code).toBe(200);
    expect(new Set(await storedCodecs('orders-zstd'))).toEqual(new Set(['zstd']));

    const read = await readV3('orders-zstd');
    expect(read.records.map((r: { value: unknown }) => r.value)).toEqual(events);

    await inject({
      method: 'POST',
      url: '/consumers/g-zstd',
      headers: { 'content-type': V2 },
      payload: { name: 'c', format: 'json', 'auto.offset.reset': 'earliest' },
    });
    await inject({ method: 'POST', url: '/consumers/g-zstd/instances/c/subscription', headers: { 'content-type': V2 }, payload: { topics: ['orders-zstd'] } });
    const polled = [];
    while (polled.length < events.length) {
      const batch = (
        await inject({ url: '/consumers/g-zstd/instances/c/records?timeout=2000', headers: { accept: 'application/vnd.kafka.json.v2+json' } })
      ).json();
      if (batch.length === 0) break;
      polled.push(...batch);
    }
    expect(polled.map((r: { value: unknown }) => r.value)).toEqual(events);
    await inject({ method: 'DELETE', url: '/consumers/g-zstd/instances/c' });

    const stream = await openEvents(`${base}${gw.v3}/topics/orders-zstd/events?from=earliest`);
    const seen = await takeEvents(stream, events.length);
    stream.close();
    expect(seen.map((e) => JSON.parse(e.data!).value)).toEqual(events);
  });

  it('decodes schema formats from compressed records: Avro produced to a zstd topic reads back as JSON', async () => {
    await createTopic('avro-zstd', { 'compression.type': 'zstd' });
    const schema = JSON.stringify({ type: 'record', name: 'Line', fields: [{ name: 'text', type: 'string' }] });
    const lines = Array.from({ length: 3 }, (_, i) => ({ text: `order line ${i} `.repeat(20) }));
    const produced = await inject({
      method: 'POST',
      url: '/topics/avro-zstd/partitions/0',
      headers: { 'content-type': 'application/vnd.kafka.avro.v2+json' },
      payload: { value_schema: schema, records: lines.map((value) => ({ value })) },
    });
    expect(produced.statusCode).toBe(200);
    expect(await storedCodecs('avro-zstd')).toEqual(['zstd', 'zstd', 'zstd']);
    const read = await inject({ url: `${gw.v3}/topics/avro-zstd/partitions/0/records?format=avro&offset=0` });
    expect(read.json().records.map((r: { value: unknown }) => r.value)).toEqual(lines);
  });

  it.each(['gzip', 'snappy', 'lz4'])('stores a %s topic with that codec and reads it back', async (codec) => {
    await createTopic(`orders-${codec}`, { 'compression.type': codec });
    await produceV2(`orders-${codec}`, events.slice(0, 5));
    expect(await storedCodecs(`orders-${codec}`)).toEqual([codec, codec, codec, codec, codec]);
    expect((await readV3(`orders-${codec}`)).records.map((r: { value: unknown }) => r.value)).toEqual(events.slice(0, 5));
  });

  it("keeps the producer's codec on a producer topic (Compression-Type header), none without one, and the topic's own codec over it", async () => {
    await createTopic('by-producer', { 'compression.type': 'producer' });
    await produceV2('by-producer', [events[0]], { 'compression-type': 'gzip' });
    await produceV3('by-producer', events[1], { 'compression-type': 'lz4' });
    await produceV2('by-producer', [events[2]]);
    expect(await storedCodecs('by-producer')).toEqual(['gzip', 'lz4', null]);

    await createTopic('topic-wins', { 'compression.type': 'snappy' });
    await produceV2('topic-wins', [events[0]], { 'compression-type': 'zstd' });
    await createTopic('plain', { 'compression.type': 'uncompressed' });
    await produceV2('plain', [events[0]], { 'compression-type': 'zstd' });
    expect([...(await storedCodecs('topic-wins')), ...(await storedCodecs('plain'))]).toEqual(['snappy', null]);
    expect((await readV3('by-producer')).records.map((r: { value: unknown }) => r.value)).toEqual(events.slice(0, 3));
  });

  it('refuses an unknown Compression-Type as an invalid request (422) and writes nothing', async () => {
    await createTopic('bad-codec', { 'compression.type': 'producer' });
    const v2 = await produceV2('bad-codec', [events[0]], { 'compression-type': 'brotli' });
    const v3 = await produceV3('bad-codec', events[0], { 'compression-type': 'brotli' });
    for (const response of [v2, v3]) {
      expect(response.statusCode).toBe(422);
      expect(response.json()).toEqual({ error_code: 422, message: expect.stringContaining('compression-type') });
    }
    expect(await storedCodecs('bad-codec')).toEqual([]);
  });

  it('applies a changed compression.type to new records; the old ones stay readable', async () => {
    await createTopic('changing', { 'compression.type': 'gzip' });
    await produceV2('changing', events.slice(0, 2));
    const altered = await inject({
      method: 'PUT',
      url: `${gw.v3}/topics/changing/configs/compression.type`,
      payload: { value: 'zstd' },
    });
    expect(altered.statusCode).toBe(204);
    await produceV2('changing', events.slice(2, 4));
    expect(await storedCodecs('changing')).toEqual(['gzip', 'gzip', 'zstd', 'zstd']);
    expect((await readV3('changing')).records.map((r: { value: unknown }) => r.value)).toEqual(events.slice(0, 4));
  });
});
