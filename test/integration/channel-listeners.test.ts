import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelListeners } from '../../src/redis/connection.js';
import { startRedis, type RedisServer } from '../support/redis.js';

const subscribers = async (redis: Redis, channel: string) => Number(((await redis.call('PUBSUB', 'NUMSUB', channel)) as [string, number])[1]);
const until = async (check: () => Promise<boolean>) => {
  for (let i = 0; i < 100 && !(await check()); i++) await new Promise((r) => setTimeout(r, 20));
};

describe('ChannelListeners: the listeners of one pub/sub channel on one subscribed connection', () => {
  let server: RedisServer;
  let redis: Redis;

  beforeAll(async () => {
    server = await startRedis({ appendonly: false });
    // As the gateway opens its connections (createRedisConnection): lazily, so a duplicate connects when asked to.
    redis = new Redis(server.url, { lazyConnect: true });
    await redis.connect();
  });
  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  it('opens one subscription for listeners that arrive together, and gives each what the parser makes of a message', async () => {
    const channels = new ChannelListeners(redis, 'cl:one', (message) => message.split(','));
    const [a, b] = [[] as string[], [] as string[]];
    const [, removeB] = await Promise.all([channels.listen((item) => a.push(item)), channels.listen((item) => b.push(item))]);
    expect(await subscribers(redis, 'cl:one')).toBe(1);
    await redis.publish('cl:one', 'x,y');
    await until(async () => a.length === 2 && b.length === 2);
    expect([a, b]).toEqual([
      ['x', 'y'],
      ['x', 'y'],
    ]);
    removeB();
    await redis.publish('cl:one', 'z');
    await until(async () => a.length === 3);
    expect([a, b]).toEqual([
      ['x', 'y', 'z'],
      ['x', 'y'],
    ]);
    channels.close();
    await until(async () => (await subscribers(redis, 'cl:one')) === 0);
    expect(await subscribers(redis, 'cl:one')).toBe(0);
  });
});
