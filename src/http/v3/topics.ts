import type { FastifyRequest } from 'fastify';
import { ErrorCode, GatewayError } from '../../errors.js';
import type { Topic } from '../../topics/topic-service.js';
import {
  Cluster,
  ClusterList,
  CreateTopicRequest,
  Topic as TopicSchema,
  TopicList,
  UpdatePartitionCountRequest,
  clusterParams,
  topicParams,
  v3Errors,
} from '../../../schemas/v3/topics.js';
import type { RoutePlugin } from '../route-plugin.js';
import { clusterLinks, clusterResolver } from './cluster.js';

export function renderTopic(request: FastifyRequest, clusterId: string, topic: Topic) {
  const links = clusterLinks(request, clusterId);
  const self = `${links.root}/topics/${topic.name}`;
  return {
    kind: 'KafkaTopic',
    metadata: { self, resource_name: links.resource(`/topic=${topic.name}`) },
    cluster_id: clusterId,
    topic_name: topic.name,
    topic_id: topic.topicId,
    is_internal: topic.internal,
    replication_factor: topic.replicationFactor,
    partitions_count: topic.partitions,
    partitions: { related: `${self}/partitions` },
    configs: { related: `${self}/configs` },
    partition_reassignments: { related: `${self}/partitions/-/reassignment` },
    authorized_operations: [],
  };
}

/** Confluent v3: clusters and topics. */
export const v3TopicRoutes: RoutePlugin<[typeof CreateTopicRequest, typeof UpdatePartitionCountRequest]> = async (app) => {
  const cluster = clusterResolver(app);
  const { topics } = app.services;
  for (const schema of [Cluster, ClusterList, TopicSchema, TopicList, CreateTopicRequest, UpdatePartitionCountRequest]) app.addSchema(schema);

  const renderCluster = (request: FastifyRequest, clusterId: string) => {
    const { root, resource } = clusterLinks(request, clusterId);
    const related = (path: string) => ({ related: `${root}${path}` });
    return {
      kind: 'KafkaCluster',
      metadata: { self: root, resource_name: resource('') },
      cluster_id: clusterId,
      controller: related('/brokers/0'),
      acls: related('/acls'),
      brokers: related('/brokers'),
      broker_configs: related('/broker-configs'),
      consumer_groups: related('/consumer-groups'),
      topics: related('/topics'),
      partition_reassignments: related('/topics/-/partitions/-/reassignment'),
    };
  };

  app.get(
    '/v3/clusters',
    { schema: { tags: ['v3'], summary: 'List clusters (one)', response: { 200: { $ref: 'KafkaClusterList#' }, ...v3Errors } } },
    async (request) => {
      const clusterId = await app.services.store.clusterId();
      return {
        kind: 'KafkaClusterList',
        metadata: { self: `${clusterLinks(request, clusterId).root.replace(/\/[^/]+$/, '')}`, next: null },
        data: [renderCluster(request, clusterId)],
      };
    },
  );

  app.get(
    '/v3/clusters/:cluster_id',
    { schema: { tags: ['v3'], summary: 'Get the cluster', params: clusterParams, response: { 200: { $ref: 'KafkaCluster#' }, ...v3Errors } } },
    async (request) => renderCluster(request, await cluster(request.params.cluster_id)),
  );

  app.get(
    '/v3/clusters/:cluster_id/topics',
    { schema: { tags: ['v3'], summary: 'List topics', params: clusterParams, response: { 200: { $ref: 'KafkaTopicList#' }, ...v3Errors } } },
    async (request) => {
      const clusterId = await cluster(request.params.cluster_id);
      const list = await topics.list();
      return {
        kind: 'KafkaTopicList',
        metadata: { self: `${clusterLinks(request, clusterId).root}/topics`, next: null },
        data: list.map((topic) => renderTopic(request, clusterId, topic)),
      };
    },
  );

  app.post(
    '/v3/clusters/:cluster_id/topics',
    {
      schema: {
        tags: ['v3'],
        summary: 'Create a topic',
        params: clusterParams,
        body: { $ref: 'CreateTopicRequest#' },
        response: { 201: { $ref: 'KafkaTopic#' }, 200: { $ref: 'KafkaTopic#' }, ...v3Errors },
      },
    },
    async (request, reply) => {
      const clusterId = await cluster(request.params.cluster_id);
      const body = request.body;
      const configs: Record<string, string> = {};
      for (const { name, value } of body.configs ?? []) {
        if (value === null || value === undefined) throw new GatewayError(ErrorCode.INVALID_INPUT, `Config ${name} needs a value.`);
        configs[name] = value;
      }
      const spec = { name: body.topic_name, partitions: body.partitions_count, replicationFactor: body.replication_factor, configs };
      if (body.validate_only) {
        const preview = await topics.validateCreate(spec);
        return reply.status(200).send(renderTopic(request, clusterId, preview));
      }
      const topic = await topics.create(spec);
      return reply
        .status(201)
        .header('location', `${clusterLinks(request, clusterId).root}/topics/${topic.name}`)
        .send(renderTopic(request, clusterId, topic));
    },
  );

  app.get(
    '/v3/clusters/:cluster_id/topics/:topic_name',
    { schema: { tags: ['v3'], summary: 'Get a topic', params: topicParams, response: { 200: { $ref: 'KafkaTopic#' }, ...v3Errors } } },
    async (request) => {
      const clusterId = await cluster(request.params.cluster_id);
      return renderTopic(request, clusterId, await topics.get(request.params.topic_name));
    },
  );

  app.patch(
    '/v3/clusters/:cluster_id/topics/:topic_name',
    {
      schema: {
        tags: ['v3'],
        summary: 'Increase the partition count',
        params: topicParams,
        body: { $ref: 'UpdatePartitionCountRequest#' },
        response: { 200: { $ref: 'KafkaTopic#' }, ...v3Errors },
      },
    },
    async (request) => {
      const clusterId = await cluster(request.params.cluster_id);
      return renderTopic(request, clusterId, await topics.increasePartitions(request.params.topic_name, request.body.partitions_count));
    },
  );

  app.delete(
    '/v3/clusters/:cluster_id/topics/:topic_name',
    { schema: { tags: ['v3'], summary: 'Delete a topic and all its records', params: topicParams, response: { 204: { type: 'null' }, ...v3Errors } } },
    async (request, reply) => {
      await cluster(request.params.cluster_id);
      await topics.delete(request.params.topic_name);
      return reply.status(204).send();
    },
  );
};
