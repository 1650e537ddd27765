import type { FastifyRequest } from 'fastify';
import type { PartitionOffsets } from '../../log/store.js';
import type { Topic } from '../../topics/topic-service.js';
import { Partition, PartitionList, partitionParams, topicParams, v3Errors } from '../../../schemas/v3/topics.js';
import type { RoutePlugin } from '../route-plugin.js';
import { clusterLinks, clusterResolver } from './cluster.js';

function renderPartition(request: FastifyRequest, clusterId: string, topic: Topic, partition: number, offsets: PartitionOffsets) {
  const links = clusterLinks(request, clusterId);
  const self = `${links.root}/topics/${topic.name}/partitions/${partition}`;
  return {
    kind: 'KafkaPartition',
    metadata: { self, resource_name: links.resource(`/topic=${topic.name}/partition=${partition}`) },
    cluster_id: clusterId,
    topic_name: topic.name,
    partition_id: partition,
    earliest_offset: offsets.logStartOffset,
    latest_offset: offsets.nextOffset,
    leader: { related: `${self}/replicas/0` },
    replicas: { related: `${self}/replicas` },
    reassignment: { related: `${self}/reassignment` },
  };
}

/** Confluent v3: partitions, with their earliest and latest offsets. */
export const v3PartitionRoutes: RoutePlugin = async (app) => {
  const cluster = clusterResolver(app);
  const { topics } = app.services;
  app.addSchema(Partition);
  app.addSchema(PartitionList);

  app.get(
    '/v3/clusters/:cluster_id/topics/:topic_name/partitions',
    {
      schema: { tags: ['v3'], summary: 'List the partitions of a topic', params: topicParams, response: { 200: { $ref: 'KafkaPartitionList#' }, ...v3Errors } },
    },
    async (request) => {
      const clusterId = await cluster(request.params.cluster_id);
      const topic = await topics.get(request.params.topic_name);
      const ids = Array.from({ length: topic.partitions }, (_, i) => i);
      const offsets = await Promise.all(ids.map((p) => topics.partitionOffsets(topic, p)));
      return {
        kind: 'KafkaPartitionList',
        metadata: { self: `${clusterLinks(request, clusterId).root}/topics/${topic.name}/partitions`, next: null },
        data: ids.map((p) => renderPartition(request, clusterId, topic, p, offsets[p])),
      };
    },
  );

  app.get(
    '/v3/clusters/:cluster_id/topics/:topic_name/partitions/:partition_id',
    { schema: { tags: ['v3'], summary: 'Get a partition', params: partitionParams, response: { 200: { $ref: 'KafkaPartition#' }, ...v3Errors } } },
    async (request) => {
      const clusterId = await cluster(request.params.cluster_id);
      const topic = await topics.get(request.params.topic_name);
      const offsets = await topics.partitionOffsets(topic, request.params.partition_id);
      return renderPartition(request, clusterId, topic, request.params.partition_id, offsets);
    },
  );
};
