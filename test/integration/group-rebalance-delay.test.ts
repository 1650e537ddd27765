import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroupMember } from '../../src/groups/group-member.js';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { balanced, OwnershipLog, until } from '../support/group-log.js';
import { suiteRedis } from '../support/redis.js';

let redis: Awaited<ReturnType<typeof suiteRedis>>;
const gateways: TestGateway[] = [];
const members: GroupMember[] = [];

beforeAll(async () => {
  redis = await suiteRedis();
  // Both gateways with the default delay (the test support sets 0 unless told otherwise).
  const env = { GROUP_INITIAL_REBALANCE_DELAY_MS: '' };
  gateways.push(await startGateway({ redisUrl: redis.url, env }));
  gateways.push(await startGateway({ redisUrl: redis.url, prefix: gateways[0].config.keyPrefix, env }));
  await gateways[0].app.inject({ method: 'POST', url: `${gateways[0].v3}/topics`, payload: { topic_name: 'starting', partitions_count: 8 } });
});
afterAll(async () => {
  for (const gw of gateways) await gw.close();
  await redis?.stop();
});

describe('the initial rebalance delay', () => {
  it('is 3 s by default, like Kafka', () => {
    expect(gateways[0].config.groupInitialRebalanceDelayMs).toBe(3000);
  });

  it('gives two members starting within a second on two gateways one balanced assignment, with no partition handed over', async () => {
    const log = new OwnershipLog();
    const first = await log.join(gateways[0].app.services, 'first', { group: 'pods', topics: ['starting'] });
    members.push(first);
    await new Promise((r) => setTimeout(r, 500));
    const second = await log.join(gateways[1].app.services, 'second', { group: 'pods', topics: ['starting'] });
    members.push(second);
    await until(() => balanced([first, second], 8), 15_000, 'both members to hold their partitions');

    expect(log.events.filter((e) => e.kind === 'stop')).toEqual([]);
    expect(log.of('first', 'start')).toHaveLength(4);
    expect(log.of('second', 'start')).toHaveLength(4);
    expect(new Set(log.events.map((e) => e.generation)).size).toBe(1);
    log.expectExclusive();
  });

  it('is chosen by the member that starts the group: 0 assigns at once', async () => {
    const log = new OwnershipLog();
    const services = gateways[0].app.services;
    members.push(await log.join(services, 'eager', { group: 'no-wait', topics: ['starting'], initialRebalanceDelayMs: 0 }));
    expect((await services.groups.describe('no-wait'))?.rebalanceDelayMs).toBe(0);
    members.push(await log.join(services, 'patient', { group: 'waits', topics: ['starting'] }));
    expect((await services.groups.describe('waits'))?.rebalanceDelayMs).toBeGreaterThan(0);
  });

  it.each([
    [{ groupInstanceId: 'has space' }, /instance id/],
    [{ groupInstanceId: '..' }, /instance id/],
    [{ groupInstanceId: 'x'.repeat(250) }, /instance id/],
    [{ initialRebalanceDelayMs: -1 }, /rebalance delay/],
    [{ initialRebalanceDelayMs: 1.5 }, /rebalance delay/],
  ])('refuses %j with a 40002 and joins nothing', async (options, message) => {
    const services = gateways[0].app.services;
    const join = services.groups.join({ group: 'refused', topics: ['starting'], onAssigned: async () => {}, onRevoked: async () => {}, ...options });
    await expect(join).rejects.toMatchObject({ errorCode: 40002, message: expect.stringMatching(message) });
    expect(await services.groups.describe('refused')).toBeUndefined();
  });
});
