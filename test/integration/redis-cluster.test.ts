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
});
