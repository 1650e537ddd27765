/** Confluent REST Proxy v3 paths and bodies for consumer groups, consumers, assignments and lags. */
import { related, resourceList, resourceMetadata as metadata } from './resources.js';

export const groupParams = {
  type: 'object',
  required: ['cluster_id', 'consumer_group_id'],
  properties: { cluster_id: { type: 'string' }, consumer_group_id: { type: 'string' } },
} as const;
export const consumerParams = {
  type: 'object',
  required: ['cluster_id', 'consumer_group_id', 'consumer_id'],
  properties: { ...groupParams.properties, consumer_id: { type: 'string' } },
} as const;
export const lagParams = {
  type: 'object',
  required: ['cluster_id', 'consumer_group_id', 'topic_name', 'partition_id'],
  properties: { ...groupParams.properties, topic_name: { type: 'string' }, partition_id: { type: 'integer', minimum: 0 } },
} as const;

export const ConsumerGroup = {
  $id: 'KafkaConsumerGroup',
  type: 'object',
  properties: {
    kind: { type: 'string' },
    metadata,
    cluster_id: { type: 'string' },
    consumer_group_id: { type: 'string' },
    is_simple: { type: 'boolean' },
    partition_assignor: { type: 'string' },
    state: { type: 'string', enum: ['STABLE', 'PREPARING_REBALANCE', 'COMPLETING_REBALANCE', 'EMPTY', 'DEAD', 'UNKNOWN'] },
    coordinator: related,
    consumers: related,
    lag_summary: related,
  },
} as const;

export const Consumer = {
  $id: 'KafkaConsumer',
  type: 'object',
  properties: {
    kind: { type: 'string' },
    metadata,
    cluster_id: { type: 'string' },
    consumer_group_id: { type: 'string' },
    consumer_id: { type: 'string' },
    instance_id: { type: ['string', 'null'] },
    client_id: { type: 'string' },
    assignments: related,
  },
} as const;

export const ConsumerAssignment = {
  $id: 'KafkaConsumerAssignment',
  type: 'object',
  properties: {
    kind: { type: 'string' },
    metadata,
    cluster_id: { type: 'string' },
    consumer_group_id: { type: 'string' },
    consumer_id: { type: 'string' },
    topic_name: { type: 'string' },
    partition_id: { type: 'integer' },
    partition: related,
    lag: related,
  },
} as const;

export const ConsumerLag = {
  $id: 'KafkaConsumerLag',
  type: 'object',
  properties: {
    kind: { type: 'string' },
    metadata,
    cluster_id: { type: 'string' },
    consumer_group_id: { type: 'string' },
    topic_name: { type: 'string' },
    partition_id: { type: 'integer' },
    current_offset: { type: 'integer' },
    log_end_offset: { type: 'integer' },
    lag: { type: 'integer' },
    consumer_id: { type: 'string' },
    instance_id: { type: ['string', 'null'] },
    client_id: { type: 'string' },
  },
} as const;

export const ConsumerGroupLagSummary = {
  $id: 'KafkaConsumerGroupLagSummary',
  type: 'object',
  properties: {
    kind: { type: 'string' },
    metadata,
    cluster_id: { type: 'string' },
    consumer_group_id: { type: 'string' },
    max_lag_consumer_id: { type: 'string' },
    max_lag_instance_id: { type: ['string', 'null'] },
    max_lag_client_id: { type: 'string' },
    max_lag_topic_name: { type: 'string' },
    max_lag_partition_id: { type: 'integer' },
    max_lag: { type: 'integer' },
    total_lag: { type: 'integer' },
    max_lag_consumer: related,
    max_lag_partition: related,
  },
} as const;

export const ConsumerGroupList = resourceList('KafkaConsumerGroupList', 'KafkaConsumerGroup');
export const ConsumerList = resourceList('KafkaConsumerList', 'KafkaConsumer');
export const ConsumerAssignmentList = resourceList('KafkaConsumerAssignmentList', 'KafkaConsumerAssignment');
export const ConsumerLagList = resourceList('KafkaConsumerLagList', 'KafkaConsumerLag');
