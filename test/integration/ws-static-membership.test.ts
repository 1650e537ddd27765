import { describe, expect, it } from 'vitest';
import { gatewayPair } from '../support/gateway-pair.js';
import { until } from '../support/group-log.js';
import { held, partitionsOf, takeRecords, type ServerMessage, type TestSocket } from '../support/ws-client.js';

/** Static membership over WebSockets: a browser tab that reconnects, through any gateway, is the same member. */
const gateways = gatewayPair();
const { socket: open, createTopic, produce } = gateways;
const subscribe = (client: TestSocket, group: string, topic: string, extra: object = {}) =>
  client.send({ type: 'subscribe', group, topics: [topic], session_timeout_ms: 5000, auto_offset_reset: 'earliest', ...extra });

type Delivered = Record<string, unknown> & { partition: number; offset: number };
/** Offsets delivered per partition, in the order they arrived. */
function offsetsByPartition(records: Array<Record<string, unknown>>): Map<number, number[]> {
  const by = new Map<number, number[]>();
  for (const r of records as Delivered[]) by.set(r.partition, [...(by.get(r.partition) ?? []), r.offset]);
  return by;
}
const recordsIn = (messages: ServerMessage[]) => messages.filter((m) => m.type === 'records').flatMap((m) => m.records as Delivered[]);
const rebalanceMessages = (messages: ServerMessage[]) => messages.filter((m) => m.type === 'assigned' || m.type === 'revoked');
const closeCode = (client: TestSocket) => new Promise<number>((resolve) => client.socket.once('close', (code) => resolve(code)));

describe('static membership over WebSockets (group_instance_id)', () => {
  it.each([
    {
      delivery: 'at-least-once',
      // The tab commits all of its first partition and one record of its second.
      commit: (first: number, second: number) => [
        { partition: first, offset: 3 },
        { partition: second, offset: 1 },
      ],
      resumesAt: [3, 1],
    },
    { delivery: 'auto-commit', commit: () => [], resumesAt: [3, 3] },
  ])(
    'gives a $delivery member that reconnects on the other gateway its partitions, generation and positions back, and the other member sees no rebalance',
    async ({ delivery, commit, resumesAt }) => {
      const topic = `static-${delivery}`;
      const group = `g-${topic}`;
      await createTopic(topic, 4);
      const options = { delivery, auto_commit_interval_ms: 100 };
      const tab = await open('a');
      subscribe(tab, group, topic, { ...options, group_instance_id: 'tab-1' });
      const peer = await open('b');
      subscribe(peer, group, topic, options);
      await until(() => held(tab).length === 2 && held(peer).length === 2, 10_000, 'a balanced group');
      const mine = held(tab);
      const generation = (await gateways.a.app.services.groups.describe(group))!.generation;

      for (let partition = 0; partition < 4; partition++) await produce(topic, partition, ['r0', 'r1', 'r2']);
      await takeRecords(tab, 6);
      await takeRecords(peer, 6);
      const offsets = commit(mine[0], mine[1]).map((o) => ({ topic, ...o }));
      if (offsets.length > 0) {
        tab.send({ type: 'commit', id: 'done', offsets });
        await tab.next((m) => m.type === 'committed' && m.id === 'done');
      }
      const peerMark = peer.received.length;

      // The tab's connection drops; records keep coming while it is away.
      await tab.close();
      for (let partition = 0; partition < 4; partition++) await produce(topic, partition, ['r3']);
      await takeRecords(peer, 2);

      const back = await open('b');
      subscribe(back, group, topic, { ...options, group_instance_id: 'tab-1' });
      const assigned = await back.next((m) => m.type === 'assigned', 10_000);
      expect(assigned.generation).toBe(generation);
      expect(partitionsOf(assigned).sort((x, y) => x.partition - y.partition)).toEqual([
        { topic, partition: mine[0], offset: resumesAt[0] },
        { topic, partition: mine[1], offset: resumesAt[1] },
      ]);
      // It goes on from where it stood: what it had not committed again, then what came meanwhile.
      const expected = new Map(mine.map((partition, i) => [partition, Array.from({ length: 4 - resumesAt[i] }, (_, k) => resumesAt[i] + k)]));
      const again = await takeRecords(back, [...expected.values()].flat().length);
      expect(offsetsByPartition(again)).toEqual(expected);
      await expect(back.next((m) => m.type === 'records', 300)).rejects.toThrow();

      // The other member saw no rebalance: no revoke, no assignment, and the group's generation stands.
      expect(rebalanceMessages(peer.received.slice(peerMark))).toEqual([]);
      expect(held(peer)).toEqual([0, 1, 2, 3].filter((p) => !mine.includes(p)));
      expect((await gateways.b.app.services.groups.describe(group))!.generation).toBe(generation);
      await back.close();
      await peer.close();
    },
  );

  it('auto-commits on close exactly what the socket carried, while records keep coming', async () => {
    const topic = 'closing';
    const group = 'g-closing';
    await createTopic(topic, 1);
    const client = await open('a');
    subscribe(client, group, topic, { delivery: 'auto-commit', auto_commit_interval_ms: 60_000, group_instance_id: 'closing-1' });
    let producing = true;
    const producer = (async () => {
      for (let round = 0; producing; round++) await produce(topic, 0, [round]);
    })();
    await until(() => recordsIn(client.received).length >= 50, 5000, 'records to flow');
    await client.close();
    await until(async () => (await gateways.a.app.services.groups.describe(group))!.members.every((m) => m.disconnected), 5000, 'the member to disconnect');
    producing = false;
    await producer;
    const carried = recordsIn(client.received).at(-1)!.offset + 1;
    expect(await gateways.a.app.services.groups.committedOffset(group, { topic, partition: 0 })).toBe(carried);
  });

  it.each([{ static: false }, { static: true }])(
    'leaves no member behind when a socket closes while it is still joining (%j)',
    async ({ static: isStatic }) => {
      await createTopic('dropped', 2);
      const group = `g-dropped-${isStatic}`;
      for (let i = 0; i < 5; i++) {
        const client = await open('a');
        subscribe(client, group, 'dropped', { session_timeout_ms: 1000, ...(isStatic ? { group_instance_id: `tab-${i}` } : {}) });
        client.socket.terminate();
      }
      // A static member keeps its place for its session (1 s), then it is gone like the others.
      await until(async () => ((await gateways.a.app.services.groups.describe(group))?.members ?? []).length === 0, 5000, 'every member to leave');
    },
  );

  it('fences the older of two live sockets with one id: error 40904, close code 4002, and no record delivered by both', async () => {
    const topic = 'fenced';
    const group = 'g-fenced';
    await createTopic(topic, 4);
    // Auto-commit hands a partition over exactly where its member stopped, so every record is delivered once.
    const options = { delivery: 'auto-commit', auto_commit_interval_ms: 60_000 };
    const older = await open('a');
    subscribe(older, group, topic, { ...options, group_instance_id: 'pod-1' });
    const peer = await open('b');
    subscribe(peer, group, topic, options);
    await until(() => held(older).length === 2 && held(peer).length === 2, 10_000, 'a balanced group');
    const mine = held(older);
    const peerMark = peer.received.length;
    const olderClosed = closeCode(older);

    let producing = true;
    const producer = (async () => {
      for (let round = 0; producing; round++) {
        for (let partition = 0; partition < 4; partition++) await produce(topic, partition, [round]);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await until(() => recordsIn(older.received).length >= 20, 5000, 'the older socket to deliver');

    const newer = await open('b');
    subscribe(newer, group, topic, { ...options, group_instance_id: 'pod-1' });
    const fenced = await older.next((m) => m.type === 'error', 10_000);
    expect(fenced).toMatchObject({ error_code: 40904, message: expect.stringContaining('pod-1') });
    expect(await olderClosed).toBe(4002);
    const assigned = await newer.next((m) => m.type === 'assigned', 10_000);
    expect(
      partitionsOf(assigned)
        .map((p) => p.partition)
        .sort(),
    ).toEqual(mine);
    await until(() => recordsIn(newer.received).length >= 20, 5000, 'the newer socket to deliver');
    producing = false;
    await producer;

    // The older socket was told it lost its partitions, then why, and got nothing after that.
    const fencedAt = older.received.findIndex((m) => m.type === 'error');
    expect(older.received[fencedAt - 1].type).toBe('revoked');
    expect(
      partitionsOf(older.received[fencedAt - 1])
        .map((p) => p.partition)
        .sort(),
    ).toEqual(mine);
    expect(older.received.slice(fencedAt + 1)).toEqual([]);
    // Every record exactly once, in order: the older socket's share of a partition, then the newer one's.
    for (let partition = 0; partition < 4; partition++) {
      const { nextOffset } = await gateways.a.app.services.fetch.offsets(topic, partition);
      const from = (client: TestSocket) => offsetsByPartition(recordsIn(client.received)).get(partition) ?? [];
      await until(() => from(older).length + from(newer).length + from(peer).length >= nextOffset, 5000, `partition ${partition} delivered`);
      expect([...from(older), ...from(newer), ...from(peer)]).toEqual(Array.from({ length: nextOffset }, (_, i) => i));
      if (mine.includes(partition)) expect(from(peer)).toEqual([]);
      else expect(from(older).length + from(newer).length).toBe(0);
    }
    expect(rebalanceMessages(peer.received.slice(peerMark))).toEqual([]);
    await newer.close();
    await peer.close();
  });

  let refusals = 0;
  it.each([
    [{ group_instance_id: 'has space' }, 422],
    [{ group_instance_id: 'x'.repeat(250) }, 422],
    [{ group_instance_id: '' }, 422],
    [{ group_instance_id: '..' }, 422],
    [{ group_instance_id: '.' }, 422],
    [{ initial_rebalance_delay_ms: -1 }, 422],
    [{ initial_rebalance_delay_ms: 300_001 }, 422],
    [{ initial_rebalance_delay_ms: 1.5 }, 422],
  ])('refuses a subscribe with %j (error %i), joins nothing and keeps the connection', async (bad, code) => {
    await createTopic('refused', 1);
    const group = `g-refused-${++refusals}`;
    const client = await open('a');
    subscribe(client, group, 'refused', bad);
    expect(await client.next((m) => m.type === 'error')).toMatchObject({ error_code: code, message: expect.stringMatching(/instance|rebalance/) });
    expect(await gateways.a.app.services.groups.describe(group)).toBeUndefined();
    subscribe(client, group, 'refused', { group_instance_id: 'fine-1' });
    expect(await client.next((m) => m.type === 'assigned')).toMatchObject({ partitions: [{ topic: 'refused', partition: 0 }] });
    await client.close();
  });
});
