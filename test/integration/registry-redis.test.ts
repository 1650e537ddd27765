/**
 * What only a shared, durable store can prove: gateways registering at the same time agree on
 * one id and one version, ids survive restarts and are never reused, every key shares one hash
 * tag (Redis Cluster), and a Redis outage is a retriable 5xx that heals by itself.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, createRedisConnection } from '../../src/redis/connection.js';
import { RedisRegistryStore } from '../../src/registry/redis/redis-registry-store.js';
import { openRegistry } from '../../src/registry/open.js';
import { RegistryService } from '../../src/registry/registry-service.js';
import { startRedisCluster, type RedisCluster } from '../support/cluster.js';
import { startRedis, uniquePrefix, type RedisServer } from '../support/redis.js';
import { avroUser, startRegistryGateway } from './registry-support.js';

let server: RedisServer;
const services: RegistryService[] = [];

beforeAll(async () => {
  server = await startRedis({ appendonly: true });
});
afterAll(async () => {
  await Promise.all(services.map((service) => service.close().catch(() => undefined)));
  await server?.stop();
});

/** A registry as one gateway process has it: its own connection to the shared Redis. */
async function gatewayRegistry(prefix: string): Promise<RegistryService> {
  const connection = createRedisConnection({ redisUrl: server.url, redisClusterNodes: undefined, redisCommandTimeoutMs: 2000 });
  await connectRedis(connection);
  const service = new RegistryService(new RedisRegistryStore(connection, prefix));
  services.push(service);
  return service;
}

const field = (i: number) => ({ name: `f${i}`, type: 'string', default: '' });

describe('registries of several gateways on one Redis', () => {
  it('agree on one id and one version when registering the same schema at once', async () => {
    const prefix = uniquePrefix();
    const [a, b] = [await gatewayRegistry(prefix), await gatewayRegistry(prefix)];
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).register('orders-value', { schema: avroUser() })));
    expect(new Set(results.map((result) => `${result.id}/${result.version}`))).toEqual(new Set(['1/1']));
    expect(await a.listVersions('orders-value')).toEqual([1]);
  });

  it('agree on one id for the same schema registered under many subjects at once', async () => {
    const prefix = uniquePrefix();
    const [a, b] = [await gatewayRegistry(prefix), await gatewayRegistry(prefix)];
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).register(`subject-${i}`, { schema: avroUser() })));
    expect(new Set(results.map((result) => result.id)).size).toBe(1);
    expect(await b.subjectsOfId(results[0].id)).toHaveLength(10);
  });

  it('give different schemas registered at once distinct ids and consecutive versions', async () => {
    const prefix = uniquePrefix();
    const [a, b] = [await gatewayRegistry(prefix), await gatewayRegistry(prefix)];
    const schemas = Array.from({ length: 8 }, (_, i) => avroUser([{ name: 'name', type: 'string' }, ...Array.from({ length: i }, (_, j) => field(j))]));
    const results = await Promise.all(schemas.map((schema, i) => (i % 2 ? a : b).register('growing', { schema })));
    expect(new Set(results.map((result) => result.id)).size).toBe(8);
    expect(results.map((result) => result.version).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(await a.listVersions('growing')).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});

describe('schema ids', () => {
  it('survive a restart of the gateway and of Redis, and are never handed out again', async () => {
    const prefix = uniquePrefix();
    const before = await gatewayRegistry(prefix);
    const first = await before.register('kept', { schema: avroUser() });
    const second = await before.register('kept', { schema: avroUser([{ name: 'name', type: 'string' }, field(1)]) });
    await before.deleteSubject('kept');
    await before.deleteSubject('kept', { permanent: true });
    await before.close();

    await server.restart();
    const after = await gatewayRegistry(prefix);
    expect((await after.register('kept', { schema: avroUser() })).id).toBe(first.id);
    const fresh = await after.register('other', { schema: '"string"' });
    expect(fresh.id).toBeGreaterThan(second.id);
  });

  it('keep every key of the registry under the one {registry} hash tag', async () => {
    const prefix = uniquePrefix();
    const registry = await gatewayRegistry(prefix);
    await registry.register('tagged', { schema: avroUser() });
    await registry.settings.setConfig('tagged', { compatibility: 'FULL' });
    const inspector = new Redis(server.url);
    const keys = await inspector.keys(`${prefix}*`);
    inspector.disconnect();
    expect(keys.length).toBeGreaterThan(5);
    for (const key of keys) expect(key.startsWith(`${prefix}:{registry}:`)).toBe(true);
  });
});

describe('a Redis outage', () => {
  it('is a retriable 500 with a backend error code, and the registry recovers when Redis returns', async () => {
    const outage = await startRedis();
    const gateway = await startRegistryGateway({ redisUrl: outage.url });
    try {
      expect((await gateway.call('POST', '/subjects/s/versions', { schema: avroUser() })).status).toBe(200);
      await outage.kill();
      const failed = await gateway.app.inject({ method: 'GET', url: '/subjects' });
      expect(failed.statusCode).toBe(500);
      expect([50001, 50002]).toContain(failed.json().error_code);
      expect(failed.headers['retry-after']).toBe('1');
      await outage.start();
      await expect.poll(async () => (await gateway.call('GET', '/subjects')).status, { timeout: 10_000 }).toBe(200);
    } finally {
      await gateway.close();
      await outage.stop();
    }
  });
});

describe('on a Redis Cluster', () => {
  let cluster: RedisCluster;
  let seeds: string[];
  beforeAll(async () => {
    cluster = await startRedisCluster();
    seeds = cluster.seeds;
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('registers, references and deletes with every script in one slot', async () => {
    const registry = await openRegistry({ redisUrl: undefined, redisClusterNodes: seeds, redisCommandTimeoutMs: 2000, keyPrefix: uniquePrefix() });
    services.push(registry);
    const address = JSON.stringify({ type: 'record', name: 'Address', namespace: 'com.example', fields: [{ name: 'city', type: 'string' }] });
    const base = await registry.register('address', { schema: address });
    const user = avroUser([{ name: 'home', type: 'Address' }]);
    const results = await Promise.all(
      [1, 2, 3].map(() => registry.register('user', { schema: user, references: [{ name: 'com.example.Address', subject: 'address', version: 1 }] })),
    );
    expect(new Set(results.map((result) => result.id)).size).toBe(1);
    expect(await registry.referencedBy('address', 1)).toEqual([results[0].id]);
    await expect(registry.deleteSubject('address')).rejects.toMatchObject({ errorCode: 42206 });
    await registry.deleteSubject('user');
    await registry.deleteSubject('user', { permanent: true });
    expect(await registry.deleteSubject('address')).toEqual([1]);
    expect((await registry.register('address', { schema: address })).id).toBe(base.id);
  });
});
