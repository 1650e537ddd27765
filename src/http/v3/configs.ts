import type { FastifyRequest } from 'fastify';
import type { Topic, TopicConfigEntry } from '../../topics/topic-service.js';
import { AlterConfigsRequest, TopicConfig, TopicConfigList, UpdateConfigRequest, configParams, topicParams, v3Errors } from '../../../schemas/v3/topics.js';
import type { RoutePlugin } from '../route-plugin.js';
import { clusterLinks, clusterResolver } from './cluster.js';

function renderConfig(request: FastifyRequest, clusterId: string, topic: Topic, entry: TopicConfigEntry) {
  const links = clusterLinks(request, clusterId);
  return {
    kind: 'KafkaTopicConfig',
    metadata: {
      self: `${links.root}/topics/${topic.name}/configs/${entry.name}`,
      resource_name: links.resource(`/topic=${topic.name}/config=${entry.name}`),
    },
    cluster_id: clusterId,
    topic_name: topic.name,
    name: entry.name,
    value: entry.value,
    is_default: entry.isDefault,
    is_read_only: entry.isReadOnly,
    is_sensitive: entry.isSensitive,
    source: entry.source,
    synonyms: [{ name: entry.name, value: entry.value, source: entry.source }],
  };
}

/** Confluent v3: topic configs get / update / reset / batch alter. Every change is validated before any is stored. */
export const v3ConfigRoutes: RoutePlugin<[typeof UpdateConfigRequest, typeof AlterConfigsRequest]> = async (app) => {
  const cluster = clusterResolver(app);
  const { topics } = app.services;
  for (const schema of [TopicConfig, TopicConfigList, UpdateConfigRequest, AlterConfigsRequest]) app.addSchema(schema);

  app.get(
    '/v3/clusters/:cluster_id/topics/:topic_name/configs',
    { schema: { tags: ['v3'], summary: 'List topic configs', params: topicParams, response: { 200: { $ref: 'KafkaTopicConfigList#' }, ...v3Errors } } },
    async (request) => {
      const clusterId = await cluster(request.params.cluster_id);
      const topic = await topics.get(request.params.topic_name);
      return {
        kind: 'KafkaTopicConfigList',
        metadata: { self: `${clusterLinks(request, clusterId).root}/topics/${topic.name}/configs`, next: null },
        data: topics.describeConfigs(topic).map((entry) => renderConfig(request, clusterId, topic, entry)),
      };
    },
  );

  app.get(
    '/v3/clusters/:cluster_id/topics/:topic_name/configs/:name',
    { schema: { tags: ['v3'], summary: 'Get one topic config', params: configParams, response: { 200: { $ref: 'KafkaTopicConfig#' }, ...v3Errors } } },
    async (request) => {
      const clusterId = await cluster(request.params.cluster_id);
      const topic = await topics.get(request.params.topic_name);
      return renderConfig(request, clusterId, topic, topics.describeConfig(topic, request.params.name));
    },
  );

  app.put(
    '/v3/clusters/:cluster_id/topics/:topic_name/configs/:name',
    {
      schema: {
        tags: ['v3'],
        summary: 'Set one topic config',
        params: configParams,
        body: { $ref: 'UpdateConfigRequest#' },
        response: { 204: { type: 'null' }, ...v3Errors },
      },
    },
    async (request, reply) => {
      await cluster(request.params.cluster_id);
      await topics.alterConfigs(request.params.topic_name, [{ name: request.params.name, value: request.body.value }]);
      return reply.status(204).send();
    },
  );

  app.delete(
    '/v3/clusters/:cluster_id/topics/:topic_name/configs/:name',
    { schema: { tags: ['v3'], summary: 'Reset one topic config to its default', params: configParams, response: { 204: { type: 'null' }, ...v3Errors } } },
    async (request, reply) => {
      await cluster(request.params.cluster_id);
      await topics.alterConfigs(request.params.topic_name, [{ name: request.params.name, value: null }]);
      return reply.status(204).send();
    },
  );

  app.post(
    '/v3/clusters/:cluster_id/topics/:topic_name/configs::alter',
    {
      schema: {
        tags: ['v3'],
        summary: 'Alter several topic configs at once',
        params: topicParams,
        body: { $ref: 'AlterConfigBatchRequest#' },
        response: { 204: { type: 'null' }, ...v3Errors },
      },
    },
    async (request, reply) => {
      await cluster(request.params.cluster_id);
      const changes = request.body.data.map((change) => ({
        name: change.name,
        value: change.operation?.toUpperCase() === 'DELETE' ? null : (change.value ?? null),
      }));
      await topics.alterConfigs(request.params.topic_name, changes, { validateOnly: request.body.validate_only === true });
      return reply.status(204).send();
    },
  );
};
