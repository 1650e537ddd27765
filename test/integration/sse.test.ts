import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { suiteRedis } from '../support/redis.js';
import { openEvents, takeEvents } from '../support/sse-client.js';

let redis: Awaited<ReturnType<typeof suiteRedis>>;
let gw: TestGateway;
let base: string;

beforeAll(async () => {
  redis = await suiteRedis();
  gw = await startGateway({ redisUrl: redis.url });
  await gw.app.listen({ port: 0, host: '127.0.0.1' });
  const address = gw.app.server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(async () => {
  await gw?.close();
  await redis?.stop();
});

const produce = (topic: string, partition: number, values: unknown[]) =>
  gw.app.inject({
    method: 'POST',
    url: `/topics/${topic}/partitions/${partition}`,
    headers: { 'content-type': 'application/vnd.kafka.json.v2+json' },
    payload: { records: values.map((value) => ({ value })) },
  });

describe('Server-Sent Events', () => {
  it('streams a topic live and resumes after a dropped connection with nothing lost or repeated', async () => {
    await gw.app.inject({ method: 'POST', url: `${gw.v3}/topics`, payload: { topic_name: 'feed', partitions_count: 2 } });
    await produce('feed', 0, ['a0', 'a1', 'a2']);
    await produce('feed', 1, ['b0', 'b1']);

    const first = await openEvents(`${base}${gw.v3}/topics/feed/events?from=earliest`);
    expect(first.response.headers.get('content-type')).toBe('text/event-stream');
    const seen = await takeEvents(first, 3);
    first.close();

    const lastId = seen.at(-1)!.id!;
    expect(lastId).toMatch(/^0:\d+\.1:\d+$/);
    await produce('feed', 0, ['a3']);
    await produce('feed', 1, ['b2']);

    const second = await openEvents(`${base}${gw.v3}/topics/feed/events`, { 'last-event-id': lastId });
    const rest = await takeEvents(second, 4);
    await expect(second.next((e) => e.event === 'record', 300)).rejects.toThrow();
    second.close();

    const values = [...seen, ...rest].map((e) => JSON.parse(e.data!).value).sort();
    expect(values).toEqual(['a0', 'a1', 'a2', 'a3', 'b0', 'b1', 'b2']);
  });

  it('starts at the end by default and delivers only new records', async () => {
    await gw.app.inject({ method: 'POST', url: `${gw.v3}/topics`, payload: { topic_name: 'tail' } });
    await produce('tail', 0, ['old']);
    const stream = await openEvents(`${base}${gw.v3}/topics/tail/events`);
    await stream.next((e) => e.event === 'ready');
    await produce('tail', 0, ['new']);
    const [event] = await takeEvents(stream, 1);
    expect(JSON.parse(event.data!)).toMatchObject({ topic: 'tail', partition: 0, offset: 1, value: 'new' });
    stream.close();
  });

  it('refuses a malformed resume token, an unknown topic and a bad format before streaming', async () => {
    const bad = await fetch(`${base}${gw.v3}/topics/feed/events`, { headers: { 'last-event-id': 'yesterday' } });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error_code).toBe(40002);
    const unknownPartition = await fetch(`${base}${gw.v3}/topics/feed/events?last_event_id=7:0`);
    expect((await unknownPartition.json()).error_code).toBe(40402);
    const unknown = await fetch(`${base}${gw.v3}/topics/nope/events`);
    expect((await unknown.json()).error_code).toBe(40401);
    const format = await fetch(`${base}${gw.v3}/topics/feed/events?format=xml`);
    expect(format.status).toBe(422);
  });

  it("splits a topic between event streams of one consumer group and resumes from the group's commits", async () => {
    await gw.app.inject({ method: 'POST', url: `${gw.v3}/topics`, payload: { topic_name: 'grouped', partitions_count: 2 } });
    await produce('grouped', 0, ['p0-a']);
    await produce('grouped', 1, ['p1-a']);
    const url = `${base}${gw.v3}/topics/grouped/events?group=sse-group&from=earliest`;

    const first = await openEvents(url);
    expect((await takeEvents(first, 2)).map((e) => JSON.parse(e.data!).value).sort()).toEqual(['p0-a', 'p1-a']);

    const second = await openEvents(url);
    await second.next((e) => e.event === 'assigned' && JSON.parse(e.data!).partitions.length === 1, 10_000);
    await produce('grouped', 0, ['p0-b']);
    await produce('grouped', 1, ['p1-b']);
    const [fromFirst] = await takeEvents(first, 1);
    const [fromSecond] = await takeEvents(second, 1);
    expect([JSON.parse(fromFirst.data!).value, JSON.parse(fromSecond.data!).value].sort()).toEqual(['p0-b', 'p1-b']);
    expect(JSON.parse(fromFirst.data!).partition).not.toBe(JSON.parse(fromSecond.data!).partition);
    first.close();
    second.close();

    // Everything delivered was committed: a new member of the group starts after it.
    await new Promise((r) => setTimeout(r, 300));
    await produce('grouped', 0, ['p0-c']);
    const third = await openEvents(url);
    expect((await takeEvents(third, 1)).map((e) => JSON.parse(e.data!).value)).toEqual(['p0-c']);
    await expect(third.next((e) => e.event === 'record', 500)).rejects.toThrow();
    third.close();
  });
});
