/**
 * What the gateway says about durability comes from Redis itself, and a Redis that would lose
 * acknowledged records on a restart is refused at start unless the operator accepts it.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { startRedis, type RedisServer, type RedisServerOptions } from '../support/redis.js';

const servers: RedisServer[] = [];
const gateways: TestGateway[] = [];

async function redis(options: RedisServerOptions): Promise<RedisServer> {
  const server = await startRedis(options);
  servers.push(server);
  return server;
}

async function gateway(server: RedisServer, env: Record<string, string> = {}): Promise<TestGateway> {
  const gw = await startGateway({ redisUrl: server.url, env });
  gateways.push(gw);
  return gw;
}

afterAll(async () => {
  await Promise.all(gateways.map((gw) => gw.close()));
  await Promise.all(servers.map((server) => server.stop()));
});

const health = async (gw: TestGateway, url = '/health') => (await gw.app.inject({ url })).json();

describe('durability as Redis reports it', () => {
  it.each([
    [{ appendfsync: 'always' } as const, { mode: 'aof-always', appendonly: 'yes', appendfsync: 'always', save: '' }, true],
    [{ appendfsync: 'everysec' } as const, { mode: 'aof-everysec', appendonly: 'yes', appendfsync: 'everysec', save: '' }, false],
    [{ appendfsync: 'no' } as const, { mode: 'aof-no', appendonly: 'yes', appendfsync: 'no', save: '' }, false],
  ])('reports an append-only file with %j', async (options, durability, durable) => {
    const gw = await gateway(await redis(options));
    expect(await health(gw)).toEqual({ status: 'UP', store: 'redis', durable, durability });
    expect(await health(gw, '/ready')).toEqual({ status: 'READY', store: 'redis', durable, durability });
  });

  it('reports RDB snapshots alone, and nothing at all, as not durable (with the opt-in)', async () => {
    const snapshots = await gateway(await redis({ appendonly: false, args: ['--save', '3600 1'] }), { ALLOW_NON_DURABLE_REDIS: 'true' });
    expect((await health(snapshots)).durability).toEqual({ mode: 'rdb-snapshots', appendonly: 'no', appendfsync: 'everysec', save: '3600 1' });
    expect((await health(snapshots)).durable).toBe(false);
    const nothing = await gateway(await redis({ appendonly: false }), { ALLOW_NON_DURABLE_REDIS: 'true' });
    expect(await health(nothing, '/ready')).toMatchObject({ status: 'READY', durable: false, durability: { mode: 'none', appendonly: 'no', save: '' } });
  });

  it('reports unknown when Redis will not answer CONFIG', async () => {
    const server = await redis({ args: ['--rename-command', 'CONFIG', ''] });
    await expect(startGateway({ redisUrl: server.url })).rejects.toThrow(
      /does not let the gateway read its persistence settings.*ALLOW_NON_DURABLE_REDIS=true/,
    );
    const gw = await gateway(server, { ALLOW_NON_DURABLE_REDIS: 'true' });
    expect(await health(gw, '/ready')).toEqual({
      status: 'READY',
      store: 'redis',
      durable: false,
      durability: { mode: 'unknown', appendonly: null, appendfsync: null, save: null },
    });
  });

  it('shows a persistence change made at runtime on /ready', async () => {
    const server = await redis({ appendfsync: 'everysec' });
    const gw = await gateway(server);
    const admin = new Redis(server.url);
    try {
      const readyUntil = async (mode: string) => {
        const deadline = Date.now() + 10_000;
        let body = await health(gw, '/ready');
        while (body.durability?.mode !== mode && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 200));
          body = await health(gw, '/ready');
        }
        return body;
      };
      await admin.config('SET', 'appendfsync', 'always');
      expect(await readyUntil('aof-always')).toMatchObject({ status: 'READY', durable: true });
      await admin.config('SET', 'appendonly', 'no');
      expect(await readyUntil('none')).toMatchObject({ status: 'READY', durable: false, durability: { appendonly: 'no' } });
      expect((await health(gw)).durability.mode).toBe('none');
    } finally {
      admin.disconnect();
    }
  });

  it('reports the in-memory store as keeping nothing', async () => {
    const gw = await startGateway();
    gateways.push(gw);
    expect(await health(gw)).toEqual({
      status: 'UP',
      store: 'memory',
      durable: false,
      durability: { mode: 'none', appendonly: null, appendfsync: null, save: null },
    });
  });
});

describe('start-up on a Redis without an append-only file', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await redis({ appendonly: false });
  });

  it('refuses to start, saying what to run or which variable to set', async () => {
    const refused = startGateway({ redisUrl: server.url });
    await expect(refused).rejects.toThrow(/runs without an append-only file.*restart loses every acknowledged record and restarts offsets at 0/);
    await expect(refused).rejects.toThrow(/CONFIG SET appendonly yes.*ALLOW_NON_DURABLE_REDIS=true/);
  });

  it('starts when ALLOW_NON_DURABLE_REDIS=true says losing data is acceptable', async () => {
    const gw = await gateway(server, { ALLOW_NON_DURABLE_REDIS: 'true' });
    expect((await gw.app.inject({ method: 'POST', url: `${gw.v3}/topics`, payload: { topic_name: 'scratch' } })).statusCode).toBe(201);
    expect((await health(gw)).durability.mode).toBe('none');
  });
});
