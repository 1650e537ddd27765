/**
 * A Redis that loses its data under a running gateway (restarted without it, flushed) is noticed,
 * and the gateway refuses to serve it rather than restart offsets at 0 or re-create topics; a
 * Redis that restarts with its append-only file is served on.
 */
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { RedisStreamsStore } from '../../src/log/redis/redis-streams-store.js';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { startRedis, uniquePrefix, type RedisServer, type RedisServerOptions } from '../support/redis.js';

const servers: RedisServer[] = [];
const gateways: TestGateway[] = [];
afterAll(async () => {
  await Promise.all(gateways.map((gw) => gw.close()));
  await Promise.all(servers.map((server) => server.stop()));
});

async function setUp(options: RedisServerOptions = {}, env: Record<string, string> = {}) {
  const server = await startRedis(options);
  servers.push(server);
  const gw = await startGateway({ redisUrl: server.url, env: { REDIS_COMMAND_TIMEOUT_MS: '500', ...env } });
  gateways.push(gw);
  const created = await gw.app.inject({ method: 'POST', url: `${gw.v3}/topics`, payload: { topic_name: 'orders', partitions_count: 2 } });
  expect(created.statusCode).toBe(201);
  expect((await produce(gw)).statusCode).toBe(200);
  return { server, gw };
}

const produce = (gw: TestGateway) =>
  gw.app.inject({
    method: 'POST',
    url: '/topics/orders',
    headers: { 'content-type': 'application/vnd.kafka.json.v2+json' },
    payload: {
      records: [
        { key: 'a', value: 1 },
        { key: 'b', value: 2 },
        { key: 'c', value: 3 },
      ],
    },
  });

async function eventually<T>(attempt: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await attempt();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const LOST = /Redis lost this store's data.*refuses to serve it rather than restart offsets at 0/;

async function flushAll(server: RedisServer): Promise<void> {
  const admin = new Redis(server.url);
  await admin.flushall();
  admin.disconnect();
}

async function keysOf(server: RedisServer): Promise<string[]> {
  const admin = new Redis(server.url);
  try {
    return await admin.keys('*');
  } finally {
    admin.disconnect();
  }
}

describe('a Redis that lost its data under a running gateway', () => {
  it('refuses every request once Redis is flushed, and re-creates nothing', async () => {
    const { server, gw } = await setUp();
    await flushAll(server);

    for (const request of [
      () => produce(gw),
      () => gw.app.inject({ url: `${gw.v3}/topics/orders` }),
      () => gw.app.inject({ url: `${gw.v3}/topics/orders/partitions/0/records?offset=0` }),
      () => gw.app.inject({ method: 'POST', url: `${gw.v3}/topics`, payload: { topic_name: 'orders' } }),
      () => gw.app.inject({ url: '/ready' }),
    ]) {
      const response = await request();
      expect(response.statusCode, response.body).toBe(500);
      expect(response.json()).toMatchObject({ error_code: 50002, message: expect.stringMatching(LOST) });
      expect(response.headers['retry-after']).toBeUndefined();
    }
    // Liveness stays up: restarting the gateway is what would start a new store on the empty Redis.
    expect((await gw.app.inject({ url: '/health' })).statusCode).toBe(200);
    expect(await keysOf(server)).toEqual([]);
  });

  it('notices a Redis restarted without its data, and never answers offset 0 again', async () => {
    const { server, gw } = await setUp({ appendonly: false }, { ALLOW_NON_DURABLE_REDIS: 'true' });
    await server.restart();

    const answered = await eventually(
      () => produce(gw),
      (response) => response.statusCode !== 503,
    );
    expect(answered.statusCode, answered.body).toBe(500);
    expect(answered.json().message).toMatch(LOST);
    const recreate = await gw.app.inject({ method: 'POST', url: `${gw.v3}/topics`, payload: { topic_name: 'orders', partitions_count: 2 } });
    expect(recreate.json()).toMatchObject({ error_code: 50002, message: expect.stringMatching(LOST) });
    expect((await produce(gw)).statusCode).toBe(500);
    expect(await keysOf(server)).toEqual([]);
  });

  it('notices on its own, without a request, and says so at error level', async () => {
    const server = await startRedis();
    servers.push(server);
    const errors: string[] = [];
    const log = { error: (_: object, message: string) => errors.push(message), warn: () => undefined, info: () => undefined };
    const store = await RedisStreamsStore.open(loadConfig({ REDIS_URL: server.url, KEY_PREFIX: uniquePrefix() }), log);
    try {
      await flushAll(server);
      await eventually(
        async () => errors.length,
        (count) => count > 0,
        10_000,
      );
      expect(errors).toEqual([expect.stringMatching(/REDIS LOST THIS STORE'S DATA/)]);
      await expect(store.offsets('t', 0)).rejects.toMatchObject({ errorCode: 50002, retriable: false });
    } finally {
      await store.close();
    }
  });

  it('serves on after Redis restarts with its append-only file, killed or shut down', async () => {
    const { server, gw } = await setUp({ appendfsync: 'always' });
    await server.restart();
    const afterRestart = await eventually(
      () => produce(gw),
      (response) => response.statusCode === 200,
    );
    expect(afterRestart.statusCode, afterRestart.body).toBe(200);

    await server.crash();
    await server.start();
    const afterCrash = await eventually(
      () => produce(gw),
      (response) => response.statusCode === 200,
    );
    expect(afterCrash.statusCode, afterCrash.body).toBe(200);
    expect((await gw.app.inject({ url: '/ready' })).statusCode).toBe(200);

    // Three records per request over two partitions: 9 in all, at offsets that continued.
    const ends = await Promise.all([0, 1].map(async (p) => (await gw.app.inject({ url: `/topics/orders/partitions/${p}/offsets` })).json().end_offset));
    expect(ends[0] + ends[1]).toBe(9);
  });
});
