import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { suiteRedis } from '../support/redis.js';

let redis: Awaited<ReturnType<typeof suiteRedis>>;
let gw: TestGateway;

beforeAll(async () => {
  redis = await suiteRedis();
  gw = await startGateway({ redisUrl: redis.url });
});
afterAll(async () => {
  await gw?.close();
  await redis?.stop();
});

const createTopic = (body: object) => gw.app.inject({ method: 'POST', url: `${gw.v3}/topics`, payload: body });

describe('v3 clusters', () => {
  it('lists one cluster whose id is stable across gateway restarts', async () => {
    const list = await gw.app.inject({ url: '/v3/clusters' });
    expect(list.statusCode).toBe(200);
    expect(list.json().data).toHaveLength(1);
    expect(list.json().data[0].cluster_id).toBe(gw.clusterId);
    const again = await startGateway({ redisUrl: redis.url, prefix: gw.config.keyPrefix });
    expect(again.clusterId).toBe(gw.clusterId);
    await again.close();
  });

  it('answers 404/40404 for another cluster id and changes nothing', async () => {
    const response = await gw.app.inject({ method: 'POST', url: '/v3/clusters/nope/topics', payload: { topic_name: 'x-other' } });
    expect(response.statusCode).toBe(404);
    expect(response.json().error_code).toBe(40404);
    expect((await gw.app.inject({ url: `${gw.v3}/topics/x-other` })).statusCode).toBe(404);
  });
});

describe('v3 topics', () => {
  it('creates a topic with partitions and configs, and gets and lists it', async () => {
    const created = await createTopic({
      topic_name: 'orders',
      partitions_count: 6,
      replication_factor: 3,
      configs: [{ name: 'retention.ms', value: '3600000' }],
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({
      kind: 'KafkaTopic',
      topic_name: 'orders',
      partitions_count: 6,
      replication_factor: 3,
      is_internal: false,
      cluster_id: gw.clusterId,
    });
    expect(created.json().metadata.self).toMatch(new RegExp(`/v3/clusters/${gw.clusterId}/topics/orders$`));

    const got = await gw.app.inject({ url: `${gw.v3}/topics/orders` });
    expect(got.json().partitions_count).toBe(6);
    const list = await gw.app.inject({ url: `${gw.v3}/topics` });
    expect(list.json().data.map((t: { topic_name: string }) => t.topic_name)).toContain('orders');
    const config = await gw.app.inject({ url: `${gw.v3}/topics/orders/configs/retention.ms` });
    expect(config.json()).toMatchObject({ name: 'retention.ms', value: '3600000', is_default: false });
  });

  it('uses the configured default partition count when none is given', async () => {
    const created = await createTopic({ topic_name: 'defaults' });
    expect(created.json().partitions_count).toBe(gw.config.defaultPartitions);
  });

  it('refuses to create an existing topic with a 409 and keeps the original', async () => {
    await createTopic({ topic_name: 'twice', partitions_count: 2 });
    const again = await createTopic({ topic_name: 'twice', partitions_count: 5 });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toEqual({ error_code: 40901, message: "Topic 'twice' already exists." });
    expect((await gw.app.inject({ url: `${gw.v3}/topics/twice` })).json().partitions_count).toBe(2);
  });

  it.each([
    ['', 'empty'],
    ['.', 'dot'],
    ['..', 'dot-dot'],
    ['has space', 'space'],
    ['a'.repeat(250), 'too long'],
    ['ü-topic', 'non-ASCII'],
    ['a/b', 'slash'],
  ])('refuses the illegal topic name %j (%s) and creates nothing', async (name) => {
    const response = await createTopic({ topic_name: name });
    expect(response.statusCode).toBe(400);
    expect(response.json().error_code).toBe(40002);
    const names = (await gw.app.inject({ url: `${gw.v3}/topics` })).json().data.map((t: { topic_name: string }) => t.topic_name);
    expect(names).not.toContain(name);
  });

  it('accepts a 249-character name made of every legal character class', async () => {
    const name = `Ab9._-${'x'.repeat(243)}`;
    expect((await createTopic({ topic_name: name })).statusCode).toBe(201);
  });

  it.each([
    [{ topic_name: 'p0', partitions_count: 0 }, 422],
    [{ topic_name: 'p-many', partitions_count: 100000 }, 400],
    [{ topic_name: 'rf0', replication_factor: 0 }, 422],
    [{ topic_name: 'cfg-bad', configs: [{ name: 'retention.ms', value: 'soon' }] }, 400],
    [{ topic_name: 'cfg-unknown', configs: [{ name: 'no.such.config', value: '1' }] }, 400],
    [{ topic_name: 'cfg-ts', configs: [{ name: 'message.timestamp.type', value: 'WallClock' }] }, 400],
    [{ topic_name: 'cfg-cleanup', configs: [{ name: 'cleanup.policy', value: 'shred' }] }, 400],
    [{ topic_name: 'cfg-codec', configs: [{ name: 'compression.type', value: 'rar' }] }, 400],
    [{ topic_name: 'cfg-tombstones', configs: [{ name: 'delete.retention.ms', value: '-1' }] }, 400],
    [{ topic_name: 'cfg-lag', configs: [{ name: 'min.compaction.lag.ms', value: 'later' }] }, 400],
    [{ topic_name: 'cfg-dirty', configs: [{ name: 'min.cleanable.dirty.ratio', value: '1.5' }] }, 400],
    [{ topic_name: 'cfg-dirty-neg', configs: [{ name: 'min.cleanable.dirty.ratio', value: '-0.1' }] }, 400],
    [{ topic_name: { name: 'x' } }, 422],
    [{ partitions_count: 1 }, 422],
    [{ topic_name: 'extra', surprise: true }, 422],
  ])('refuses %j with %i and creates nothing', async (body, status) => {
    const response = await createTopic(body);
    expect(response.statusCode).toBe(status);
    expect(response.json()).toEqual({ error_code: expect.any(Number), message: expect.any(String) });
    const name = (body as { topic_name?: unknown }).topic_name;
    if (typeof name === 'string') expect((await gw.app.inject({ url: `${gw.v3}/topics/${name}` })).statusCode).toBe(404);
  });

  it('answers malformed JSON with 400 and a Confluent error body', async () => {
    const response = await gw.app.inject({
      method: 'POST',
      url: `${gw.v3}/topics`,
      headers: { 'content-type': 'application/json' },
      payload: '{"topic_name": "x",',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error_code).toBe(400);
  });

  it('answers a non-JSON content type with 415', async () => {
    const response = await gw.app.inject({ method: 'POST', url: `${gw.v3}/topics`, headers: { 'content-type': 'text/csv' }, payload: 'topic_name\nx' });
    expect(response.statusCode).toBe(415);
    expect(response.json().error_code).toBe(415);
  });

  it('validates a creation without creating when validate_only is set', async () => {
    const response = await createTopic({ topic_name: 'dry-run', partitions_count: 3, validate_only: true });
    expect(response.statusCode).toBe(200);
    expect(response.json().partitions_count).toBe(3);
    expect((await gw.app.inject({ url: `${gw.v3}/topics/dry-run` })).statusCode).toBe(404);
  });

  it('answers an unknown topic with 404/40401', async () => {
    const response = await gw.app.inject({ url: `${gw.v3}/topics/missing` });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error_code: 40401, message: "Topic 'missing' not found." });
  });

  it('grows the partition count and refuses to shrink it', async () => {
    await createTopic({ topic_name: 'growing', partitions_count: 2 });
    const grown = await gw.app.inject({ method: 'PATCH', url: `${gw.v3}/topics/growing`, payload: { partitions_count: 5 } });
    expect(grown.statusCode).toBe(200);
    expect(grown.json().partitions_count).toBe(5);
    const partitions = await gw.app.inject({ url: `${gw.v3}/topics/growing/partitions` });
    expect(partitions.json().data.map((p: { partition_id: number }) => p.partition_id)).toEqual([0, 1, 2, 3, 4]);

    const shrunk = await gw.app.inject({ method: 'PATCH', url: `${gw.v3}/topics/growing`, payload: { partitions_count: 3 } });
    expect(shrunk.statusCode).toBe(400);
    expect(shrunk.json().error_code).toBe(40002);
    expect((await gw.app.inject({ url: `${gw.v3}/topics/growing` })).json().partitions_count).toBe(5);
  });

  it('deletes a topic with its records, and a re-created topic starts at offset 0', async () => {
    await createTopic({ topic_name: 'doomed', partitions_count: 1 });
    await gw.app.inject({ method: 'POST', url: `${gw.v3}/topics/doomed/records`, payload: { value: { data: 'x' } } });
    const deleted = await gw.app.inject({ method: 'DELETE', url: `${gw.v3}/topics/doomed` });
    expect(deleted.statusCode).toBe(204);
    expect((await gw.app.inject({ url: `${gw.v3}/topics/doomed` })).statusCode).toBe(404);
    expect((await gw.app.inject({ method: 'DELETE', url: `${gw.v3}/topics/doomed` })).json().error_code).toBe(40401);
    await createTopic({ topic_name: 'doomed', partitions_count: 1 });
    const produced = await gw.app.inject({ method: 'POST', url: `${gw.v3}/topics/doomed/records`, payload: { value: { data: 'y' } } });
    expect(produced.json().offset).toBe(0);
  });
});

describe('v3 partitions', () => {
  it('reports earliest and latest offsets per partition', async () => {
    await createTopic({ topic_name: 'offsets', partitions_count: 2 });
    for (let i = 0; i < 3; i++) {
      await gw.app.inject({ method: 'POST', url: `${gw.v3}/topics/offsets/records`, payload: { partition_id: 1, value: { data: i } } });
    }
    const partition = await gw.app.inject({ url: `${gw.v3}/topics/offsets/partitions/1` });
    expect(partition.json()).toMatchObject({ kind: 'KafkaPartition', partition_id: 1, earliest_offset: 0, latest_offset: 3 });
    const empty = await gw.app.inject({ url: `${gw.v3}/topics/offsets/partitions/0` });
    expect(empty.json()).toMatchObject({ earliest_offset: 0, latest_offset: 0 });
  });

  it('answers an unknown partition with 404/40402 and a non-numeric one with 4xx', async () => {
    await createTopic({ topic_name: 'two', partitions_count: 2 });
    const missing = await gw.app.inject({ url: `${gw.v3}/topics/two/partitions/2` });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error_code).toBe(40402);
    const word = await gw.app.inject({ url: `${gw.v3}/topics/two/partitions/first` });
    expect(word.statusCode).toBe(422);
  });
});

describe('v3 topic configs', () => {
  it('lists every supported config with its default', async () => {
    await createTopic({ topic_name: 'configured' });
    const list = await gw.app.inject({ url: `${gw.v3}/topics/configured/configs` });
    const byName = Object.fromEntries(list.json().data.map((c: { name: string; value: string; is_default: boolean }) => [c.name, c]));
    expect(Object.keys(byName).sort()).toEqual([
      'cleanup.policy',
      'compression.type',
      'delete.retention.ms',
      'max.message.bytes',
      'message.timestamp.type',
      'min.cleanable.dirty.ratio',
      'min.compaction.lag.ms',
      'retention.bytes',
      'retention.ms',
    ]);
    expect(byName['delete.retention.ms']).toMatchObject({ value: '86400000', is_default: true });
    expect(byName['min.compaction.lag.ms']).toMatchObject({ value: '0', is_default: true });
    expect(byName['min.cleanable.dirty.ratio']).toMatchObject({ value: '0.5', is_default: true });
    expect(byName['retention.ms']).toMatchObject({ value: '604800000', is_default: true, source: 'DEFAULT_CONFIG' });
    expect(byName['cleanup.policy'].value).toBe('delete');
  });

  it('sets, batch-alters and resets configs', async () => {
    await createTopic({ topic_name: 'alter-me' });
    expect((await gw.app.inject({ method: 'PUT', url: `${gw.v3}/topics/alter-me/configs/cleanup.policy`, payload: { value: 'compact' } })).statusCode).toBe(
      204,
    );
    const batch = await gw.app.inject({
      method: 'POST',
      url: `${gw.v3}/topics/alter-me/configs:alter`,
      payload: {
        data: [
          { name: 'retention.bytes', value: '1048576' },
          { name: 'message.timestamp.type', value: 'LogAppendTime' },
        ],
      },
    });
    expect(batch.statusCode).toBe(204);
    const get = async (name: string) => (await gw.app.inject({ url: `${gw.v3}/topics/alter-me/configs/${name}` })).json();
    expect((await get('cleanup.policy')).value).toBe('compact');
    expect((await get('retention.bytes')).value).toBe('1048576');
    expect((await gw.app.inject({ method: 'DELETE', url: `${gw.v3}/topics/alter-me/configs/cleanup.policy` })).statusCode).toBe(204);
    expect(await get('cleanup.policy')).toMatchObject({ value: 'delete', is_default: true });
  });

  it('routes only the literal configs:alter to the batch alter', async () => {
    await createTopic({ topic_name: 'alter-literal' });
    const payload = { data: [{ name: 'retention.ms', value: '1000' }] };
    const lookalike = await gw.app.inject({ method: 'POST', url: `${gw.v3}/topics/alter-literal/configsXalter`, payload });
    expect(lookalike.statusCode).toBe(404);
    expect((await gw.app.inject({ url: `${gw.v3}/topics/alter-literal/configs/retention.ms` })).json().is_default).toBe(true);
  });

  it('applies no part of a batch that holds one invalid value', async () => {
    await createTopic({ topic_name: 'atomic-alter' });
    const batch = await gw.app.inject({
      method: 'POST',
      url: `${gw.v3}/topics/atomic-alter/configs:alter`,
      payload: {
        data: [
          { name: 'retention.ms', value: '1000' },
          { name: 'max.message.bytes', value: '-5' },
        ],
      },
    });
    expect(batch.statusCode).toBe(400);
    expect(batch.json().message).toMatch(/max.message.bytes/);
    expect((await gw.app.inject({ url: `${gw.v3}/topics/atomic-alter/configs/retention.ms` })).json().is_default).toBe(true);
  });

  it('answers an unknown config name with 404 and an invalid value with 400', async () => {
    await createTopic({ topic_name: 'cfg-errors' });
    expect((await gw.app.inject({ url: `${gw.v3}/topics/cfg-errors/configs/segment.bytes` })).statusCode).toBe(404);
    const bad = await gw.app.inject({ method: 'PUT', url: `${gw.v3}/topics/cfg-errors/configs/retention.ms`, payload: { value: '1.5' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error_code).toBe(40002);
  });
});
