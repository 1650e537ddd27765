/** Confluent REST Proxy v2 bodies for topics, partitions and produce. */
const replica = {
  type: 'object',
  properties: { broker: { type: 'integer' }, leader: { type: 'boolean' }, in_sync: { type: 'boolean' } },
} as const;

export const V2Partition = {
  $id: 'V2Partition',
  type: 'object',
  properties: { partition: { type: 'integer' }, leader: { type: 'integer' }, replicas: { type: 'array', items: replica } },
} as const;

export const V2Topic = {
  $id: 'V2Topic',
  type: 'object',
  properties: {
    name: { type: 'string' },
    configs: { type: 'object', additionalProperties: { type: 'string' } },
    partitions: { type: 'array', items: { $ref: 'V2Partition#' } },
  },
} as const;

export const V2PartitionOffsets = {
  $id: 'V2PartitionOffsets',
  type: 'object',
  properties: { beginning_offset: { type: 'integer' }, end_offset: { type: 'integer' } },
} as const;

export const V2ProduceRequest = {
  $id: 'V2ProduceRequest',
  type: 'object',
  required: ['records'],
  properties: {
    records: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        properties: {
          key: { description: 'Any JSON value (json), a base64 string (binary), or a value matching key_schema.' },
          value: { description: 'Any JSON value (json), a base64 string (binary), or a value matching value_schema.' },
          partition: { type: 'integer', minimum: 0 },
        },
      },
    },
    key_schema: { type: 'string' },
    key_schema_id: { type: 'integer' },
    value_schema: { type: 'string' },
    value_schema_id: { type: 'integer' },
  },
} as const;

export const V2ProduceResponse = {
  $id: 'V2ProduceResponse',
  type: 'object',
  properties: {
    key_schema_id: { type: ['integer', 'null'] },
    value_schema_id: { type: ['integer', 'null'] },
    offsets: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          partition: { type: ['integer', 'null'] },
          offset: { type: ['integer', 'null'] },
          error_code: { type: ['integer', 'null'] },
          error: { type: ['string', 'null'] },
        },
      },
    },
  },
} as const;
