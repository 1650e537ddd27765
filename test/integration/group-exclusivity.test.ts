import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroupMember } from '../../src/groups/group-member.js';
import type { Services } from '../../src/services.js';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { OwnershipLog, settled, until } from '../support/group-log.js';
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
        expect(
          holder.get(event.partition),
          `partition ${event.partition} started by ${event.member} while ${holder.get(event.partition)} held it`,
        ).toBeUndefined();
        holder.set(event.partition, event.member);
      } else {
        expect(holder.get(event.partition)).toBe(event.member);
        holder.delete(event.partition);
      }
    }
    expect(events.filter((e) => e.kind === 'stop').length).toBeGreaterThan(4);
    expect([...holder.keys()].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('never lets two members deliver one partition at once while static members reconnect, get fenced and leave, starting within the initial delay', async () => {
    const log = new OwnershipLog();
    const services = gateways.map((gw) => gw.app.services);
    const options = { group: 'static-contenders', topics: ['contended'], sessionTimeoutMs: 5000 };
    const live: Array<{ name: string; instance?: string; member: GroupMember; gateway: number }> = [];
    let joins = 0;
    const join = async (gateway: number, instance?: string, extra: { initialRebalanceDelayMs?: number } = {}) => {
      const name = `${instance ?? 'dynamic'}#${joins++}`;
      const member = await log.join(services[gateway], name, { ...options, ...extra, ...(instance ? { groupInstanceId: instance } : {}) });
      live.push({ name, instance, member, gateway });
    };

    // Three members start together inside the first one's delay.
    await join(0, 'pod-0', { initialRebalanceDelayMs: 300 });
    await join(1, 'pod-1');
    await join(0, 'pod-2');
    let fences = 0;
    for (let round = 0; round < 12; round++) {
      const statics = live.filter((m) => m.instance);
      const pick = statics[round % statics.length];
      const elsewhere = 1 - pick.gateway;
      switch (round % 4) {
        case 0: // the transport drops, and the member comes back through the other gateway
          await services[pick.gateway].groups.disconnect(pick.member);
          live.splice(live.indexOf(pick), 1);
          await new Promise((r) => setTimeout(r, 50));
          await join(elsewhere, pick.instance);
          break;
        case 1: // a second live connection with the same instance id fences the first
          live.splice(live.indexOf(pick), 1);
          await join(elsewhere, pick.instance);
          fences++;
          break;
        case 2:
          await join(round % 2, undefined);
          break;
        default: {
          const leaving = live.find((m) => !m.instance) ?? pick;
          live.splice(live.indexOf(leaving), 1);
          await services[leaving.gateway].groups.leave(leaving.member);
          if (leaving === pick) await join(elsewhere, pick.instance);
        }
      }
      await new Promise((r) => setTimeout(r, 150));
    }
    await until(
      () =>
        settled(
          live.map((m) => m.member),
          8,
        ),
      15_000,
      'every partition held by one live member',
    );

    const holder = log.expectExclusive();
    expect(new Set(holder.values())).toEqual(new Set(live.filter((m) => m.member.assignment().length > 0).map((m) => m.name)));
    expect(log.fenced.size).toBe(fences);
    for (const error of log.fenced.values()) expect(error.errorCode).toBe(40904);
    for (const m of live) await services[m.gateway].groups.leave(m.member);
  });
});
