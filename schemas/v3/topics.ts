/** Confluent REST Proxy v3 bodies for clusters, topics, partitions and topic configs. */
import { errorResponses } from '../common/error.js';
import { related, resourceList, resourceMetadata } from './resources.js';

export const clusterIdParam = { cluster_id: { type: 'string', minLength: 1 } } as const;
export const clusterParams = { type: 'object', required: ['cluster_id'], properties: { cluster_id: { type: 'string' } } } as const;
export const topicParams = {
  type: 'object',
  required: ['cluster_id', 'topic_name'],
  properties: { ...clusterIdParam, topic_name: { type: 'string' } },
} as const;
export const partitionParams = {
  type: 'object',
  required: ['cluster_id', 'topic_name', 'partition_id'],
  properties: { ...clusterIdParam, topic_name: { type: 'string' }, partition_id: { type: 'integer', minimum: 0 } },
} as const;
export const configParams = {
  type: 'object',
  required: ['cluster_id', 'topic_name', 'name'],
  properties: { ...topicParams.properties, name: { type: 'string' } },
} as const;

export const Cluster = {
  $id: 'KafkaCluster',
  type: 'object',
  properties: {
    kind: { type: 'string', const: 'KafkaCluster' },
    metadata: resourceMetadata,
    cluster_id: { type: 'string' },
    controller: related,
    acls: related,
    brokers: related,
    broker_configs: related,
    consumer_groups: related,
    topics: related,
    partition_reassignments: related,
  },
} as const;

export const ClusterList = resourceList('KafkaClusterList', 'KafkaCluster');

export const Topic = {
  $id: 'KafkaTopic',
  type: 'object',
  properties: {
    kind: { type: 'string', const: 'KafkaTopic' },
    metadata: resourceMetadata,
    cluster_id: { type: 'string' },
    topic_name: { type: 'string' },
    topic_id: { type: 'string' },
    is_internal: { type: 'boolean' },
    replication_factor: { type: 'integer' },
    partitions_count: { type: 'integer' },
    partitions: related,
    configs: related,
    partition_reassignments: related,
    authorized_operations: { type: 'array', items: { type: 'string' } },
  },
} as const;

export const TopicList = resourceList('KafkaTopicList', 'KafkaTopic');

const configPair = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: { name: { type: 'string', minLength: 1 }, value: { type: ['string', 'null'] } },
} as const;

export const CreateTopicRequest = {
  $id: 'CreateTopicRequest',
  type: 'object',
  required: ['topic_name'],
  additionalProperties: false,
  properties: {
    topic_name: { type: 'string' },
    partitions_count: { type: 'integer', minimum: 1 },
    replication_factor: { type: 'integer', minimum: 1 },
    configs: { type: 'array', items: configPair },
    validate_only: { type: 'boolean' },
  },
} as const;

export const UpdatePartitionCountRequest = {
  $id: 'UpdatePartitionCountRequest',
  type: 'object',
  required: ['partitions_count'],
  additionalProperties: false,
  properties: { partitions_count: { type: 'integer', minimum: 1 } },
} as const;

export const Partition = {
  $id: 'KafkaPartition',
  type: 'object',
  properties: {
    kind: { type: 'string', const: 'KafkaPartition' },
    metadata: resourceMetadata,
    cluster_id: { type: 'string' },
    topic_name: { type: 'string' },
    partition_id: { type: 'integer' },
    earliest_offset: { type: 'integer', description: 'First offset still in the log (log start offset).' },
    latest_offset: { type: 'integer', description: 'Offset the next record will get (high watermark).' },
    size_bytes: {
      type: 'integer',
      description:
        "Bytes the partition's records take as stored: timestamp digits, key, value and encoded headers, summed (Kafka's log-dir size; what retention.bytes bounds). Redis's per-entry overhead is not counted.",
    },
    leader: related,
    replicas: related,
    reassignment: related,
  },
} as const;

export const PartitionList = resourceList('KafkaPartitionList', 'KafkaPartition');

export const DeleteRecordsRequest = {
  $id: 'DeleteRecordsRequest',
  type: 'object',
  required: ['before_offset'],
  additionalProperties: false,
  properties: {
    before_offset: {
      // A number, not an integer, so that 1.5 gets the same 40002 answer as a negative offset or one past the end.
      type: 'number',
      description: "Every record below this offset is deleted (Kafka's DeleteRecords): an integer from 0 to the partition's latest_offset.",
    },
  },
} as const;

export const DeleteRecordsResult = {
  $id: 'KafkaDeleteRecordsResult',
  type: 'object',
  properties: {
    kind: { type: 'string', const: 'KafkaDeleteRecordsResult' },
    metadata: resourceMetadata,
    cluster_id: { type: 'string' },
    topic_name: { type: 'string' },
    partition_id: { type: 'integer' },
    low_watermark: { type: 'integer', description: "The partition's log start offset after the delete." },
  },
} as const;

export const TopicConfig = {
  $id: 'KafkaTopicConfig',
  type: 'object',
  properties: {
    kind: { type: 'string', const: 'KafkaTopicConfig' },
    metadata: resourceMetadata,
    cluster_id: { type: 'string' },
    topic_name: { type: 'string' },
    name: { type: 'string' },
    value: { type: ['string', 'null'] },
    is_default: { type: 'boolean' },
    is_read_only: { type: 'boolean' },
    is_sensitive: { type: 'boolean' },
    source: { type: 'string' },
    synonyms: {
      type: 'array',
      items: { type: 'object', properties: { name: { type: 'string' }, value: { type: ['string', 'null'] }, source: { type: 'string' } } },
    },
  },
} as const;

export const TopicConfigList = resourceList('KafkaTopicConfigList', 'KafkaTopicConfig');

export const UpdateConfigRequest = {
  $id: 'UpdateConfigRequest',
  type: 'object',
  required: ['value'],
  additionalProperties: false,
  properties: { value: { type: ['string', 'null'] } },
} as const;

export const AlterConfigsRequest = {
  $id: 'AlterConfigBatchRequest',
  type: 'object',
  required: ['data'],
  additionalProperties: false,
  properties: {
    data: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name'],
        additionalProperties: false,
        properties: {
          name: { type: 'string', minLength: 1 },
          value: { type: ['string', 'null'] },
          operation: { type: 'string', enum: ['SET', 'DELETE', 'set', 'delete'] },
        },
      },
    },
    validate_only: { type: 'boolean' },
  },
} as const;

export const v3Errors = errorResponses;
