import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TickPipeline } from '../../src/redis/tick-pipeline.js';
import { startRedis, type RedisServer } from '../support/redis.js';

describe('TickPipeline: the reads of one turn go to Redis together', () => {
  let server: RedisServer;
  let redis: Redis;

  beforeAll(async () => {
    server = await startRedis({ appendonly: false });
    redis = new Redis(server.url);
    await redis.xadd('tick:s', '0-1', 'v', 'a');
    await redis.xadd('tick:s', '0-2', 'v', 'b');
    await redis.hset('tick:h', 'next', '2');
  });

  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  it('answers each command of one turn with its own reply, in one pipeline', async () => {
    const pipelines = vi.spyOn(redis, 'pipeline');
    const reads = new TickPipeline(redis);
    const [entries, fields, buffers] = await Promise.all([
      reads.send<Array<[string, string[]]>>('XRANGE', ['tick:s', '0-2', '+']),
      reads.send<Array<string | null>>('HMGET', ['tick:h', 'next', 'start']),
      reads.send<Array<[Buffer, Buffer[]]>>('XRANGE', ['tick:s', '-', '+', 'COUNT', 1], true),
    ]);
    expect(pipelines).toHaveBeenCalledTimes(1);
    expect(entries).toEqual([['0-2', ['v', 'b']]]);
    expect(fields).toEqual(['2', null]);
    expect(Buffer.isBuffer(buffers[0][0])).toBe(true);
    expect(buffers[0][1][1].toString()).toBe('a');
    pipelines.mockRestore();
  });

  it('fails only the command Redis refused, not the others of its turn', async () => {
    const reads = new TickPipeline(redis);
    const results = await Promise.allSettled([reads.send('XRANGE', ['tick:h', '-', '+']), reads.send('HMGET', ['tick:h', 'next'])]);
    expect(results[0].status).toBe('rejected');
    expect(String((results[0] as PromiseRejectedResult).reason)).toMatch(/WRONGTYPE/);
    expect(results[1]).toEqual({ status: 'fulfilled', value: ['2'] });
  });

  it('sends a lone command without a pipeline, and commands of later turns in later pipelines', async () => {
    const pipelines = vi.spyOn(redis, 'pipeline');
    const reads = new TickPipeline(redis);
    expect(await reads.send('HMGET', ['tick:h', 'next'])).toEqual(['2']);
    expect(pipelines).not.toHaveBeenCalled();
    await Promise.all([reads.send('HMGET', ['tick:h', 'next']), reads.send('HMGET', ['tick:h', 'next'])]);
    await Promise.all([reads.send('HMGET', ['tick:h', 'next']), reads.send('HMGET', ['tick:h', 'next'])]);
    expect(pipelines).toHaveBeenCalledTimes(2);
    pipelines.mockRestore();
  });

  it('rejects every command of the turn when the connection cannot send', async () => {
    const closed = new Redis(server.url, { lazyConnect: true, enableOfflineQueue: false, retryStrategy: () => null });
    closed.on('error', () => undefined);
    const reads = new TickPipeline(closed);
    const results = await Promise.allSettled([reads.send('HMGET', ['tick:h', 'next']), reads.send('HMGET', ['tick:h', 'next'])]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    closed.disconnect();
  });
});
