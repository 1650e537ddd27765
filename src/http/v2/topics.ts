import type { FastifyRequest } from 'fastify';
import type { FromSchema } from 'json-schema-to-ts';
import { ErrorCode, GatewayError } from '../../errors.js';
import { toBytes } from '../../records/embedded-format.js';
import { SchemaEncoder } from '../../produce/schema-encoding.js';
import type { SchemaType } from '../../registry/types.js';
import type { Topic } from '../../topics/topic-service.js';
import {
  V2_PRODUCE_CONTENT_TYPES,
  V2_PRODUCE_FORMATS,
  V2Partition,
  V2PartitionOffsets,
  V2ProduceRequest,
  V2ProduceResponse,
  V2Topic,
  partitionParams,
  topicParams,
} from '../../../schemas/v2/topics.js';
import { errorResponses } from '../../../schemas/common/error.js';
import { ProduceHeaders } from '../../../schemas/common/compression.js';
import type { Compression } from '../../log/codecs.js';
import type { RoutePlugin } from '../route-plugin.js';

const V2_CONTENT_TYPE = 'application/vnd.kafka.v2+json';
const EMBEDDED = /^application\/vnd\.kafka\.(json|binary|avro|protobuf|jsonschema)\.v2\+json$/;

type ProduceBody = FromSchema<typeof V2ProduceRequest>;

type ContentFormat = (typeof V2_PRODUCE_FORMATS)[number];
const SCHEMA_TYPE: Record<Exclude<ContentFormat, 'json' | 'binary'>, SchemaType> = { avro: 'AVRO', protobuf: 'PROTOBUF', jsonschema: 'JSON' };

function partitionsOf(topic: Topic) {
  return Array.from({ length: topic.partitions }, (_, partition) => ({
    partition,
    leader: 0,
    replicas: [{ broker: 0, leader: true, in_sync: true }],
  }));
}

/** The embedded format named by a v2 produce Content-Type; anything else is 415. */
function embeddedFormat(request: FastifyRequest): ContentFormat {
  const contentType = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  const named = EMBEDDED.exec(contentType)?.[1];
  const format = V2_PRODUCE_FORMATS.find((known) => known === named);
  if (!format) {
    throw new GatewayError(
      ErrorCode.UNSUPPORTED_MEDIA_TYPE,
      `Unsupported Content-Type '${contentType}': produce with application/vnd.kafka.{json,binary,avro,protobuf,jsonschema}.v2+json.`,
    );
  }
  return format;
}

/** Confluent v2: topics, partitions, partition offsets, and produce with embedded formats. */
export const v2TopicRoutes: RoutePlugin<[typeof V2ProduceRequest]> = async (app) => {
  const { topics, produce, fetch, registry } = app.services;
  const schemas = new SchemaEncoder(registry);

  for (const schema of [V2Partition, V2Topic, V2PartitionOffsets, V2ProduceRequest, V2ProduceResponse]) app.addSchema(schema);
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (String(reply.getHeader('content-type') ?? '').startsWith('application/json')) reply.header('content-type', V2_CONTENT_TYPE);
    done(null, payload);
  });

  app.get(
    '/topics',
    { schema: { tags: ['v2'], summary: 'List topic names', response: { 200: { type: 'array', items: { type: 'string' } }, ...errorResponses } } },
    async () => (await topics.list()).map((topic) => topic.name),
  );

  app.get(
    '/topics/:topic',
    { schema: { tags: ['v2'], summary: 'Get a topic', params: topicParams, response: { 200: { $ref: 'V2Topic#' }, ...errorResponses } } },
    async (request) => {
      const topic = await topics.get(request.params.topic);
      const configs = Object.fromEntries(topics.describeConfigs(topic).map((entry) => [entry.name, entry.value]));
      return { name: topic.name, configs, partitions: partitionsOf(topic) };
    },
  );

  app.get(
    '/topics/:topic/partitions',
    {
      schema: {
        tags: ['v2'],
        summary: 'List the partitions of a topic',
        params: topicParams,
        response: { 200: { type: 'array', items: { $ref: 'V2Partition#' } }, ...errorResponses },
      },
    },
    async (request) => partitionsOf(await topics.get(request.params.topic)),
  );

  app.get(
    '/topics/:topic/partitions/:partition',
    { schema: { tags: ['v2'], summary: 'Get a partition', params: partitionParams, response: { 200: { $ref: 'V2Partition#' }, ...errorResponses } } },
    async (request) => {
      const topic = await topics.get(request.params.topic);
      topics.assertPartition(topic, request.params.partition);
      return partitionsOf(topic)[request.params.partition];
    },
  );

  app.get(
    '/topics/:topic/partitions/:partition/offsets',
    {
      schema: {
        tags: ['v2'],
        summary: 'Beginning and end offsets of a partition',
        params: partitionParams,
        response: { 200: { $ref: 'V2PartitionOffsets#' }, ...errorResponses },
      },
    },
    async (request) => {
      const offsets = await fetch.offsets(request.params.topic, request.params.partition);
      return { beginning_offset: offsets.logStartOffset, end_offset: offsets.nextOffset };
    },
  );

  /** Produces to `partition`, or to each record's own partition (or the partitioner's choice) when it is undefined. */
  const produceRecords = async (
    format: ContentFormat,
    topic: string,
    partition: number | undefined,
    body: ProduceBody,
    compression: Compression | undefined,
  ) => {
    if (format !== 'json' && format !== 'binary') return produceWithSchema(topic, partition, body, SCHEMA_TYPE[format], compression);
    const records = body.records.map((record, index) => ({
      partition: partition ?? record.partition,
      key: toBytes(record.key, format, `records[${index}].key`),
      value: toBytes(record.value, format, `records[${index}].value`),
    }));
    const produced = await produce.produce(topic, records, { compression });
    return {
      key_schema_id: null,
      value_schema_id: null,
      offsets: produced.map((p) => ({ partition: p.partition, offset: p.offset, error_code: null, error: null })),
    };
  };

  /** Every record is validated and encoded before anything is produced: one bad record writes nothing. */
  const produceWithSchema = async (
    topic: string,
    partition: number | undefined,
    body: ProduceBody,
    schemaType: SchemaType,
    compression: Compression | undefined,
  ) => {
    await topics.lookup(topic);
    const encoded = await schemas.encodeBatch(topic, schemaType, {
      key: { schemaId: body.key_schema_id, schema: body.key_schema },
      value: { schemaId: body.value_schema_id, schema: body.value_schema },
      records: body.records,
    });
    const produced = await produce.produce(
      topic,
      encoded.records.map((record, index) => ({ partition: partition ?? body.records[index].partition, key: record.key, value: record.value })),
      { compression },
    );
    return {
      key_schema_id: encoded.keySchemaId,
      value_schema_id: encoded.valueSchemaId,
      offsets: produced.map((p) => ({ partition: p.partition, offset: p.offset, error_code: null, error: null })),
    };
  };

  const produceSchema = <Params>(summary: string, params: Params) =>
    ({
      tags: ['v2'],
      summary,
      params,
      headers: ProduceHeaders,
      consumes: V2_PRODUCE_CONTENT_TYPES,
      body: { $ref: 'V2ProduceRequest#' },
      response: { 200: { $ref: 'V2ProduceResponse#' }, 415: { $ref: 'ErrorBody#' }, ...errorResponses },
    }) as const;
  // The Content-Type names the embedded format; a wrong one is 415 before the body is even validated.
  const preValidation = async (request: FastifyRequest) => void embeddedFormat(request);
  app.post('/topics/:topic', { schema: produceSchema('Produce records to a topic', topicParams), preValidation }, (request) =>
    produceRecords(embeddedFormat(request), request.params.topic, undefined, request.body, request.headers['compression-type']),
  );
  app.post('/topics/:topic/partitions/:partition', { schema: produceSchema('Produce records to one partition', partitionParams), preValidation }, (request) =>
    produceRecords(embeddedFormat(request), request.params.topic, request.params.partition, request.body, request.headers['compression-type']),
  );
};
