import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisCluster, type RedisCluster } from '../support/cluster.js';
import { startGateway, type TestGateway } from '../support/gateway.js';

let cluster: RedisCluster;
let gw: TestGateway;

beforeAll(async () => {
  cluster = await startRedisCluster();
  gw = await startGateway({ env: { REDIS_CLUSTER_NODES: cluster.seeds.join(',') } });
}, 90_000);
afterAll(async () => {
  await gw?.close();
  await cluster?.stop();
});

describe('on a Redis Cluster', () => {
  it('produces to and reads from partitions spread over every shard', async () => {
    const created = await gw.app.inject({ method: 'POST', url: `${gw.v3}/topics`, payload: { topic_name: 'sharded', partitions_count: 12 } });
    expect(created.statusCode).toBe(201);
    const records = Array.from({ length: 120 }, (_, i) => ({ key: `k${i}`, value: { i } }));
    const produced = await gw.app.inject({ method: 'POST', url: '/topics/sharded', headers: { 'content-type': 'application/vnd.kafka.json.v2+json' }, payload: { records } });
    expect(produced.statusCode, produced.body).toBe(200);
    const offsets: Array<{ partition: number; offset: number }> = produced.json().offsets;

    // Each partition's offsets are dense from 0 and reading them back gives the records in order.
    let total = 0;
    for (let p = 0; p < 12; p++) {
      const mine = offsets.filter((o) => o.partition === p).map((o) => o.offset);
      expect(mine).toEqual(mine.map((_, i) => i));
      const read = await gw.app.inject({ url: `${gw.v3}/topics/sharded/partitions/${p}/records?offset=0` });
      expect(read.json().records.map((r: { offset: number }) => r.offset)).toEqual(mine);
      total += mine.length;
    }
    expect(total).toBe(120);

    // The partitions' streams really live on more than one shard.
    const shardsWithStreams = await Promise.all(
      cluster.nodes.map(async (node) => {
        const { Redis } = await import('ioredis');
        const client = new Redis(node.url);
        try {
          const keys = await client.keys(`${gw.config.keyPrefix}:{sharded:*}:log`);
          return keys.length;
        } finally {
          client.disconnect();
        }
      }),
    );
    expect(shardsWithStreams.filter((n) => n > 0).length).toBeGreaterThan(1);
  });

  it('lists topics and keeps the cluster id on a cluster', async () => {
    const list = await gw.app.inject({ url: `${gw.v3}/topics` });
    expect(list.json().data.map((t: { topic_name: string }) => t.topic_name)).toContain('sharded');
    const again = await startGateway({ prefix: gw.config.keyPrefix, env: { REDIS_CLUSTER_NODES: cluster.seeds.join(',') } });
    expect(again.clusterId).toBe(gw.clusterId);
    await again.close();
  });

  it('serves a v2 consumer instance from two gateways on a cluster', async () => {
    const other = await startGateway({ prefix: gw.config.keyPrefix, env: { REDIS_CLUSTER_NODES: cluster.seeds.join(',') } });
    try {
      const V2 = { 'content-type': 'application/vnd.kafka.v2+json' };
      const url = '/consumers/g-cluster/instances/c';
      await gw.app.inject({ method: 'POST', url: `${gw.v3}/topics`, payload: { topic_name: 'v2-sharded', partitions_count: 4 } });
      const records = Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: i }));
      await gw.app.inject({ method: 'POST', url: '/topics/v2-sharded', headers: { 'content-type': 'application/vnd.kafka.json.v2+json' }, payload: { records } });
      expect((await gw.app.inject({ method: 'POST', url: '/consumers/g-cluster', headers: V2, payload: { name: 'c', format: 'json', 'auto.offset.reset': 'earliest' } })).statusCode).toBe(200);
      expect((await other.app.inject({ method: 'POST', url: `${url}/subscription`, headers: V2, payload: { topics: ['v2-sharded'] } })).statusCode).toBe(204);
      const got: number[] = [];
      for (let i = 0; i < 100 && got.length < 40; i++) {
        const answer = await [gw, other][i % 2].app.inject({ url: `${url}/records?timeout=200&max_bytes=100`, headers: { accept: 'application/vnd.kafka.json.v2+json' } });
        expect(answer.statusCode, answer.body).toBe(200);
        got.push(...answer.json().map((r: { value: number }) => r.value));
      }
      expect(got.sort((a, b) => a - b)).toEqual(records.map((r) => r.value));
      expect((await gw.app.inject({ method: 'DELETE', url })).statusCode).toBe(204);
      expect((await other.app.inject({ url: `${url}/subscription` })).json().error_code).toBe(40403);
    } finally {
      await other.close();
    }
  });
});
