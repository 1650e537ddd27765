import type { FastifyRequest } from 'fastify';
import { ErrorCode, GatewayError } from '../../errors.js';
import type { GroupSnapshot } from '../../groups/group-state.js';
import type { PartitionLag } from '../../groups/group-service.js';
import {
  Consumer,
  ConsumerAssignment,
  ConsumerAssignmentList,
  ConsumerGroup,
  ConsumerGroupLagSummary,
  ConsumerGroupList,
  ConsumerLag,
  ConsumerLagList,
  ConsumerList,
  consumerParams,
  groupParams,
  lagParams,
} from '../../../schemas/v3/consumer-groups.js';
import { clusterParams, v3Errors } from '../../../schemas/v3/topics.js';
import type { RoutePlugin } from '../route-plugin.js';
import { clusterLinks, clusterResolver } from './cluster.js';

const groupNotFound = (group: string) => new GatewayError(ErrorCode.CONSUMER_GROUP_NOT_FOUND, `Consumer group ${group} could not be found.`);

function state(snapshot: GroupSnapshot): string {
  if (snapshot.members.length === 0) return 'EMPTY';
  return snapshot.assignedVersion === snapshot.membersVersion ? 'STABLE' : 'PREPARING_REBALANCE';
}

/** Confluent v3 reads of consumer groups: groups, their consumers and assignments, lags and the lag summary. */
export const v3ConsumerGroupRoutes: RoutePlugin = async (app) => {
  const cluster = clusterResolver(app);
  const { groups } = app.services;
  for (const schema of [
    ConsumerGroup,
    Consumer,
    ConsumerAssignment,
    ConsumerLag,
    ConsumerGroupLagSummary,
    ConsumerGroupList,
    ConsumerList,
    ConsumerAssignmentList,
    ConsumerLagList,
  ]) {
    app.addSchema(schema);
  }

  const base = (request: FastifyRequest, clusterId: string, group: string) => `${clusterLinks(request, clusterId).root}/consumer-groups/${group}`;
  const crn = (clusterId: string, path: string) => `crn:///kafka=${clusterId}/consumer-group=${path}`;

  const snapshotOf = async (group: string): Promise<GroupSnapshot> => {
    const snapshot = await groups.describe(group);
    if (!snapshot) throw groupNotFound(group);
    return snapshot;
  };
  /** The group and its lags from one read of the group; 404 for a group that does not exist. */
  const lagsOf = async (group: string): Promise<{ snapshot: GroupSnapshot; lags: PartitionLag[] }> => {
    const { snapshot, lags } = await groups.lagReport(group);
    if (!snapshot) throw groupNotFound(group);
    return { snapshot, lags };
  };

  const renderGroup = (request: FastifyRequest, clusterId: string, group: string, snapshot: GroupSnapshot) => {
    const self = base(request, clusterId, group);
    return {
      kind: 'KafkaConsumerGroup',
      metadata: { self, resource_name: crn(clusterId, group) },
      cluster_id: clusterId,
      consumer_group_id: group,
      is_simple: snapshot.members.length === 0 && snapshot.generation === 0,
      partition_assignor: snapshot.members[0]?.assignor ?? '',
      state: state(snapshot),
      coordinator: { related: `${clusterLinks(request, clusterId).root}/brokers/0` },
      consumers: { related: `${self}/consumers` },
      lag_summary: { related: `${self}/lag-summary` },
    };
  };

  const renderConsumer = (request: FastifyRequest, clusterId: string, group: string, member: GroupSnapshot['members'][number]) => {
    const self = `${base(request, clusterId, group)}/consumers/${member.memberId}`;
    return {
      kind: 'KafkaConsumer',
      metadata: { self, resource_name: crn(clusterId, `${group}/consumer=${member.memberId}`) },
      cluster_id: clusterId,
      consumer_group_id: group,
      consumer_id: member.memberId,
      instance_id: null,
      client_id: member.clientId,
      assignments: { related: `${self}/assignments` },
    };
  };

  const renderLag = (request: FastifyRequest, clusterId: string, group: string, lag: PartitionLag, snapshot: GroupSnapshot) => ({
    kind: 'KafkaConsumerLag',
    metadata: {
      self: `${base(request, clusterId, group)}/lags/${lag.topic}/partitions/${lag.partition}`,
      resource_name: crn(clusterId, `${group}/lag=${lag.topic}/partition=${lag.partition}`),
    },
    cluster_id: clusterId,
    consumer_group_id: group,
    topic_name: lag.topic,
    partition_id: lag.partition,
    current_offset: lag.committedOffset ?? 0,
    log_end_offset: lag.logEndOffset,
    lag: lag.lag,
    consumer_id: lag.memberId ?? '',
    instance_id: null,
    client_id: snapshot.members.find((m) => m.memberId === lag.memberId)?.clientId ?? '',
  });

  const tags = ['v3'];

  app.get(
    '/v3/clusters/:cluster_id/consumer-groups',
    { schema: { tags, summary: 'List consumer groups', params: clusterParams, response: { 200: { $ref: 'KafkaConsumerGroupList#' }, ...v3Errors } } },
    async (request) => {
      const clusterId = await cluster(request.params.cluster_id);
      const data = [];
      for (const group of await groups.list()) {
        const snapshot = await groups.describe(group);
        if (snapshot) data.push(renderGroup(request, clusterId, group, snapshot));
      }
      return { kind: 'KafkaConsumerGroupList', metadata: { self: `${clusterLinks(request, clusterId).root}/consumer-groups`, next: null }, data };
    },
  );

  app.get(
    '/v3/clusters/:cluster_id/consumer-groups/:consumer_group_id',
    { schema: { tags, summary: 'Get a consumer group', params: groupParams, response: { 200: { $ref: 'KafkaConsumerGroup#' }, ...v3Errors } } },
    async (request) => {
      const clusterId = await cluster(request.params.cluster_id);
      const group = request.params.consumer_group_id;
      return renderGroup(request, clusterId, group, await snapshotOf(group));
    },
  );

  app.get(
    '/v3/clusters/:cluster_id/consumer-groups/:consumer_group_id/consumers',
    { schema: { tags, summary: 'List the consumers of a group', params: groupParams, response: { 200: { $ref: 'KafkaConsumerList#' }, ...v3Errors } } },
    async (request) => {
      const clusterId = await cluster(request.params.cluster_id);
      const group = request.params.consumer_group_id;
      const snapshot = await snapshotOf(group);
      return {
        kind: 'KafkaConsumerList',
        metadata: { self: `${base(request, clusterId, group)}/consumers`, next: null },
        data: snapshot.members.map((member) => renderConsumer(request, clusterId, group, member)),
      };
    },
  );

  const memberOf = async (group: string, consumerId: string) => {
    const snapshot = await snapshotOf(group);
    const member = snapshot.members.find((m) => m.memberId === consumerId);
    if (!member) throw new GatewayError(ErrorCode.CONSUMER_INSTANCE_NOT_FOUND, `Consumer ${consumerId} could not be found in group ${group}.`);
    return { snapshot, member };
  };

  app.get(
    '/v3/clusters/:cluster_id/consumer-groups/:consumer_group_id/consumers/:consumer_id',
    { schema: { tags, summary: 'Get a consumer of a group', params: consumerParams, response: { 200: { $ref: 'KafkaConsumer#' }, ...v3Errors } } },
    async (request) => {
      const clusterId = await cluster(request.params.cluster_id);
      const { member } = await memberOf(request.params.consumer_group_id, request.params.consumer_id);
      return renderConsumer(request, clusterId, request.params.consumer_group_id, member);
    },
  );

  app.get(
    '/v3/clusters/:cluster_id/consumer-groups/:consumer_group_id/consumers/:consumer_id/assignments',
    {
      schema: {
        tags,
        summary: 'The partitions a consumer holds',
        params: consumerParams,
        response: { 200: { $ref: 'KafkaConsumerAssignmentList#' }, ...v3Errors },
      },
    },
    async (request) => {
      const clusterId = await cluster(request.params.cluster_id);
      const group = request.params.consumer_group_id;
      const { snapshot, member } = await memberOf(group, request.params.consumer_id);
      const self = `${base(request, clusterId, group)}/consumers/${member.memberId}/assignments`;
      const held = Object.entries(snapshot.owners)
        .filter(([, owner]) => owner === member.memberId)
        .map(([key]) => key)
        .sort();
      return {
        kind: 'KafkaConsumerAssignmentList',
        metadata: { self, next: null },
        data: held.map((key) => {
          const at = key.lastIndexOf(':');
          const topic = key.slice(0, at);
          const partition = Number(key.slice(at + 1));
          return {
            kind: 'KafkaConsumerAssignment',
            metadata: {
              self: `${self}/${topic}/partitions/${partition}`,
              resource_name: crn(clusterId, `${group}/consumer=${member.memberId}/assignment=${topic}/partition=${partition}`),
            },
            cluster_id: clusterId,
            consumer_group_id: group,
            consumer_id: member.memberId,
            topic_name: topic,
            partition_id: partition,
            partition: { related: `${clusterLinks(request, clusterId).root}/topics/${topic}/partitions/${partition}` },
            lag: { related: `${base(request, clusterId, group)}/lags/${topic}/partitions/${partition}` },
          };
        }),
      };
    },
  );

  app.get(
    '/v3/clusters/:cluster_id/consumer-groups/:consumer_group_id/lags',
    { schema: { tags, summary: 'Lag of every partition of a group', params: groupParams, response: { 200: { $ref: 'KafkaConsumerLagList#' }, ...v3Errors } } },
    async (request) => {
      const clusterId = await cluster(request.params.cluster_id);
      const group = request.params.consumer_group_id;
      const { snapshot, lags } = await lagsOf(group);
      return {
        kind: 'KafkaConsumerLagList',
        metadata: { self: `${base(request, clusterId, group)}/lags`, next: null },
        data: lags.map((lag) => renderLag(request, clusterId, group, lag, snapshot)),
      };
    },
  );

  app.get(
    '/v3/clusters/:cluster_id/consumer-groups/:consumer_group_id/lags/:topic_name/partitions/:partition_id',
    { schema: { tags, summary: 'Lag of one partition of a group', params: lagParams, response: { 200: { $ref: 'KafkaConsumerLag#' }, ...v3Errors } } },
    async (request) => {
      const clusterId = await cluster(request.params.cluster_id);
      const group = request.params.consumer_group_id;
      const { snapshot, lags } = await lagsOf(group);
      const lag = lags.find((l) => l.topic === request.params.topic_name && l.partition === request.params.partition_id);
      if (!lag)
        throw new GatewayError(
          ErrorCode.NOT_FOUND,
          `Consumer group ${group} has no lag for partition ${request.params.partition_id} of topic ${request.params.topic_name}.`,
        );
      return renderLag(request, clusterId, group, lag, snapshot);
    },
  );

  app.get(
    '/v3/clusters/:cluster_id/consumer-groups/:consumer_group_id/lag-summary',
    {
      schema: {
        tags,
        summary: 'Maximum and total lag of a group',
        params: groupParams,
        response: { 200: { $ref: 'KafkaConsumerGroupLagSummary#' }, ...v3Errors },
      },
    },
    async (request) => {
      const clusterId = await cluster(request.params.cluster_id);
      const group = request.params.consumer_group_id;
      const { snapshot, lags } = await lagsOf(group);
      const max = lags.reduce<PartitionLag | undefined>((best, lag) => (!best || lag.lag > best.lag ? lag : best), undefined);
      const root = base(request, clusterId, group);
      return {
        kind: 'KafkaConsumerGroupLagSummary',
        metadata: { self: `${root}/lag-summary`, resource_name: crn(clusterId, `${group}/lag-summary`) },
        cluster_id: clusterId,
        consumer_group_id: group,
        max_lag_consumer_id: max?.memberId ?? '',
        max_lag_instance_id: null,
        max_lag_client_id: snapshot.members.find((m) => m.memberId === max?.memberId)?.clientId ?? '',
        max_lag_topic_name: max?.topic ?? '',
        max_lag_partition_id: max?.partition ?? 0,
        max_lag: max?.lag ?? 0,
        total_lag: lags.reduce((sum, lag) => sum + lag.lag, 0),
        max_lag_consumer: { related: `${root}/consumers/${max?.memberId ?? ''}` },
        max_lag_partition: { related: `${clusterLinks(request, clusterId).root}/topics/${max?.topic ?? ''}/partitions/${max?.partition ?? 0}` },
      };
    },
  );
};
