import { ReadRecordProperties, RecordFormatQuery } from './records.js';

/** A compacted topic read as a table: each key's latest value (Streamgate's own, next to Confluent's v3 records). */

export const TableKeyFormat = {
  type: 'string',
  enum: ['string', 'json', 'binary'],
  default: 'string',
  description: 'How the key in the path is written: string (its UTF-8 text), json (JSON text, as produced with the json format), binary (base64).',
} as const;

export const TableKeyParams = {
  type: 'object',
  required: ['cluster_id', 'topic_name', 'key'],
  properties: { cluster_id: { type: 'string' }, topic_name: { type: 'string' }, key: { type: 'string' } },
} as const;

export const TableKeyQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    key_format: TableKeyFormat,
    format: RecordFormatQuery,
    partition: {
      type: 'integer',
      minimum: 0,
      description: "The partition to look in; by default the one Kafka's default partitioner gives the key (murmur2, as the producer chose it).",
    },
  },
} as const;

export const TableListQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100, description: 'About this many keys per page.' },
    cursor: { type: 'string', description: 'The next_cursor of the page before; absent for the first page.' },
    format: RecordFormatQuery,
  },
} as const;

const tableRecordProperties = { partition_id: { type: 'integer' }, ...ReadRecordProperties } as const;

export const TableRecord = {
  $id: 'TableRecord',
  type: 'object',
  description: "A key's latest record in a compacted topic.",
  properties: { topic_name: { type: 'string' }, ...tableRecordProperties },
} as const;

export const TablePage = {
  $id: 'TablePage',
  type: 'object',
  properties: {
    topic_name: { type: 'string' },
    data: { type: 'array', items: { type: 'object', properties: tableRecordProperties } },
    next_cursor: {
      type: ['string', 'null'],
      description: 'Where the next page starts; null after the last page. A page may hold fewer keys than asked, even none, and still have a next one.',
    },
  },
} as const;
