import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { suiteRedis } from '../support/redis.js';

let redis: Awaited<ReturnType<typeof suiteRedis>>;
let gw: TestGateway;

beforeAll(async () => {
  redis = await suiteRedis();
  gw = await startGateway({ redisUrl: redis.url, env: { CONSUMER_INSTANCE_TIMEOUT_MS: '1500' } });
});
afterAll(async () => {
  await gw?.close();
  await redis?.stop();
});

const V2 = { 'content-type': 'application/vnd.kafka.v2+json' };
const inject = (options: InjectOptions) => gw.app.inject(options);
const createTopic = (name: string, partitions = 1) =>
  inject({ method: 'POST', url: `${gw.v3}/topics`, payload: { topic_name: name, partitions_count: partitions } });
const produce = (topic: string, values: unknown[], partition?: number) =>
  inject({
    method: 'POST',
    url: `/topics/${topic}${partition === undefined ? '' : `/partitions/${partition}`}`,
    headers: { 'content-type': 'application/vnd.kafka.json.v2+json' },
    payload: { records: values.map((value) => ({ value })) },
  });
const create = (group: string, body: object) => inject({ method: 'POST', url: `/consumers/${group}`, headers: V2, payload: JSON.stringify(body) });
const at = (group: string, name: string, path: string) => `/consumers/${group}/instances/${name}${path}`;
const records = (group: string, name: string, format = 'json', timeout = 2000) =>
  inject({ url: at(group, name, `/records?timeout=${timeout}`), headers: { accept: `application/vnd.kafka.${format}.v2+json` } });

describe('the v2 consumer API', () => {
  it('runs the Confluent flow: create, subscribe, poll, commit, delete — and a new instance resumes from the commit', async () => {
    await createTopic('flow');
    await produce('flow', [{ n: 1 }, { n: 2 }, { n: 3 }]);
    const created = await create('g-flow', { name: 'c1', format: 'json', 'auto.offset.reset': 'earliest', 'auto.commit.enable': 'false' });
    expect(created.statusCode).toBe(200);
    expect(created.json()).toEqual({ instance_id: 'c1', base_uri: expect.stringMatching(/\/consumers\/g-flow\/instances\/c1$/) });
    expect(created.headers['content-type']).toMatch(/application\/vnd\.kafka\.v2\+json/);

    expect((await inject({ method: 'POST', url: at('g-flow', 'c1', '/subscription'), headers: V2, payload: { topics: ['flow'] } })).statusCode).toBe(204);
    expect((await inject({ url: at('g-flow', 'c1', '/subscription') })).json()).toEqual({ topics: ['flow'] });
    const polled = await records('g-flow', 'c1');
    expect(polled.statusCode).toBe(200);
    expect(polled.headers['content-type']).toMatch(/application\/vnd\.kafka\.json\.v2\+json/);
    expect(polled.json().map((r: { value: unknown }) => r.value)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(polled.json()[0]).toMatchObject({ topic: 'flow', partition: 0, offset: 0, key: null });

    // The last record processed is offset 1 ({n: 2}); the group resumes after it.
    const commit = await inject({
      method: 'POST',
      url: at('g-flow', 'c1', '/offsets'),
      headers: V2,
      payload: { offsets: [{ topic: 'flow', partition: 0, offset: 1 }] },
    });
    expect(commit.statusCode).toBe(200);
    const committed = await inject({
      method: 'GET',
      url: at('g-flow', 'c1', '/offsets'),
      headers: V2,
      payload: { partitions: [{ topic: 'flow', partition: 0 }] },
    });
    expect(committed.json().offsets).toEqual([{ topic: 'flow', partition: 0, offset: 2, metadata: '' }]);
    expect((await inject({ method: 'DELETE', url: at('g-flow', 'c1', '') })).statusCode).toBe(204);

    await create('g-flow', { name: 'c2', format: 'json' });
    await inject({ method: 'POST', url: at('g-flow', 'c2', '/subscription'), headers: V2, payload: { topics: ['flow'] } });
    expect((await records('g-flow', 'c2')).json().map((r: { value: unknown }) => r.value)).toEqual([{ n: 3 }]);
    await inject({ method: 'DELETE', url: at('g-flow', 'c2', '') });
  });

  it('commits the offset after the one given, as Confluent does: the body names the last record processed', async () => {
    await createTopic('commit-next');
    await produce('commit-next', [0, 1, 2, 3, 4]);
    await create('g-commit-next', { name: 'first', format: 'json', 'auto.offset.reset': 'earliest', 'auto.commit.enable': 'false' });
    await inject({ method: 'POST', url: at('g-commit-next', 'first', '/subscription'), headers: V2, payload: { topics: ['commit-next'] } });
    expect((await records('g-commit-next', 'first')).json().map((r: { offset: number }) => r.offset)).toEqual([0, 1, 2, 3, 4]);
    const commit = await inject({
      method: 'POST',
      url: at('g-commit-next', 'first', '/offsets'),
      headers: V2,
      payload: { offsets: [{ topic: 'commit-next', partition: 0, offset: 4, metadata: 'done with 4' }] },
    });
    expect(commit.statusCode).toBe(200);
    // What Kafka stores and REST Proxy returns: the next offset to read.
    const committed = await inject({
      method: 'GET',
      url: at('g-commit-next', 'first', '/offsets'),
      headers: V2,
      payload: { partitions: [{ topic: 'commit-next', partition: 0 }] },
    });
    expect(committed.json().offsets).toEqual([{ topic: 'commit-next', partition: 0, offset: 5, metadata: 'done with 4' }]);
    expect(await gw.app.services.groups.committedOffset('g-commit-next', { topic: 'commit-next', partition: 0 })).toBe(5);
    await inject({ method: 'DELETE', url: at('g-commit-next', 'first', '') });

    await produce('commit-next', [5]);
    await create('g-commit-next', { name: 'second', format: 'json', 'auto.commit.enable': 'false' });
    await inject({ method: 'POST', url: at('g-commit-next', 'second', '/subscription'), headers: V2, payload: { topics: ['commit-next'] } });
    expect((await records('g-commit-next', 'second')).json().map((r: { offset: number; value: number }) => [r.offset, r.value])).toEqual([[5, 5]]);
    await inject({ method: 'DELETE', url: at('g-commit-next', 'second', '') });
  });

  it('lists only committed partitions in GET …/offsets, as REST Proxy does', async () => {
    await createTopic('commit-some', 2);
    await create('g-commit-some', { name: 'c', format: 'json', 'auto.commit.enable': 'false' });
    const partitions = [
      { topic: 'commit-some', partition: 0 },
      { topic: 'commit-some', partition: 1 },
    ];
    await inject({ method: 'POST', url: at('g-commit-some', 'c', '/assignments'), headers: V2, payload: { partitions } });
    await inject({
      method: 'POST',
      url: at('g-commit-some', 'c', '/offsets'),
      headers: V2,
      payload: { offsets: [{ topic: 'commit-some', partition: 1, offset: 0 }] },
    });
    const committed = await inject({ method: 'GET', url: at('g-commit-some', 'c', '/offsets'), headers: V2, payload: { partitions } });
    expect(committed.json().offsets).toEqual([{ topic: 'commit-some', partition: 1, offset: 1, metadata: '' }]);
    await inject({ method: 'DELETE', url: at('g-commit-some', 'c', '') });
  });

  it('returns binary records base64-encoded', async () => {
    await createTopic('bin-consume');
    await inject({
      method: 'POST',
      url: '/topics/bin-consume',
      headers: { 'content-type': 'application/vnd.kafka.binary.v2+json' },
      payload: { records: [{ key: 'AAE=', value: '/wA=' }] },
    });
    await create('g-bin', { name: 'b', format: 'binary', 'auto.offset.reset': 'earliest' });
    await inject({ method: 'POST', url: at('g-bin', 'b', '/subscription'), headers: V2, payload: { topics: ['bin-consume'] } });
    const polled = await records('g-bin', 'b', 'binary');
    expect(polled.json()).toEqual([expect.objectContaining({ key: 'AAE=', value: '/wA=' })]);
    // No body at all: commit everything fetched, as Confluent does.
    expect((await inject({ method: 'POST', url: at('g-bin', 'b', '/offsets'), headers: V2 })).statusCode).toBe(200);
    const committed = await inject({
      method: 'GET',
      url: at('g-bin', 'b', '/offsets'),
      headers: V2,
      payload: { partitions: [{ topic: 'bin-consume', partition: 0 }] },
    });
    expect(committed.json().offsets[0].offset).toBe(1);
    await inject({ method: 'DELETE', url: at('g-bin', 'b', '') });
  });

  it('splits partitions between two instances of a group', async () => {
    await createTopic('shared-v2', 4);
    for (const name of ['x', 'y']) {
      await create('g-split-v2', { name, format: 'json', 'auto.offset.reset': 'earliest' });
      await inject({ method: 'POST', url: at('g-split-v2', name, '/subscription'), headers: V2, payload: { topics: ['shared-v2'] } });
    }
    const deadline = Date.now() + 10_000;
    let x: number[] = [];
    let y: number[] = [];
    while (Date.now() < deadline) {
      x = (await inject({ url: at('g-split-v2', 'x', '/assignments') })).json().partitions.map((p: { partition: number }) => p.partition);
      y = (await inject({ url: at('g-split-v2', 'y', '/assignments') })).json().partitions.map((p: { partition: number }) => p.partition);
      if (x.length === 2 && y.length === 2) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect([...x, ...y].sort()).toEqual([0, 1, 2, 3]);
    for (const name of ['x', 'y']) await inject({ method: 'DELETE', url: at('g-split-v2', name, '') });
  });

  it('long-polls: returns as soon as a record is produced', async () => {
    await createTopic('waiting');
    await create('g-wait', { name: 'w', format: 'json', 'auto.offset.reset': 'latest' });
    await inject({ method: 'POST', url: at('g-wait', 'w', '/assignments'), headers: V2, payload: { partitions: [{ topic: 'waiting', partition: 0 }] } });
    const poll = records('g-wait', 'w', 'json', 10_000);
    await new Promise((r) => setTimeout(r, 200));
    await produce('waiting', ['now']);
    const answered = await poll;
    expect(answered.json().map((r: { value: string }) => r.value)).toEqual(['now']);
    await inject({ method: 'DELETE', url: at('g-wait', 'w', '') });
  });

  it('seeks to an offset, the beginning and the end', async () => {
    await createTopic('seek-v2');
    await produce('seek-v2', ['a', 'b', 'c']);
    await create('g-seek', { name: 's', format: 'json' });
    await inject({ method: 'POST', url: at('g-seek', 's', '/assignments'), headers: V2, payload: { partitions: [{ topic: 'seek-v2', partition: 0 }] } });
    expect(
      (
        await inject({
          method: 'POST',
          url: at('g-seek', 's', '/positions'),
          headers: V2,
          payload: { offsets: [{ topic: 'seek-v2', partition: 0, offset: 1 }] },
        })
      ).statusCode,
    ).toBe(204);
    expect((await records('g-seek', 's')).json().map((r: { value: string }) => r.value)).toEqual(['b', 'c']);
    await inject({
      method: 'POST',
      url: at('g-seek', 's', '/positions/beginning'),
      headers: V2,
      payload: { partitions: [{ topic: 'seek-v2', partition: 0 }] },
    });
    expect((await records('g-seek', 's')).json()).toHaveLength(3);
    const out = await inject({
      method: 'POST',
      url: at('g-seek', 's', '/positions'),
      headers: V2,
      payload: { offsets: [{ topic: 'seek-v2', partition: 0, offset: 40 }] },
    });
    expect(out.json().error_code).toBe(41601);
    const notMine = await inject({
      method: 'POST',
      url: at('g-seek', 's', '/positions/end'),
      headers: V2,
      payload: { partitions: [{ topic: 'other', partition: 0 }] },
    });
    expect(notMine.json().error_code).toBe(40903);
    await inject({ method: 'DELETE', url: at('g-seek', 's', '') });
  });

  it('closes an idle instance and hands its partitions to the rest of the group', async () => {
    await createTopic('idle-v2', 2);
    for (const name of ['sleepy', 'awake']) {
      await create('g-idle', { name, format: 'json' });
      await inject({ method: 'POST', url: at('g-idle', name, '/subscription'), headers: V2, payload: { topics: ['idle-v2'] } });
    }
    // Only `awake` keeps using its instance.
    const deadline = Date.now() + 3500;
    while (Date.now() < deadline) await records('g-idle', 'awake', 'json', 200);
    expect((await inject({ url: at('g-idle', 'sleepy', '/subscription') })).json().error_code).toBe(40403);
    const held = (await inject({ url: at('g-idle', 'awake', '/assignments') })).json().partitions.map((p: { partition: number }) => p.partition);
    expect(held.sort()).toEqual([0, 1]);
    await inject({ method: 'DELETE', url: at('g-idle', 'awake', '') });
  });

  it('answers bad requests with Confluent errors', async () => {
    await createTopic('bad-v2');
    await create('g-bad', { name: 'dup' });
    expect((await create('g-bad', { name: 'dup' })).json().error_code).toBe(40902);
    expect((await create('g-bad', { name: 'cfg', 'consumer.request.timeout.ms': 'soon' })).json().error_code).toBe(42204);
    expect((await create('g-bad', { format: 'xml' })).statusCode).toBe(422);
    expect((await inject({ url: at('g-bad', 'ghost', '/subscription') })).json().error_code).toBe(40403);
    expect((await inject({ method: 'DELETE', url: at('g-bad', 'ghost', '') })).json().error_code).toBe(40403);
    expect((await records('g-bad', 'dup', 'binary')).json().error_code).toBe(40903);
    expect(
      (await inject({ method: 'POST', url: at('g-bad', 'dup', '/subscription'), headers: V2, payload: { topics: ['no-such-topic'] } })).json().error_code,
    ).toBe(40401);
    expect((await inject({ method: 'POST', url: at('g-bad', 'dup', '/subscription'), headers: V2, payload: { topic_pattern: '([' } })).statusCode).toBe(422);
    expect((await inject({ method: 'POST', url: at('g-bad', 'dup', '/subscription'), headers: V2, payload: {} })).statusCode).toBe(422);
    await inject({ method: 'POST', url: at('g-bad', 'dup', '/subscription'), headers: V2, payload: { topic_pattern: 'bad-v.*' } });
    expect((await inject({ url: at('g-bad', 'dup', '/subscription') })).json().topics).toEqual(['bad-v2']);
    expect(
      (
        await inject({ method: 'POST', url: at('g-bad', 'dup', '/assignments'), headers: V2, payload: { partitions: [{ topic: 'bad-v2', partition: 0 }] } })
      ).json().error_code,
    ).toBe(40901);
    expect((await records('g-bad', 'dup', 'json')).statusCode).toBe(406);
    const commitForeign = await inject({
      method: 'POST',
      url: at('g-bad', 'dup', '/offsets'),
      headers: V2,
      payload: { offsets: [{ topic: 'bad-v2', partition: 5, offset: 1 }] },
    });
    expect(commitForeign.json().error_code).toBe(40903);
    await inject({ method: 'DELETE', url: at('g-bad', 'dup', '') });
  });

  it('refuses to start a partition without a commit when auto.offset.reset is none', async () => {
    await createTopic('reset-none');
    await create('g-none', { name: 'n', format: 'json', 'auto.offset.reset': 'none' });
    const assigned = await inject({
      method: 'POST',
      url: at('g-none', 'n', '/assignments'),
      headers: V2,
      payload: { partitions: [{ topic: 'reset-none', partition: 0 }] },
    });
    expect(assigned.json().error_code).toBe(42206);
  });

  it('resets a committed offset that retention has passed, per auto.offset.reset', async () => {
    await createTopic('retained');
    await produce('retained', ['old-0', 'old-1', 'old-2', 'kept-3']);
    await create('g-retained', { name: 'r1', format: 'json', 'auto.offset.reset': 'earliest' });
    await inject({ method: 'POST', url: at('g-retained', 'r1', '/subscription'), headers: V2, payload: { topics: ['retained'] } });
    await records('g-retained', 'r1');
    await inject({
      method: 'POST',
      url: at('g-retained', 'r1', '/offsets'),
      headers: V2,
      payload: { offsets: [{ topic: 'retained', partition: 0, offset: 1 }] },
    });
    await inject({ method: 'DELETE', url: at('g-retained', 'r1', '') });
    await gw.app.services.store.deleteRecordsBefore('retained', 0, 3);

    await create('g-retained', { name: 'r2', format: 'json', 'auto.offset.reset': 'earliest' });
    await inject({ method: 'POST', url: at('g-retained', 'r2', '/subscription'), headers: V2, payload: { topics: ['retained'] } });
    expect((await records('g-retained', 'r2')).json().map((r: { value: string }) => r.value)).toEqual(['kept-3']);
    await inject({ method: 'DELETE', url: at('g-retained', 'r2', '') });
  });
});

describe('v2 consumer instances, more', () => {
  it('subscribes an instance whose name is no legal group.instance.id (its static member identity is derived from it)', async () => {
    await createTopic('odd-name');
    await produce('odd-name', ['x']);
    const name = 'worker 1/ä';
    const path = (suffix: string) => at('g-odd', encodeURIComponent(name), suffix);
    expect((await create('g-odd', { name, format: 'json', 'auto.offset.reset': 'earliest' })).statusCode).toBe(200);
    expect((await inject({ method: 'POST', url: path('/subscription'), headers: V2, payload: { topics: ['odd-name'] } })).statusCode).toBe(204);
    const polled = await inject({ url: path('/records?timeout=2000'), headers: { accept: 'application/vnd.kafka.json.v2+json' } });
    expect(polled.json().map((r: { value: string }) => r.value)).toEqual(['x']);
    expect((await inject({ method: 'DELETE', url: path('') })).statusCode).toBe(204);
  });

  it('serves instances on the in-memory store too', async () => {
    const memory = await startGateway();
    try {
      const call = (options: InjectOptions) => memory.app.inject(options);
      await call({ method: 'POST', url: `${memory.v3}/topics`, payload: { topic_name: 'mem', partitions_count: 2 } });
      await call({
        method: 'POST',
        url: '/topics/mem',
        headers: { 'content-type': 'application/vnd.kafka.json.v2+json' },
        payload: { records: [0, 1, 2, 3].map((value) => ({ value })) },
      });
      await call({
        method: 'POST',
        url: '/consumers/g-mem',
        headers: V2,
        payload: JSON.stringify({ name: 'm', format: 'json', 'auto.offset.reset': 'earliest' }),
      });
      expect((await call({ method: 'POST', url: at('g-mem', 'm', '/subscription'), headers: V2, payload: { topics: ['mem'] } })).statusCode).toBe(204);
      const got: number[] = [];
      for (let i = 0; i < 20 && got.length < 4; i++) {
        const polled = await call({ url: at('g-mem', 'm', '/records?timeout=500'), headers: { accept: 'application/vnd.kafka.json.v2+json' } });
        got.push(...polled.json().map((r: { value: number }) => r.value));
      }
      expect(got.sort()).toEqual([0, 1, 2, 3]);
      expect((await call({ url: at('g-mem', 'm', '/assignments') })).json().partitions).toHaveLength(2);
      expect((await call({ method: 'DELETE', url: at('g-mem', 'm', '') })).statusCode).toBe(204);
      expect((await call({ url: at('g-mem', 'm', '/assignments') })).json().error_code).toBe(40403);
    } finally {
      await memory.close();
    }
  });
});
