import type { FastifyRequest } from 'fastify';
import type { PartitionStats } from '../../log/store.js';
import type { Topic } from '../../topics/topic-service.js';
import { DeleteRecordsRequest, DeleteRecordsResult, Partition, PartitionList, partitionParams, topicParams, v3Errors } from '../../../schemas/v3/topics.js';
import type { RoutePlugin } from '../route-plugin.js';
import { clusterLinks, clusterResolver } from './cluster.js';

function renderPartition(request: FastifyRequest, clusterId: string, topic: Topic, partition: number, offsets: PartitionStats) {
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
    size_bytes: offsets.storedBytes,
    leader: { related: `${self}/replicas/0` },
    replicas: { related: `${self}/replicas` },
    reassignment: { related: `${self}/reassignment` },
  };
}

/** Confluent v3: partitions, with their earliest and latest offsets. */
export const v3PartitionRoutes: RoutePlugin<[typeof DeleteRecordsRequest]> = async (app) => {
  const cluster = clusterResolver(app);
  const { topics } = app.services;
  app.addSchema(Partition);
  app.addSchema(PartitionList);
  app.addSchema(DeleteRecordsRequest);
  app.addSchema(DeleteRecordsResult);

  app.get(
    '/v3/clusters/:cluster_id/topics/:topic_name/partitions',
    {
      schema: { tags: ['v3'], summary: 'List the partitions of a topic', params: topicParams, response: { 200: { $ref: 'KafkaPartitionList#' }, ...v3Errors } },
    },
    async (request) => {
      const clusterId = await cluster(request.params.cluster_id);
      const topic = await topics.get(request.params.topic_name);
      const ids = Array.from({ length: topic.partitions }, (_, i) => i);
      const offsets = await Promise.all(ids.map((p) => topics.partitionStats(topic, p)));
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
      const offsets = await topics.partitionStats(topic, request.params.partition_id);
      return renderPartition(request, clusterId, topic, request.params.partition_id, offsets);
    },
  );

  app.post(
    '/v3/clusters/:cluster_id/topics/:topic_name/partitions/:partition_id/records::delete',
    {
      schema: {
        tags: ['v3'],
        summary: "Delete the records of a partition below an offset (Kafka's DeleteRecords)",
        params: partitionParams,
        body: { $ref: 'DeleteRecordsRequest#' },
        response: { 200: { $ref: 'KafkaDeleteRecordsResult#' }, ...v3Errors },
      },
    },
    async (request) => {
      const clusterId = await cluster(request.params.cluster_id);
      const { topic_name: topic, partition_id: partition } = request.params;
      const lowWatermark = await topics.deleteRecords(topic, partition, request.body.before_offset);
      const self = `${clusterLinks(request, clusterId).root}/topics/${topic}/partitions/${partition}`;
      return {
        kind: 'KafkaDeleteRecordsResult',
        metadata: { self, resource_name: clusterLinks(request, clusterId).resource(`/topic=${topic}/partition=${partition}`) },
        cluster_id: clusterId,
        topic_name: topic,
        partition_id: partition,
        low_watermark: lowWatermark,
      };
    },
  );
};
