import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { RedisStreamsStore } from '../../src/log/redis/redis-streams-store.js';
import type { AppendRecord } from '../../src/log/store.js';
import { startRedis, uniquePrefix, type RedisServer } from '../support/redis.js';

const record = (value: string): AppendRecord => ({ key: null, value: Buffer.from(value), headers: [], timestamp: Date.now() });
const CREATE = { timestampType: 'CreateTime' } as const;

describe('offsets survive everything but a deleted partition', () => {
  let server: RedisServer;
  const prefix = uniquePrefix('dur');
  const open = () => RedisStreamsStore.open(loadConfig({ REDIS_URL: server.url, KEY_PREFIX: prefix }));

  beforeAll(async () => {
    server = await startRedis({ appendonly: true, appendfsync: 'always' });
  });
  afterAll(async () => server?.stop());

  it('never reuses an offset: trim all, restart the gateway, restart Redis with AOF, append again', async () => {
    let store = await open();
    expect((await store.append('t', 0, [record('a'), record('b'), record('c')], CREATE)).baseOffset).toBe(0);
    expect(await store.deleteRecordsBefore('t', 0, 3)).toBe(3);
    expect(await store.read('t', 0, 0, { maxRecords: 10, maxBytes: 1e6 })).toEqual([]);
    await store.close();

    store = await open(); // a gateway restart
    expect(await store.offsets('t', 0)).toEqual({ logStartOffset: 3, nextOffset: 3 });
    expect((await store.append('t', 0, [record('d')], CREATE)).baseOffset).toBe(3);
    await store.close();

    await server.restart(); // Redis restarts and replays its AOF
    store = await open();
    expect(await store.offsets('t', 0)).toEqual({ logStartOffset: 3, nextOffset: 4 });
    expect((await store.append('t', 0, [record('e'), record('f')], CREATE)).baseOffset).toBe(4);
    const read = await store.read('t', 0, 3, { maxRecords: 10, maxBytes: 1e6 });
    expect(read.map((r) => [r.offset, r.value?.toString()])).toEqual([
      [3, 'd'],
      [4, 'e'],
      [5, 'f'],
    ]);
    await store.close();
  });

  it('continues offsets when someone deletes a partition stream by hand', async () => {
    const store = await open();
    await store.append('hand', 0, [record('a'), record('b')], CREATE);
    const raw = new Redis(server.url);
    await raw.del(`${prefix}:{hand:0}:log`);
    raw.disconnect();
    expect((await store.append('hand', 0, [record('c')], CREATE)).baseOffset).toBe(2);
    await store.close();
  });

  it('refuses to append, writing nothing, when a partition stream went out of step with its metadata', async () => {
    const store = await open();
    await store.append('skew', 0, [record('a'), record('b')], CREATE);
    const raw = new Redis(server.url);
    await raw.del(`${prefix}:{skew:0}:meta`);
    await expect(store.append('skew', 0, [record('c'), record('d')], CREATE)).rejects.toMatchObject({ errorCode: 50002 });
    expect(await raw.xlen(`${prefix}:{skew:0}:log`)).toBe(2);
    raw.disconnect();
    await store.close();
  });

  it('refuses to append, writing nothing, when a partition stream is ahead of its metadata', async () => {
    const store = await open();
    await store.append('behind', 0, [record('a'), record('b')], CREATE);
    const raw = new Redis(server.url);
    await raw.hset(`${prefix}:{behind:0}:meta`, 'next', 1);
    const indexBefore = await raw.zcard(`${prefix}:{behind:0}:tidx`);
    const later = { key: null, value: Buffer.from('c'), headers: [], timestamp: Date.now() + 60_000 };
    await expect(store.append('behind', 0, [later], CREATE)).rejects.toMatchObject({ errorCode: 50002 });
    expect(await raw.xlen(`${prefix}:{behind:0}:log`)).toBe(2);
    expect(await raw.zcard(`${prefix}:{behind:0}:tidx`)).toBe(indexBefore);
    expect(await raw.hget(`${prefix}:{behind:0}:meta`, 'next')).toBe('1');
    raw.disconnect();
    await store.close();
  });

  it('writes nothing to any partition of a request when one of them is out of step', async () => {
    const store = await open();
    await store.append('skew-many', 1, [record('a')], CREATE);
    const raw = new Redis(server.url);
    await raw.hset(`${prefix}:{skew-many:1}:meta`, 'next', 7);
    const batches = [0, 1, 2].map((partition) => ({ partition, records: [record(`p${partition}`)] }));
    await expect(store.appendBatches('skew-many', batches, CREATE)).rejects.toMatchObject({ errorCode: 50002 });
    expect(await Promise.all([0, 1, 2].map((p) => raw.xlen(`${prefix}:{skew-many:${p}}:log`)))).toEqual([0, 1, 0]);
    raw.disconnect();
    await store.close();
  });
});

describe('start-up checks', () => {
  it('refuses a Redis whose eviction policy could delete partition streams', async () => {
    const lru = await startRedis({ args: ['--maxmemory-policy', 'allkeys-lru'] });
    try {
      await expect(RedisStreamsStore.open(loadConfig({ REDIS_URL: lru.url }))).rejects.toThrow(/maxmemory-policy 'allkeys-lru'.*noeviction/);
    } finally {
      await lru.stop();
    }
  });

  it('fails with a retriable 50301 while Redis is down and works again without reopening', async () => {
    const server = await startRedis({ appendonly: true });
    const store = await RedisStreamsStore.open(loadConfig({ REDIS_URL: server.url, KEY_PREFIX: uniquePrefix(), REDIS_COMMAND_TIMEOUT_MS: '300' }));
    try {
      await store.append('down', 0, [record('a')], CREATE);
      await server.kill();
      await expect(store.append('down', 0, [record('b')], CREATE)).rejects.toMatchObject({ errorCode: 50301, retriable: true });
      await expect(store.ping()).rejects.toMatchObject({ errorCode: 50301 });
      await server.start();
      const deadline = Date.now() + 15_000;
      let offset: number | undefined;
      while (offset === undefined && Date.now() < deadline) {
        offset = await store.append('down', 0, [record('c')], CREATE).then(
          (r) => r.baseOffset,
          () => undefined,
        );
        if (offset === undefined) await new Promise((r) => setTimeout(r, 100));
      }
      expect(offset).toBe(1);
    } finally {
      await store.close();
      await server.stop();
    }
  });
});
