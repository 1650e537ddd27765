import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderEvents } from '../../bench/order-events.js';
import { startRedisCluster, type RedisCluster } from '../support/cluster.js';
import { startGateway, type TestGateway } from '../support/gateway.js';

let cluster: RedisCluster;
let gw: TestGateway;

beforeAll(async () => {
  cluster = await startRedisCluster();
  // The log cleaner runs when a test says so (its first pass at start, then once a day).
  gw = await startGateway({ env: { REDIS_CLUSTER_NODES: cluster.seeds.join(','), LOG_RETENTION_CHECK_INTERVAL_MS: '86400000' } });
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

  it('compacts partitions on every shard from two gateways at once, and serves the latest value of each key', async () => {
    const created = await gw.app.inject({
      method: 'POST',
      url: `${gw.v3}/topics`,
      payload: { topic_name: 'table-sharded', partitions_count: 6, configs: [{ name: 'cleanup.policy', value: 'compact' }] },
    });
    expect(created.statusCode).toBe(201);
    const records = Array.from({ length: 60 }, (_, i) => ({ key: `k${i % 10}`, value: i }));
    const produced = await gw.app.inject({
      method: 'POST',
      url: '/topics/table-sharded',
      headers: { 'content-type': 'application/vnd.kafka.json.v2+json' },
      payload: { records },
    });
    expect(produced.statusCode, produced.body).toBe(200);

    const other = await startGateway({
      prefix: gw.config.keyPrefix,
      env: { REDIS_CLUSTER_NODES: cluster.seeds.join(','), LOG_RETENTION_CHECK_INTERVAL_MS: '86400000' },
    });
    try {
      // The newcomer's cleaner makes its first pass as it starts; whichever pass gets to a partition first compacts it.
      const before = gw.app.services.cleaner.totals.removedRecords;
      await Promise.all([gw.app.services.cleaner.pass(), other.app.services.cleaner.pass()]);
      await other.app.services.cleaner.stop();
      expect(gw.app.services.cleaner.totals.removedRecords - before + other.app.services.cleaner.totals.removedRecords).toBe(50);
    } finally {
      await other.close();
    }
    const survivors: Array<{ key: unknown; value: unknown }> = [];
    for (let p = 0; p < 6; p++)
      survivors.push(...(await gw.app.inject({ url: `${gw.v3}/topics/table-sharded/partitions/${p}/records?offset=0` })).json().records);
    expect(survivors.map((r) => r.value).sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 10 }, (_, i) => 50 + i));

    const page = (await gw.app.inject({ url: `${gw.v3}/topics/table-sharded/keys?limit=100` })).json();
    expect(page.data).toHaveLength(10);
    expect(page.next_cursor).toBeNull();
    const one = await gw.app.inject({ url: `${gw.v3}/topics/table-sharded/keys/${encodeURIComponent('"k3"')}?key_format=json` });
    expect(one.json()).toMatchObject({ key: 'k3', value: 53 });
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

  it('trims partitions on every shard by retention, with two gateways cleaning at once, and deletes records', async () => {
    const env = { REDIS_CLUSTER_NODES: cluster.seeds.join(','), LOG_RETENTION_CHECK_INTERVAL_MS: '10' };
    const cleaners = [await startGateway({ prefix: gw.config.keyPrefix, env }), await startGateway({ prefix: gw.config.keyPrefix, env })];
    try {
      const [a, b] = cleaners;
      await a.app.inject({
        method: 'POST',
        url: `${a.v3}/topics`,
        payload: { topic_name: 'retained-sharded', partitions_count: 6, configs: [{ name: 'retention.ms', value: '3600000' }] },
      });
      const old = Date.now() - 7_200_000;
      const lines = Array.from({ length: 60 }, (_, i) => JSON.stringify({ partition_id: i % 6, value: { type: 'JSON', data: i }, timestamp: old }));
      lines.push(...Array.from({ length: 6 }, (_, p) => JSON.stringify({ partition_id: p, value: { type: 'JSON', data: 'kept' } })));
      const produced = await b.app.inject({
        method: 'POST',
        url: `${b.v3}/topics/retained-sharded/records`,
        headers: { 'content-type': 'application/json' },
        payload: lines.join('\n'),
      });
      expect(produced.statusCode).toBe(200);

      const partition = async (p: number) => (await a.app.inject({ url: `${a.v3}/topics/retained-sharded/partitions/${p}` })).json();
      for (let p = 0; p < 6; p++) {
        for (let tries = 0; (await partition(p)).earliest_offset < 10; tries++) {
          if (tries > 500) throw new Error(`partition ${p} was not trimmed`);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        expect(await partition(p)).toMatchObject({ earliest_offset: 10, latest_offset: 11 });
        const read = await b.app.inject({ url: `${b.v3}/topics/retained-sharded/partitions/${p}/records` });
        expect(read.json().records.map((r: { offset: number; value: unknown }) => [r.offset, r.value])).toEqual([[10, 'kept']]);
      }

      const deleted = await b.app.inject({
        method: 'POST',
        url: `${b.v3}/topics/retained-sharded/partitions/3/records:delete`,
        payload: { before_offset: 11 },
      });
      expect(deleted.json().low_watermark).toBe(11);
      expect(await partition(3)).toMatchObject({ earliest_offset: 11, latest_offset: 11, size_bytes: 0 });
    } finally {
      await Promise.all(cleaners.map((cleaner) => cleaner.close()));
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
