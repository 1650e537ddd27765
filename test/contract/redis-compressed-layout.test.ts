import { gunzipSync } from 'node:zlib';
import { Decoder } from '@toondepauw/node-zstd';
import { Redis } from 'ioredis';
import { decompressFrameSync } from 'lz4-napi';
import { uncompressSync } from 'snappy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderEvents } from '../../bench/order-events.js';
import { loadConfig } from '../../src/config.js';
import type { RecordCodec } from '../../src/log/codecs.js';
import { RedisStreamsStore } from '../../src/log/redis/redis-streams-store.js';
import { startRedis, uniquePrefix, type RedisServer } from '../support/redis.js';

/** The stored layout README.md documents, read the way any Redis client would: XRANGE, HGET and the codec's own library. */
const CODECS: Record<RecordCodec, (bytes: Buffer) => Buffer> = {
  gzip: gunzipSync,
  snappy: (bytes) => uncompressSync(bytes) as Buffer,
  lz4: decompressFrameSync,
  zstd: (bytes) => new Decoder().decodeSync(bytes),
};

type Entry = [string, Buffer[]];
const fieldsOf = ([, fields]: Entry): Record<string, Buffer> =>
  Object.fromEntries(Array.from({ length: fields.length / 2 }, (_, i) => [fields[2 * i].toString(), fields[2 * i + 1]]));

describe('RedisStreamsStore: compressed records in Redis', () => {
  let server: RedisServer;
  let store: RedisStreamsStore;
  let redis: Redis;
  const prefix = uniquePrefix();
  const xrange = async (topic: string): Promise<Array<Record<string, Buffer>>> =>
    ((await redis.xrangeBuffer(`${prefix}:{${topic}:0}:log`, '-', '+')) as unknown as Entry[]).map(fieldsOf);

  beforeAll(async () => {
    server = await startRedis();
    store = await RedisStreamsStore.open(loadConfig({ REDIS_URL: server.url, KEY_PREFIX: prefix }));
    redis = new Redis(server.url);
  });
  afterAll(async () => {
    redis?.disconnect();
    await store?.close();
    await server?.stop();
  });

  it.each(Object.keys(CODECS) as RecordCodec[])('stores a %s value compressed, marked by the entry field c, readable with the codec alone', async (codec) => {
    const value = Buffer.from(JSON.stringify({ codec, padding: 'order '.repeat(300) }));
    await store.append(`layout-${codec}`, 0, [{ key: Buffer.from('k'), value, headers: [], timestamp: 1 }], {
      timestampType: 'CreateTime',
      compression: codec,
    });
    const [entry] = await xrange(`layout-${codec}`);
    expect(entry.c.toString()).toBe(codec);
    expect(entry.k.toString()).toBe('k');
    expect(entry.v.length).toBeLessThan(value.length / 4);
    expect(CODECS[codec](entry.v)).toEqual(value);
  });

  it('stores a value that would not get smaller as it is, without the marker', async () => {
    const value = Buffer.from('tiny');
    await store.append('layout-tiny', 0, [{ key: null, value, headers: [], timestamp: 1 }], { timestampType: 'CreateTime', compression: 'gzip' });
    const [entry] = await xrange('layout-tiny');
    expect(entry.c).toBeUndefined();
    expect(entry.v).toEqual(value);
  });

  it("names the topic's zstd dictionary in the marker once it has one; the dictionary is in the topic's hash", async () => {
    const events = orderEvents(60);
    await store.append(
      'layout-dictionary',
      0,
      events.slice(0, 30).map((value) => ({ key: null, value, headers: [], timestamp: 1 })),
      { timestampType: 'CreateTime', compression: 'zstd', topicId: 'a' },
    );
    await store.append(
      'layout-dictionary',
      0,
      events.slice(30).map((value) => ({ key: null, value, headers: [], timestamp: 1 })),
      { timestampType: 'CreateTime', compression: 'zstd', topicId: 'a' },
    );
    const entries = await xrange('layout-dictionary');
    const marker = entries[59].c.toString();
    expect(marker).toMatch(/^zstd:[0-9a-f]{12}$/);
    const dictionary = await redis.hgetBuffer(`${prefix}:{layout-dictionary}:zdicts`, marker.slice(5));
    expect(await redis.hget(`${prefix}:{layout-dictionary}:zdicts`, 'current')).toBe(marker.slice(5));
    const decoder = new Decoder(dictionary!);
    entries.forEach((entry, i) => {
      const bytes = entry.c.toString() === 'zstd' ? new Decoder().decodeSync(entry.v) : decoder.decodeSync(entry.v);
      expect(bytes).toEqual(events[i]);
    });
    const stored = entries.slice(30).reduce((sum, e) => sum + e.v.length, 0);
    const original = events.slice(30).reduce((sum, e) => sum + e.length, 0);
    expect(stored / original).toBeLessThan(0.35);
  });

  it('lets two gateways that make a dictionary at once agree on one, and each reads what the other wrote', async () => {
    const other = await RedisStreamsStore.open(loadConfig({ REDIS_URL: server.url, KEY_PREFIX: prefix }));
    try {
      const events = orderEvents(80);
      const batch = (from: number) => events.slice(from, from + 20).map((value) => ({ key: null, value, headers: [], timestamp: 1 }));
      const options = { timestampType: 'CreateTime', compression: 'zstd', topicId: 'shared' } as const;
      await Promise.all([store.append('layout-shared', 0, batch(0), options), other.append('layout-shared', 0, batch(20), options)]);
      await Promise.all([store.append('layout-shared', 0, batch(40), options), other.append('layout-shared', 0, batch(60), options)]);
      const markers = new Set((await xrange('layout-shared')).slice(40).map((entry) => entry.c.toString()));
      expect(markers.size).toBe(1);
      expect([...markers][0]).toBe(`zstd:${await redis.hget(`${prefix}:{layout-shared}:zdicts`, 'current')}`);
      const all = { maxRecords: 100, maxBytes: 1 << 24 };
      const [mine, theirs] = await Promise.all([store.read('layout-shared', 0, 0, all), other.read('layout-shared', 0, 0, all)]);
      expect(mine.map((r) => r.value)).toEqual(theirs.map((r) => r.value));
      expect(new Set(mine.map((r) => r.value!.toString()))).toEqual(new Set(events.map((e) => e.toString())));
    } finally {
      await other.close();
    }
  });

  it('deletes the dictionaries with the topic, and a topic created again under the name makes its own', async () => {
    const meta = { name: 'layout-again', topicId: 'first', partitions: 1, replicationFactor: 1, configs: {}, createdAt: 1 };
    await store.createTopic(meta);
    const events = orderEvents(40);
    const records = events.map((value) => ({ key: null, value, headers: [], timestamp: 1 }));
    await store.append('layout-again', 0, records, { timestampType: 'CreateTime', compression: 'zstd', topicId: 'first' });
    await store.deleteTopic('layout-again');
    expect(await redis.exists(`${prefix}:{layout-again}:zdicts`)).toBe(0);
    await store.createTopic({ ...meta, topicId: 'second' });
    await store.append('layout-again', 0, records.slice(0, 1), { timestampType: 'CreateTime', compression: 'zstd', topicId: 'second' });
    const [entry] = await xrange('layout-again');
    expect(entry.c.toString()).toBe('zstd');
    expect((await store.read('layout-again', 0, 0, { maxRecords: 10, maxBytes: 1 << 20 }))[0].value).toEqual(events[0]);
  });
});
