import { describe, expect, it } from 'vitest';
import { gatewayPair, type GatewayName } from '../support/gateway-pair.js';
import { until } from '../support/group-log.js';
import { held, partitionsOf, takeRecords, type ServerMessage, type TestSocket } from '../support/ws-client.js';

/** Smoother rebalances over WebSockets: the initial rebalance delay and cooperative incremental rebalancing. */
const gateways = gatewayPair();
const { createTopic, produce } = gateways;

/** A record as it arrived at a socket: when, and how long after it was produced (ms). */
interface Arrival {
  partition: number;
  offset: number;
  at: number;
  latency: number;
}

/** Opens a socket on a gateway and notes when each of its records arrived. */
const open = async (gateway: GatewayName) => {
  const client = await gateways.socket(gateway);
  const arrivals: Arrival[] = [];
  client.socket.on('message', (data) => {
    const [at, now] = [performance.now(), Date.now()];
    const message = JSON.parse(data.toString()) as ServerMessage;
    if (message.type !== 'records') return;
    for (const r of message.records as Array<Arrival & { timestamp: number }>)
      arrivals.push({ partition: r.partition, offset: r.offset, at, latency: now - r.timestamp });
  });
  return Object.assign(client, { arrivals });
};
const subscribe = (client: TestSocket, group: string, topic: string, extra: object = {}) =>
  client.send({ type: 'subscribe', group, topics: [topic], session_timeout_ms: 5000, auto_offset_reset: 'earliest', ...extra });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ofType = (messages: ServerMessage[], type: string) => messages.filter((m) => m.type === type);
const offsetsOf = (arrivals: Arrival[], partition: number) => arrivals.filter((r) => r.partition === partition).map((r) => r.offset);

/** The records of `partitions` that arrived in [from, to): the longest time between two consecutive ones of a partition, and the slowest one's latency. */
function deliveryIn(arrivals: Arrival[], partitions: number[], from: number, to: number): { pause: number; latency: number } {
  let pause = 0;
  let latency = 0;
  for (const partition of partitions) {
    const of = arrivals.filter((r) => r.partition === partition);
    for (let i = 1; i < of.length; i++) {
      if (of[i].at < from || of[i].at >= to) continue;
      pause = Math.max(pause, of[i].at - of[i - 1].at);
      latency = Math.max(latency, of[i].latency);
    }
  }
  return { pause, latency };
}

describe('rebalances over WebSockets', () => {
  it('gives two members joining within a second during the initial rebalance delay a balanced half each at once: no revoke, no record twice', async () => {
    const topic = 'starting';
    await createTopic(topic, 8);
    for (let partition = 0; partition < 8; partition++) await produce(topic, partition, ['r0', 'r1']);
    const first = await open('a');
    subscribe(first, 'g-starting', topic, { initial_rebalance_delay_ms: 1500 });
    await sleep(500);
    const second = await open('b');
    subscribe(second, 'g-starting', topic);

    const [one, two] = await Promise.all([first.next((m) => m.type === 'assigned', 10_000), second.next((m) => m.type === 'assigned', 10_000)]);
    expect(partitionsOf(one)).toHaveLength(4);
    expect(partitionsOf(two)).toHaveLength(4);
    expect(new Set([...partitionsOf(one), ...partitionsOf(two)].map((p) => p.partition)).size).toBe(8);
    expect(one.generation).toBe(two.generation);

    await takeRecords(first, 8);
    await takeRecords(second, 8);
    await sleep(300);
    // Each partition's records once, by its one member, and nobody was ever told to give one up.
    for (let partition = 0; partition < 8; partition++)
      expect([...offsetsOf(first.arrivals, partition), ...offsetsOf(second.arrivals, partition)]).toEqual([0, 1]);
    expect([...ofType(first.received, 'revoked'), ...ofType(second.received, 'revoked')]).toEqual([]);
    expect([ofType(first.received, 'assigned'), ofType(second.received, 'assigned')]).toEqual([[one], [two]]);
  });

  it('revokes only the partitions a third member takes under cooperative-sticky; the kept ones deliver on, every record once and in order', async ({
    annotate,
  }) => {
    const topic = 'streaming';
    const group = 'g-streaming';
    const partitions = [0, 1, 2, 3, 4, 5];
    await createTopic(topic, partitions.length);
    // Auto-commit hands a moved partition over where its member stopped: every record is delivered once.
    const options = { assignor: 'cooperative-sticky', delivery: 'auto-commit', credit: 100_000 };
    const first = await open('a');
    subscribe(first, group, topic, options);
    const second = await open('b');
    subscribe(second, group, topic, options);
    await until(() => held(first).length === 3 && held(second).length === 3, 10_000, 'two members with three partitions each');
    const before = { first: held(first), second: held(second) };
    const marks = { first: first.received.length, second: second.received.length };

    let producing = true;
    const producer = (async () => {
      for (let round = 0; producing; round++) {
        await Promise.all(partitions.map((partition) => produce(topic, partition, [round])));
        await sleep(5);
      }
    })();
    await sleep(500);
    const joining = performance.now();
    const third = await open('a');
    subscribe(third, group, topic, options);
    await until(() => [first, second, third].every((member) => held(member).length === 2), 10_000, 'three members with two partitions each');
    const settled = performance.now();
    await sleep(500);
    producing = false;
    await producer;

    const members = { first, second, third };
    const after = { first: held(first), second: held(second), third: held(third) };
    const kept = { first: before.first.filter((p) => after.first.includes(p)), second: before.second.filter((p) => after.second.includes(p)) };
    expect(kept.first).toHaveLength(2);
    expect(kept.second).toHaveLength(2);
    expect(after.third.sort()).toEqual(partitions.filter((p) => !kept.first.includes(p) && !kept.second.includes(p)));
    for (const name of ['first', 'second'] as const) {
      const since = members[name].received.slice(marks[name]);
      // Only what moved was revoked, once, and nothing new was assigned.
      expect(ofType(since, 'revoked').flatMap((m) => partitionsOf(m).map((p) => p.partition))).toEqual(before[name].filter((p) => !kept[name].includes(p)));
      expect(ofType(since, 'assigned')).toEqual([]);
    }

    // Every record of every partition exactly once, in order: its first holder's share, then the third member's.
    for (const partition of partitions) {
      const { nextOffset } = await gateways.a.app.services.fetch.offsets(topic, partition);
      const delivered = () => [first, second, third].flatMap((member) => offsetsOf(member.arrivals, partition));
      await until(() => delivered().length >= nextOffset, 5000, `partition ${partition} delivered`);
      expect(delivered()).toEqual(Array.from({ length: nextOffset }, (_, i) => i));
    }

    // Delivery of the kept partitions while the third member joined, against an equal time just before.
    const window = settled + 100 - joining;
    const measure = (from: number) => {
      const [one, two] = [deliveryIn(first.arrivals, kept.first, from, from + window), deliveryIn(second.arrivals, kept.second, from, from + window)];
      return `longest pause ${Math.max(one.pause, two.pause).toFixed(1)} ms, slowest record ${Math.max(one.latency, two.latency)} ms after its produce`;
    };
    await annotate(
      `kept partitions during the rebalance (${window.toFixed(0)} ms): ${measure(joining)}; just before it: ${measure(joining - window)}`,
      'measurement',
    );
  });
});
