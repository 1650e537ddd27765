import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderEvents } from '../../bench/order-events.js';
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
    const produced = await gw.app.inject({
      method: 'POST',
      url: '/topics/sharded',
      headers: { 'content-type': 'application/vnd.kafka.json.v2+json' },
      payload: { records },
    });
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

  it('stores a zstd topic compressed on every shard, partitions appended at once sharing one dictionary', async () => {
    await gw.app.inject({
      method: 'POST',
      url: `${gw.v3}/topics`,
      payload: { topic_name: 'sharded-zstd', partitions_count: 6, configs: [{ name: 'compression.type', value: 'zstd' }] },
    });
    const events = orderEvents(120).map((bytes) => JSON.parse(bytes.toString()) as unknown);
    const produce = (from: number) =>
      gw.app.inject({
        method: 'POST',
        url: '/topics/sharded-zstd',
        headers: { 'content-type': 'application/vnd.kafka.json.v2+json' },
        payload: { records: events.slice(from, from + 60).map((value, i) => ({ key: `order-${from + i}`, value })) },
      });
    const offsets = [...(await produce(0)).json().offsets, ...(await produce(60)).json().offsets] as Array<{ partition: number; offset: number }>;
    const read: unknown[] = new Array(events.length);
    for (let p = 0; p < 6; p++) {
      const records = (await gw.app.inject({ url: `${gw.v3}/topics/sharded-zstd/partitions/${p}/records?offset=0&max_records=200` })).json().records;
      for (const record of records as Array<{ offset: number; value: unknown }>) {
        read[offsets.findIndex((o) => o.partition === p && o.offset === record.offset)] = record.value;
      }
    }
    expect(read).toEqual(events);
    const dictionaries = await Promise.all(
      cluster.nodes.map(async (node) => {
        const client = new Redis(node.url);
        try {
          const keys = await client.keys(`${gw.config.keyPrefix}:{sharded-zstd}:zdicts`);
          return keys.length === 0 ? 0 : await client.hlen(keys[0]);
        } finally {
          client.disconnect();
        }
      }),
    );
    // The current pointer and one dictionary per gateway process that made one: here one.
    expect(dictionaries.reduce((sum, n) => sum + n, 0)).toBe(2);
  });

  it('lists topics and keeps the cluster id on a cluster', async () => {
    const list = await gw.app.inject({ url: `${gw.v3}/topics` });
    expect(list.json().data.map((t: { topic_name: string }) => t.topic_name)).toContain('sharded');
    const again = await startGateway({ prefix: gw.config.keyPrefix, env: { REDIS_CLUSTER_NODES: cluster.seeds.join(',') } });
    expect(again.clusterId).toBe(gw.clusterId);
    await again.close();
  });

  it('lists topics whose metadata lives on different shards, and deletes a topic whose partitions do', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `spread-${i}`);
    for (const name of names)
      expect((await gw.app.inject({ method: 'POST', url: `${gw.v3}/topics`, payload: { topic_name: name, partitions_count: 6 } })).statusCode).toBe(201);
    const list = await gw.app.inject({ url: `${gw.v3}/topics` });
    expect(list.statusCode, list.body).toBe(200);
    expect(list.json().data.map((t: { topic_name: string }) => t.topic_name)).toEqual(expect.arrayContaining(names));

    await gw.app.inject({
      method: 'POST',
      url: '/topics/spread-0',
      headers: { 'content-type': 'application/vnd.kafka.json.v2+json' },
      payload: { records: Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: i })) },
    });
    const deleted = await gw.app.inject({ method: 'DELETE', url: `${gw.v3}/topics/spread-0` });
    expect(deleted.statusCode, deleted.body).toBe(204);
    const leftovers = await Promise.all(
      cluster.nodes.map(async (node) => {
        const client = new Redis(node.url);
        try {
          return (await client.keys(`${gw.config.keyPrefix}:{spread-0:*`)).length;
        } finally {
          client.disconnect();
        }
      }),
    );
    expect(leftovers.reduce((a, b) => a + b, 0)).toBe(0);
    expect((await gw.app.inject({ url: `${gw.v3}/topics/spread-0` })).statusCode).toBe(404);
  });

  it('serves a v2 consumer instance from two gateways on a cluster', async () => {
    const other = await startGateway({ prefix: gw.config.keyPrefix, env: { REDIS_CLUSTER_NODES: cluster.seeds.join(',') } });
    try {
      const V2 = { 'content-type': 'application/vnd.kafka.v2+json' };
      const url = '/consumers/g-cluster/instances/c';
      await gw.app.inject({ method: 'POST', url: `${gw.v3}/topics`, payload: { topic_name: 'v2-sharded', partitions_count: 4 } });
      const records = Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: i }));
      await gw.app.inject({
        method: 'POST',
        url: '/topics/v2-sharded',
        headers: { 'content-type': 'application/vnd.kafka.json.v2+json' },
        payload: { records },
      });
      expect(
        (
          await gw.app.inject({
            method: 'POST',
            url: '/consumers/g-cluster',
            headers: V2,
            payload: { name: 'c', format: 'json', 'auto.offset.reset': 'earliest' },
          })
        ).statusCode,
      ).toBe(200);
      expect((await other.app.inject({ method: 'POST', url: `${url}/subscription`, headers: V2, payload: { topics: ['v2-sharded'] } })).statusCode).toBe(204);
      const got: number[] = [];
      for (let i = 0; i < 100 && got.length < 40; i++) {
        const answer = await [gw, other][i % 2].app.inject({
          url: `${url}/records?timeout=200&max_bytes=100`,
          headers: { accept: 'application/vnd.kafka.json.v2+json' },
        });
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

  it('reports the persistence of its weakest primary', async () => {
    expect((await gw.app.inject({ url: '/health' })).json()).toMatchObject({ durable: false, durability: { mode: 'aof-everysec' } });
    const node = new Redis(cluster.nodes[1].url);
    try {
      await node.config('SET', 'appendfsync', 'no');
      const deadline = Date.now() + 10_000;
      let ready = (await gw.app.inject({ url: '/ready' })).json();
      while (ready.durability.mode !== 'aof-no' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        ready = (await gw.app.inject({ url: '/ready' })).json();
      }
      expect(ready).toMatchObject({ status: 'READY', durability: { mode: 'aof-no', appendfsync: 'no' } });
    } finally {
      await node.config('SET', 'appendfsync', 'everysec');
      node.disconnect();
    }
  });

  // Last: it leaves the cluster without the store's data on one shard.
  it('notices a shard that lost its data while the others kept theirs', async () => {
    // A shard other than the one holding slot 0, where the store marker was written first.
    const client = new Redis(cluster.nodes[0].url);
    const ranges = await client.cluster('SLOTS');
    client.disconnect();
    const firstOwner = ranges.find(([start]) => start === 0)?.[2]?.[1];
    const victim = cluster.nodes.find((node) => node.port !== firstOwner)!;
    const flushed = new Redis(victim.url);
    await flushed.flushall();
    flushed.disconnect();

    const ready = await gw.app.inject({ url: '/ready' });
    expect(ready.statusCode).toBe(500);
    expect(ready.json()).toMatchObject({
      error_code: 50002,
      message: expect.stringContaining(`Redis lost this store's data (the store marker is gone from Redis at 127.0.0.1:${victim.port})`),
    });
    const produced = await gw.app.inject({
      method: 'POST',
      url: '/topics/sharded',
      headers: { 'content-type': 'application/vnd.kafka.json.v2+json' },
      payload: { records: [{ value: 1 }] },
    });
    expect(produced.json().error_code).toBe(50002);
    await expect(startGateway({ prefix: gw.config.keyPrefix, env: { REDIS_CLUSTER_NODES: cluster.seeds.join(',') } })).rejects.toThrow(
      new RegExp(`lost part of this store's data.*gone from 127\\.0\\.0\\.1:${victim.port}`),
    );
  });
});
