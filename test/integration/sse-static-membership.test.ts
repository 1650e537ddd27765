import { describe, expect, it } from 'vitest';
import { gatewayPair } from '../support/gateway-pair.js';
import { until } from '../support/group-log.js';
import { takeEvents, type EventStream, type SseEvent } from '../support/sse-client.js';
import { takeRecords } from '../support/ws-client.js';

/** Event streams of a consumer group across two gateways: static membership and resuming. */
const gateways = gatewayPair();
const { createTopic, produce, events } = gateways;

interface Announced {
  generation: number;
  partitions: Array<{ topic: string; partition: number; offset?: number }>;
}
const data = (event: SseEvent) => JSON.parse(event.data!) as Announced & { partition: number; offset: number };
/** The partitions a stream holds now, from its `assigned` and `revoked` events. */
function held(stream: EventStream): number[] {
  const partitions = new Set<number>();
  for (const event of stream.received) {
    if (event.event === 'assigned') for (const p of data(event).partitions) partitions.add(p.partition);
    if (event.event === 'revoked') for (const p of data(event).partitions) partitions.delete(p.partition);
  }
  return [...partitions].sort((x, y) => x - y);
}

describe('event streams of a consumer group', () => {
  it('gives a stream with a group instance id that reconnects on the other gateway its partitions back, exactly after its last event, with no rebalance', async () => {
    const topic = 'sse-static';
    await createTopic(topic, 4);
    const query = 'group=g-sse-static&from=earliest';
    const tab = await events('a', topic, `${query}&group_instance_id=tab-1`);
    const peer = await events('b', topic, query);
    await until(() => held(tab).length === 2 && held(peer).length === 2, 10_000, 'a balanced group');
    const mine = held(tab);
    const generation = (await gateways.a.app.services.groups.describe('g-sse-static'))!.generation;

    for (let partition = 0; partition < 4; partition++) await produce(topic, partition, ['r0', 'r1', 'r2']);
    const seen = await takeEvents(tab, 6);
    await takeEvents(peer, 6);
    const peerMark = peer.received.length;

    // The tab drops its connection; once the gateway noticed, records keep coming while it is away.
    tab.close();
    await until(
      async () => (await gateways.a.app.services.groups.describe('g-sse-static'))!.members.some((m) => m.instanceId === 'tab-1' && m.disconnected),
      5000,
      'the drop to be noticed',
    );
    for (let partition = 0; partition < 4; partition++) await produce(topic, partition, ['r3']);
    await takeEvents(peer, 2);

    const back = await events('b', topic, `${query}&group_instance_id=tab-1`, { 'last-event-id': seen.at(-1)!.id! });
    const assigned = data(await back.next((e) => e.event === 'assigned', 10_000));
    expect(assigned.generation).toBe(generation);
    expect(assigned.partitions.sort((x, y) => x.partition - y.partition)).toEqual(mine.map((partition) => ({ topic, partition, offset: 3 })));
    expect((await takeEvents(back, 2)).map(data).map(({ partition, offset }) => ({ partition, offset }))).toEqual(
      expect.arrayContaining(mine.map((partition) => ({ partition, offset: 3 }))),
    );
    await expect(back.next((e) => e.event === 'record', 300)).rejects.toThrow();
    expect(peer.received.slice(peerMark).filter((e) => e.event === 'assigned' || e.event === 'revoked')).toEqual([]);
    expect((await gateways.b.app.services.groups.describe('g-sse-static'))!.generation).toBe(generation);
  });

  it("starts a partition it never delivered at the group's commit, whatever position its resume token carried for it", async () => {
    const topic = 'sse-gap';
    const group = 'g-sse-gap';
    await createTopic(topic, 1);
    await produce(topic, 0, ['r0', 'r1', 'r2', 'r3', 'r4']);
    // A static member (ordered first by the range assignor) reads everything and commits only two records.
    const holder = await gateways.socket('a');
    holder.send({ type: 'subscribe', group, topics: [topic], auto_offset_reset: 'earliest', group_instance_id: 'holder', session_timeout_ms: 1000 });
    await takeRecords(holder, 5);
    holder.send({ type: 'commit', id: 'two', offsets: [{ topic, partition: 0, offset: 2 }] });
    await holder.next((m) => m.type === 'committed');

    // A stream joins and gets no partition; its connection drops, and it reconnects once the holder is gone for good.
    const idle = await events('b', topic, `group=${group}`);
    const ready = await idle.next((e) => e.event === 'ready');
    idle.close();
    await holder.close();
    const resumed = await events('a', topic, `group=${group}`, { 'last-event-id': ready.id ?? '' });
    const assigned = data(await resumed.next((e) => e.event === 'assigned', 10_000));
    // The holder delivered records 2-4 but never committed them: at least once means they come again.
    expect(assigned.partitions).toEqual([{ topic, partition: 0, offset: 2 }]);
    expect((await takeEvents(resumed, 3)).map((e) => data(e).offset)).toEqual([2, 3, 4]);
  });

  it.each([
    ['group=g-bad&group_instance_id=has%20space', 422],
    [`group=g-bad&group_instance_id=${'x'.repeat(250)}`, 422],
    ['group=g-bad&group_instance_id=..', 422],
    ['group_instance_id=no-group', 422],
  ])('refuses %s with error %i before streaming, joining nothing', async (query, code) => {
    await createTopic('sse-refused', 1);
    const response = await fetch(gateways.eventsUrl('a', 'sse-refused', query));
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    expect(await response.json()).toMatchObject({ error_code: code, message: expect.stringMatching(/instance|group/) });
    expect(await gateways.a.app.services.groups.describe('g-bad')).toBeUndefined();
  });
});
