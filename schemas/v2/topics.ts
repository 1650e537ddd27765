/** Confluent REST Proxy v2 paths and bodies for topics, partitions and produce. */
export const topicParams = { type: 'object', required: ['topic'], properties: { topic: { type: 'string' } } } as const;
export const partitionParams = {
  type: 'object',
  required: ['topic', 'partition'],
  properties: { topic: { type: 'string' }, partition: { type: 'integer', minimum: 0 } },
} as const;

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

/** The embedded formats of v2 produce; the Content-Type names the one of every key and value of the request. */
export const V2_PRODUCE_FORMATS = ['json', 'binary', 'avro', 'protobuf', 'jsonschema'] as const;
export const V2_PRODUCE_CONTENT_TYPES = V2_PRODUCE_FORMATS.map((format) => `application/vnd.kafka.${format}.v2+json`);

const schemaText = (part: string) =>
  ({
    type: 'string',
    description: `avro, protobuf, jsonschema: the ${part} schema inline (Avro JSON, .proto text, or JSON Schema), registered under the subject \`<topic>-${part}\` (TopicNameStrategy) unless already there.`,
  }) as const;
const schemaId = (part: string) =>
  ({ type: 'integer', minimum: 0, description: `avro, protobuf, jsonschema: the registered ${part} schema by id (wins over ${part}_schema).` }) as const;

export const V2ProduceRequest = {
  $id: 'V2ProduceRequest',
  type: 'object',
  required: ['records'],
  description:
    'The Content-Type names the format of every key and value: json (any JSON value), binary (base64), or avro / protobuf / jsonschema (JSON data the gateway validates against the schema and writes in the Confluent wire format). With a schema format, non-null keys need key_schema or key_schema_id (else 42201) and non-null values value_schema or value_schema_id (else 42202); a record that does not match its schema fails the whole request with 42205 and nothing is written.',
  properties: {
    records: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        properties: {
          key: {
            description: 'Any JSON value (json), a base64 string (binary), or a value matching key_schema (Avro JSON encoding, proto3 JSON mapping, or JSON).',
          },
          value: {
            description:
              'Any JSON value (json), a base64 string (binary), or a value matching value_schema (Avro JSON encoding, proto3 JSON mapping, or JSON).',
          },
          partition: { type: 'integer', minimum: 0 },
        },
      },
    },
    key_schema: schemaText('key'),
    key_schema_id: schemaId('key'),
    value_schema: schemaText('value'),
    value_schema_id: schemaId('value'),
  },
} as const;

export const V2ProduceResponse = {
  $id: 'V2ProduceResponse',
  type: 'object',
  properties: {
    key_schema_id: { type: ['integer', 'null'], description: 'The schema the keys were written with (schema formats only).' },
    value_schema_id: { type: ['integer', 'null'], description: 'The schema the values were written with (schema formats only).' },
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
