import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroupMember } from '../../src/groups/group-member.js';
import type { Services } from '../../src/services.js';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { balanced, OwnershipLog, until } from '../support/group-log.js';
import { suiteRedis } from '../support/redis.js';

let redis: Awaited<ReturnType<typeof suiteRedis>>;
const gateways: TestGateway[] = [];
let one: Services;
let other: Services;

beforeAll(async () => {
  redis = await suiteRedis();
  gateways.push(await startGateway({ redisUrl: redis.url }));
  gateways.push(await startGateway({ redisUrl: redis.url, prefix: gateways[0].config.keyPrefix }));
  [one, other] = gateways.map((gw) => gw.app.services);
  await gateways[0].app.inject({ method: 'POST', url: `${gateways[0].v3}/topics`, payload: { topic_name: 'static', partitions_count: 6 } });
});
afterAll(async () => {
  for (const gw of gateways) await gw.close();
  await redis?.stop();
});

const sorted = (member: GroupMember) =>
  member
    .assignment()
    .map((tp) => tp.partition)
    .sort();

describe('static membership (group.instance.id)', () => {
  it('gives a member that reconnects on another gateway within its session its partitions back, without a rebalance', async () => {
    const log = new OwnershipLog();
    const options = { group: 'resume', topics: ['static'], assignor: 'cooperative-sticky' as const, sessionTimeoutMs: 5000 };
    const tab = await log.join(one, 'tab', { ...options, groupInstanceId: 'browser-7' });
    const peer = await log.join(other, 'peer', options);
    await until(() => balanced([tab, peer], 6));
    const before = { tab: sorted(tab), peer: sorted(peer), generation: peer.currentGeneration() };
    const mark = log.events.length;

    // The transport drops: the member stops delivering, but its partitions wait for it.
    await one.groups.disconnect(tab);
    expect(log.of('tab', 'stop', mark).sort()).toEqual(before.tab);
    await new Promise((r) => setTimeout(r, 500));
    expect(sorted(peer)).toEqual(before.peer);

    const back = await log.join(other, 'tab-again', { ...options, groupInstanceId: 'browser-7' });
    await until(() => balanced([back, peer], 6));
    expect(sorted(back)).toEqual(before.tab);
    expect(back.currentGeneration()).toBe(before.generation);
    // The other member saw nothing: no revoke, no new partition.
    expect(log.of('peer', 'stop', mark)).toEqual([]);
    expect(log.of('peer', 'start', mark)).toEqual([]);
    log.expectExclusive();
    await other.groups.leave(back);
    await other.groups.leave(peer);
  });

  it("gives a static member's partitions to the others once it stayed away for its whole session", async () => {
    const log = new OwnershipLog();
    const options = { group: 'expire', topics: ['static'], assignor: 'cooperative-sticky' as const };
    const gone = await log.join(one, 'gone', { ...options, groupInstanceId: 'pod-1', sessionTimeoutMs: 800 });
    const stays = await log.join(other, 'stays', { ...options, sessionTimeoutMs: 5000 });
    await until(() => balanced([gone, stays], 6));
    await one.groups.disconnect(gone);
    await until(() => sorted(stays).length === 6, 10_000, 'the session to expire and the partitions to move');
    log.expectExclusive();
    await other.groups.leave(stays);
  });

  it('fences the older of two live members with one instance id: it stops and is told before the newer one starts', async () => {
    const log = new OwnershipLog();
    const options = { group: 'fence', topics: ['static'], assignor: 'cooperative-sticky' as const, sessionTimeoutMs: 5000 };
    const older = await log.join(one, 'older', { ...options, groupInstanceId: 'pod-2' });
    const peer = await log.join(other, 'peer', options);
    await until(() => balanced([older, peer], 6));
    const held = sorted(older);
    const mark = log.events.length;

    const newer = await log.join(other, 'newer', { ...options, groupInstanceId: 'pod-2' });
    await until(() => balanced([newer, peer], 6));
    expect(log.fenced.get('older')).toMatchObject({ errorCode: 40904 });
    expect(log.of('older', 'stop', mark).sort()).toEqual(held);
    expect(sorted(newer)).toEqual(held);
    expect(log.of('peer', 'stop', mark)).toEqual([]);
    log.expectExclusive();
    // The fenced member is out of the group: it holds nothing and its heartbeats stopped.
    expect(older.assignment()).toEqual([]);
    expect((await one.groups.describe('fence'))?.members.map((m) => m.memberId).sort()).toEqual([newer.memberId, peer.memberId].sort());
    await other.groups.leave(newer);
    await other.groups.leave(peer);
  });

  it('rebalances when a static member leaves the group on purpose', async () => {
    const log = new OwnershipLog();
    const options = { group: 'explicit', topics: ['static'], assignor: 'cooperative-sticky' as const };
    const leaving = await log.join(one, 'leaving', { ...options, groupInstanceId: 'pod-3' });
    const stays = await log.join(other, 'stays', options);
    await until(() => balanced([leaving, stays], 6));
    await one.groups.leave(leaving);
    await until(() => sorted(stays).length === 6);
    log.expectExclusive();
    await other.groups.leave(stays);
  });
});
