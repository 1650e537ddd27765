/**
 * The WebSocket message protocol (client → server), as JSON Schemas: one socket is one consumer
 * group member, or a group-less reader of chosen partitions, and can produce too.
 * Server → client messages are documented in openapi/asyncapi.yaml.
 */
import { GroupInstanceId } from '../common/group.js';

const topicPartition = {
  type: 'object',
  required: ['topic', 'partition'],
  additionalProperties: false,
  properties: { topic: { type: 'string', minLength: 1 }, partition: { type: 'integer', minimum: 0 } },
} as const;

const format = { type: 'string', enum: ['json', 'binary', 'string', 'avro', 'protobuf', 'jsonschema'] } as const;
const credit = { type: 'integer', minimum: 0, maximum: 100000 } as const;

export const SubscribeMessage = {
  type: 'object',
  required: ['type', 'group', 'topics'],
  additionalProperties: false,
  properties: {
    type: { const: 'subscribe' },
    group: { type: 'string', minLength: 1, maxLength: 249 },
    topics: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
    format,
    delivery: { type: 'string', enum: ['at-least-once', 'at-most-once', 'auto-commit'] },
    auto_commit_interval_ms: { type: 'integer', minimum: 100, maximum: 3600000 },
    auto_offset_reset: { type: 'string', enum: ['earliest', 'latest', 'none'] },
    session_timeout_ms: { type: 'integer', minimum: 1000, maximum: 300000 },
    assignor: { type: 'string', enum: ['range', 'roundrobin', 'sticky', 'cooperative-sticky'] },
    group_instance_id: {
      ...GroupInstanceId,
      description:
        "Static membership (Kafka's group.instance.id): a socket that reconnects with the same id within session_timeout_ms, to any gateway, gets its partitions back without a rebalance; a second live socket with the id fences the first.",
    },
    initial_rebalance_delay_ms: {
      type: 'integer',
      minimum: 0,
      maximum: 300000,
      description: "Kafka's group.initial.rebalance.delay.ms for a group this member is the first of (default GROUP_INITIAL_REBALANCE_DELAY_MS).",
    },
    credit,
  },
} as const;

export const AssignMessage = {
  type: 'object',
  required: ['type', 'partitions'],
  additionalProperties: false,
  properties: {
    type: { const: 'assign' },
    partitions: {
      type: 'array',
      minItems: 1,
      maxItems: 10000,
      items: {
        type: 'object',
        required: ['topic', 'partition'],
        additionalProperties: false,
        properties: {
          topic: { type: 'string', minLength: 1 },
          partition: { type: 'integer', minimum: 0 },
          offset: { type: ['integer', 'string'], description: 'An offset, or "earliest" / "latest" (default earliest).' },
        },
      },
    },
    format,
    credit,
  },
} as const;

export const CreditMessage = {
  type: 'object',
  required: ['type', 'records'],
  additionalProperties: false,
  properties: { type: { const: 'credit' }, records: { type: 'integer', minimum: 1, maximum: 100000 } },
} as const;

export const CommitMessage = {
  type: 'object',
  required: ['type'],
  additionalProperties: false,
  properties: {
    type: { const: 'commit' },
    id: { type: ['string', 'integer'] },
    offsets: {
      type: 'array',
      description: 'Offsets to commit (the next offset to read, as Kafka commits); all delivered records when absent.',
      items: {
        type: 'object',
        required: ['topic', 'partition', 'offset'],
        additionalProperties: false,
        properties: {
          topic: { type: 'string' },
          partition: { type: 'integer', minimum: 0 },
          offset: { type: 'integer', minimum: 0 },
          metadata: { type: 'string' },
        },
      },
    },
  },
} as const;

export const SeekMessage = {
  type: 'object',
  required: ['type', 'topic', 'partition'],
  additionalProperties: false,
  properties: {
    type: { const: 'seek' },
    topic: { type: 'string' },
    partition: { type: 'integer', minimum: 0 },
    offset: { type: 'integer', minimum: 0 },
    position: { type: 'string', enum: ['beginning', 'end'] },
    timestamp: { type: 'integer' },
  },
} as const;

export const PauseMessage = {
  type: 'object',
  required: ['type'],
  additionalProperties: false,
  properties: { type: { enum: ['pause', 'resume'] }, partitions: { type: 'array', items: topicPartition } },
} as const;

export const ProduceMessage = {
  type: 'object',
  required: ['type', 'topic', 'records'],
  additionalProperties: false,
  properties: {
    type: { const: 'produce' },
    id: { type: ['string', 'integer'], description: 'Echoed in the answer, to match answers to requests.' },
    topic: { type: 'string', minLength: 1 },
    format: { type: 'string', enum: ['json', 'binary', 'string'] },
    records: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        properties: {
          key: {},
          value: {},
          partition: { type: 'integer', minimum: 0 },
          timestamp: { type: 'integer', minimum: 0 },
          headers: {
            type: 'array',
            items: {
              type: 'object',
              required: ['name'],
              additionalProperties: false,
              properties: { name: { type: 'string' }, value: { type: ['string', 'null'], description: 'base64' } },
            },
          },
        },
      },
    },
  },
} as const;

export const CLIENT_MESSAGES = {
  subscribe: SubscribeMessage,
  assign: AssignMessage,
  credit: CreditMessage,
  commit: CommitMessage,
  seek: SeekMessage,
  pause: PauseMessage,
  resume: PauseMessage,
  produce: ProduceMessage,
} as const;
