import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroupMember } from '../../src/groups/group-member.js';
import type { Services } from '../../src/services.js';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { suiteRedis } from '../support/redis.js';

let redis: Awaited<ReturnType<typeof suiteRedis>>;
const gateways: TestGateway[] = [];

beforeAll(async () => {
  redis = await suiteRedis();
  gateways.push(await startGateway({ redisUrl: redis.url }));
  gateways.push(await startGateway({ redisUrl: redis.url, prefix: gateways[0].config.keyPrefix }));
  await gateways[0].app.inject({ method: 'POST', url: `${gateways[0].v3}/topics`, payload: { topic_name: 'contended', partitions_count: 8 } });
});
afterAll(async () => {
  for (const gw of gateways) await gw.close();
  await redis?.stop();
});

interface Event {
  member: string;
  kind: 'start' | 'stop';
  partition: number;
}

describe('exclusive partition ownership across gateways', () => {
  it('never lets two members deliver one partition at once while members join and leave on two gateways', async () => {
    // Both gateways run in this process, so the callbacks' order is the real order of events.
    const events: Event[] = [];
    const join = (services: Services, name: string) =>
      services.groups.join({
        group: 'contenders',
        topics: ['contended'],
        clientId: name,
        sessionTimeoutMs: 5000,
        onAssigned: async (partitions) => {
          for (const tp of partitions) events.push({ member: name, kind: 'start', partition: tp.partition });
        },
        onRevoked: async (partitions) => {
          // Stopping takes a while (a batch in flight): ownership must wait for it.
          await new Promise((r) => setTimeout(r, 20));
          for (const tp of partitions) events.push({ member: name, kind: 'stop', partition: tp.partition });
        },
      });

    const members: Array<{ member: GroupMember; services: Services }> = [];
    for (let round = 0; round < 12; round++) {
      const services = gateways[round % 2].app.services;
      if (members.length < 2 || (round % 3 !== 2 && members.length < 6)) {
        members.push({ member: await join(services, `m${round}`), services });
      } else {
        const [leaving] = members.splice(round % members.length, 1);
        await leaving.services.groups.leave(leaving.member);
      }
      await new Promise((r) => setTimeout(r, 150));
    }
    // Let the last rebalance finish: every partition held by exactly one live member.
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const held = members.flatMap(({ member }) => member.assignment().map((tp) => tp.partition));
      if (held.length === 8 && new Set(held).size === 8) break;
      await new Promise((r) => setTimeout(r, 50));
    }

    const holder = new Map<number, string>();
    for (const event of events) {
      if (event.kind === 'start') {
        expect(holder.get(event.partition), `partition ${event.partition} started by ${event.member} while ${holder.get(event.partition)} held it`).toBeUndefined();
        holder.set(event.partition, event.member);
      } else {
        expect(holder.get(event.partition)).toBe(event.member);
        holder.delete(event.partition);
      }
    }
    expect(events.filter((e) => e.kind === 'stop').length).toBeGreaterThan(4);
    expect([...holder.keys()].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });
});
