/** Confluent REST Proxy v3 produce bodies, and Streamgate's direct partition reads. */
import { RECORD_ERROR_DESCRIPTION } from '../common/record.js';

const dataTypes = ['JSON', 'BINARY', 'STRING', 'AVRO', 'PROTOBUF', 'JSONSCHEMA'] as const;
/** How a produced key or value is given. */
export type DataType = (typeof dataTypes)[number];

export const ProduceRequestData = {
  $id: 'ProduceRequestData',
  type: ['object', 'null'],
  additionalProperties: false,
  description:
    'A key or value. With AVRO, PROTOBUF or JSONSCHEMA, `data` is JSON the gateway validates against the schema and writes in the Confluent wire format (a mismatch is 42205 and nothing is written). The schema is, in this order: `schema_id`; version `schema_version` of the subject; the inline `schema`, registered under the subject; or the latest version of the subject. The subject is `subject`, else the one `subject_name_strategy` names (TOPIC_NAME by default).',
  properties: {
    type: { type: 'string', enum: dataTypes, description: 'How `data` is given; JSON when absent and no schema is named, else the type of the named schema.' },
    data: {
      description:
        'The key or value: any JSON value, a base64 string (BINARY), a string (STRING), or JSON matching the schema. null is a null key or a tombstone.',
    },
    schema_id: { type: 'integer', minimum: 0, description: 'A registered schema by its global id.' },
    schema_version: { type: 'integer', minimum: 1, description: 'A version of the subject.' },
    subject: { type: 'string', description: 'The registry subject; wins over subject_name_strategy.' },
    subject_name_strategy: {
      type: 'string',
      enum: ['TOPIC_NAME', 'RECORD_NAME', 'TOPIC_RECORD_NAME'],
      description:
        "How to name the subject without `subject`: `<topic>-key|value`, the record's full name, or `<topic>-<record full name>`. The record strategies take the name from the inline schema (Avro namespace.name, Protobuf package.Message, JSON Schema title).",
    },
    schema: {
      type: 'string',
      description: 'An inline schema of `type` (Avro JSON, .proto text, JSON Schema), registered under the subject unless already there.',
    },
  },
} as const;

export const ProduceRequest = {
  $id: 'ProduceRequest',
  type: 'object',
  additionalProperties: false,
  description:
    'One record. In streaming mode the body holds several of these one after another (newline-delimited or concatenated) and the answer holds one result per record, in order.',
  properties: {
    partition_id: { type: ['integer', 'null'], minimum: 0 },
    headers: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name'],
        additionalProperties: false,
        properties: { name: { type: 'string' }, value: { type: ['string', 'null'], description: 'base64' } },
      },
    },
    key: { $ref: 'ProduceRequestData#' },
    value: { $ref: 'ProduceRequestData#' },
    timestamp: { type: ['string', 'integer', 'null'], description: 'CreateTime: ISO 8601 date-time or epoch milliseconds.' },
  },
} as const;

export const ProducedData = {
  $id: 'ProducedData',
  type: ['object', 'null'],
  properties: {
    type: { type: 'string' },
    size: { type: 'integer', description: 'Bytes written (with the 5-byte wire-format header for schema types).' },
    schema_id: { type: 'integer' },
    subject: { type: 'string', description: 'The subject the schema was found or registered under (absent when named by id).' },
    schema_version: { type: 'integer' },
  },
} as const;

export const ProduceResponse = {
  $id: 'ProduceResponse',
  type: 'object',
  properties: {
    error_code: { type: 'integer' },
    message: { type: 'string' },
    cluster_id: { type: 'string' },
    topic_name: { type: 'string' },
    partition_id: { type: 'integer' },
    offset: { type: 'integer' },
    timestamp: { type: 'string' },
    key: { $ref: 'ProducedData#' },
    value: { $ref: 'ProducedData#' },
  },
} as const;

export const RecordFormatQuery = {
  type: 'string',
  enum: ['json', 'binary', 'string', 'avro', 'protobuf', 'jsonschema'],
  default: 'json',
  description: 'json, string, binary (base64), or a schema format: Confluent wire-format bytes decoded with the schema they name.',
} as const;

export const ReadRecordsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    offset: { type: 'integer', minimum: 0, description: 'First offset to read; the log start when neither offset nor timestamp is given.' },
    timestamp: { type: 'integer', description: 'Read from the first record whose timestamp is >= this (epoch ms).' },
    max_records: { type: 'integer', minimum: 1, maximum: 10000, default: 500 },
    max_bytes: {
      type: 'integer',
      minimum: 1,
      maximum: 67108864,
      default: 1048576,
      description: "Byte budget, records counted as Kafka's record format sizes them (headers included); the first record comes even when larger.",
    },
    format: RecordFormatQuery,
  },
} as const;

/** A record as reads answer it (direct reads, the table reads of compacted topics). */
export const ReadRecordProperties = {
  offset: { type: 'integer' },
  timestamp: { type: 'integer' },
  key: {},
  value: {},
  key_schema_id: { type: 'integer' },
  value_schema_id: { type: 'integer' },
  error: { type: 'string', description: RECORD_ERROR_DESCRIPTION },
  headers: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, value: { type: ['string', 'null'] } } } },
} as const;

export const PartitionRecords = {
  $id: 'PartitionRecords',
  type: 'object',
  properties: {
    topic_name: { type: 'string' },
    partition_id: { type: 'integer' },
    log_start_offset: { type: 'integer' },
    high_watermark: { type: 'integer' },
    next_offset: { type: 'integer', description: 'The offset to read from next.' },
    records: {
      type: 'array',
      items: {
        type: 'object',
        properties: ReadRecordProperties,
      },
    },
  },
} as const;

export const OffsetForTimeQuery = {
  type: 'object',
  required: ['timestamp'],
  additionalProperties: false,
  properties: { timestamp: { type: 'integer', description: 'epoch milliseconds' } },
} as const;

export const OffsetForTime = {
  $id: 'OffsetForTime',
  type: 'object',
  properties: {
    offset: { type: ['integer', 'null'], description: 'First offset whose timestamp is >= the asked one; null when there is none.' },
    timestamp: { type: ['integer', 'null'] },
  },
} as const;
