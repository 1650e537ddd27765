/** Confluent REST Proxy v2 consumer-instance bodies. */
import { RECORD_ERROR_DESCRIPTION } from '../common/record.js';

const tp = {
  type: 'object',
  required: ['topic', 'partition'],
  additionalProperties: false,
  properties: { topic: { type: 'string', minLength: 1 }, partition: { type: 'integer', minimum: 0 } },
} as const;
const tpOffset = {
  type: 'object',
  required: ['topic', 'partition', 'offset'],
  additionalProperties: false,
  properties: {
    topic: { type: 'string', minLength: 1 },
    partition: { type: 'integer', minimum: 0 },
    offset: { type: 'integer', minimum: 0 },
    metadata: { type: 'string' },
  },
} as const;

export const CreateConsumerRequest = {
  $id: 'V2CreateConsumerRequest',
  type: 'object',
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 249 },
    format: { type: 'string', enum: ['binary', 'json', 'string', 'avro', 'protobuf', 'jsonschema'] },
    'auto.offset.reset': { type: 'string', enum: ['earliest', 'latest', 'none', 'smallest', 'largest'] },
    'auto.commit.enable': { type: 'string', enum: ['true', 'false'] },
    'fetch.min.bytes': { type: 'string', description: 'an integer (as a string or a number)' },
    'consumer.request.timeout.ms': { type: 'string', description: 'an integer (as a string or a number)' },
  },
} as const;

export const CreateConsumerResponse = {
  $id: 'V2CreateConsumerResponse',
  type: 'object',
  properties: { instance_id: { type: 'string' }, base_uri: { type: 'string' } },
} as const;

export const SubscriptionRequest = {
  $id: 'V2SubscriptionRequest',
  type: 'object',
  additionalProperties: false,
  properties: { topics: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } }, topic_pattern: { type: 'string', minLength: 1 } },
} as const;

export const Subscription = { $id: 'V2Subscription', type: 'object', properties: { topics: { type: 'array', items: { type: 'string' } } } } as const;

export const PartitionsRequest = {
  $id: 'V2PartitionsRequest',
  type: 'object',
  required: ['partitions'],
  additionalProperties: false,
  properties: { partitions: { type: 'array', items: tp } },
} as const;

export const OffsetsRequest = {
  $id: 'V2OffsetsRequest',
  type: 'object',
  additionalProperties: false,
  properties: { offsets: { type: 'array', items: tpOffset } },
} as const;

export const CommittedOffsets = {
  $id: 'V2CommittedOffsets',
  type: 'object',
  properties: {
    offsets: {
      type: 'array',
      items: {
        type: 'object',
        properties: { topic: { type: 'string' }, partition: { type: 'integer' }, offset: { type: 'integer' }, metadata: { type: 'string' } },
      },
    },
  },
} as const;

export const ConsumerRecords = {
  $id: 'V2ConsumerRecords',
  type: 'array',
  items: {
    type: 'object',
    properties: {
      topic: { type: 'string' },
      key: {},
      value: {},
      partition: { type: 'integer' },
      offset: { type: 'integer' },
      key_schema_id: { type: 'integer' },
      value_schema_id: { type: 'integer' },
      error: { type: 'string', description: RECORD_ERROR_DESCRIPTION },
    },
  },
} as const;
