import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroupMember } from '../../src/groups/group-member.js';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { suiteRedis } from '../support/redis.js';

let redis: Awaited<ReturnType<typeof suiteRedis>>;
let gw: TestGateway;
let member: GroupMember;

beforeAll(async () => {
  redis = await suiteRedis();
  gw = await startGateway({ redisUrl: redis.url });
  await gw.app.inject({ method: 'POST', url: `${gw.v3}/topics`, payload: { topic_name: 'lagging', partitions_count: 2 } });
  const produce = (partition: number, count: number) =>
    gw.app.inject({
      method: 'POST',
      url: `/topics/lagging/partitions/${partition}`,
      headers: { 'content-type': 'application/vnd.kafka.json.v2+json' },
      payload: { records: Array.from({ length: count }, (_, i) => ({ value: i })) },
    });
  await produce(0, 5);
  await produce(1, 3);
  let assigned: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (assigned = resolve));
  member = await gw.app.services.groups.join({
    group: 'reporting',
    topics: ['lagging'],
    clientId: 'report-client',
    sessionTimeoutMs: 2000,
    onAssigned: async (partitions) => {
      if (partitions.length > 0) assigned();
    },
    onRevoked: async () => undefined,
  });
  await ready;
  await gw.app.services.groups.commit('reporting', member, [{ topic: 'lagging', partition: 0, offset: 2 }]);
});
afterAll(async () => {
  await gw?.close();
  await redis?.stop();
});

const get = (path: string) => gw.app.inject({ url: `${gw.v3}/consumer-groups${path}` });

describe('v3 consumer groups', () => {
  it('lists and describes a group with its state and assignor', async () => {
    const list = (await get('')).json();
    expect(list.kind).toBe('KafkaConsumerGroupList');
    expect(list.data.map((g: { consumer_group_id: string }) => g.consumer_group_id)).toContain('reporting');
    const group = (await get('/reporting')).json();
    expect(group).toMatchObject({
      kind: 'KafkaConsumerGroup',
      consumer_group_id: 'reporting',
      state: 'STABLE',
      partition_assignor: 'range',
      cluster_id: gw.clusterId,
    });
    expect(group.lag_summary.related).toMatch(/\/consumer-groups\/reporting\/lag-summary$/);
  });

  it('lists consumers and the partitions each holds', async () => {
    const consumers = (await get('/reporting/consumers')).json();
    expect(consumers.data).toHaveLength(1);
    expect(consumers.data[0]).toMatchObject({ kind: 'KafkaConsumer', consumer_id: member.memberId, client_id: 'report-client' });
    const one = (await get(`/reporting/consumers/${member.memberId}`)).json();
    expect(one.consumer_id).toBe(member.memberId);
    const assignments = (await get(`/reporting/consumers/${member.memberId}/assignments`)).json();
    expect(assignments.data.map((a: { topic_name: string; partition_id: number }) => `${a.topic_name}:${a.partition_id}`)).toEqual(['lagging:0', 'lagging:1']);
  });

  it('reports lag per partition and the lag summary', async () => {
    const lags = (await get('/reporting/lags')).json().data;
    const byPartition = Object.fromEntries(lags.map((l: { partition_id: number }) => [l.partition_id, l]));
    expect(byPartition[0]).toMatchObject({
      kind: 'KafkaConsumerLag',
      current_offset: 2,
      log_end_offset: 5,
      lag: 3,
      consumer_id: member.memberId,
      client_id: 'report-client',
    });
    expect(byPartition[1]).toMatchObject({ current_offset: 0, log_end_offset: 3, lag: 3 });
    expect((await get('/reporting/lags/lagging/partitions/0')).json().lag).toBe(3);
    const summary = (await get('/reporting/lag-summary')).json();
    expect(summary).toMatchObject({ kind: 'KafkaConsumerGroupLagSummary', max_lag: 3, total_lag: 6, max_lag_topic_name: 'lagging' });
  });

  it('answers unknown groups, consumers and clusters with Confluent errors', async () => {
    expect((await get('/nobody')).json().error_code).toBe(40405);
    expect((await get('/reporting/consumers/ghost')).json().error_code).toBe(40403);
    expect((await get('/reporting/lags/lagging/partitions/9')).statusCode).toBe(404);
    expect((await gw.app.inject({ url: '/v3/clusters/other/consumer-groups' })).json().error_code).toBe(40404);
  });
});
