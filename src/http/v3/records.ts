import { Ajv } from 'ajv';
import type { FromSchema } from 'json-schema-to-ts';
import { ErrorCode, GatewayError, invalidInput } from '../../errors.js';
import type { ProduceRecord, ProducedRecord } from '../../produce/produce-service.js';
import { toBytes, type EmbeddedFormat } from '../../records/embedded-format.js';
import type { RegistryService } from '../../registry/registry-service.js';
import type { LogRecord, RecordHeader } from '../../log/store.js';
import { toErrorBody } from '../error-handler.js';
import { splitJsonValues } from '../json-stream.js';
import { parseJson, utf8Text } from '../../json-text.js';
import { SchemaEncoder, type PartSchema, type RecordPart } from '../../produce/schema-encoding.js';
import { decodeRecord, type RecordFormat } from '../../fetch/schema-decoding.js';
import type { SchemaType } from '../../registry/types.js';
import {
  OffsetForTime,
  OffsetForTimeQuery,
  PartitionRecords,
  ProducedData,
  ProduceRequest,
  ProduceRequestData,
  ProduceResponse,
  ReadRecordsQuery,
  type DataType,
} from '../../../schemas/v3/records.js';
import { partitionParams, topicParams, v3Errors } from '../../../schemas/v3/topics.js';
import { ProduceHeaders } from '../../../schemas/common/compression.js';
import type { RoutePlugin } from '../route-plugin.js';
import { clusterResolver } from './cluster.js';

type ProduceBody = FromSchema<typeof ProduceRequest, { references: [typeof ProduceRequestData] }>;
type ProduceData = NonNullable<FromSchema<typeof ProduceRequestData>>;

const FORMAT_OF: Partial<Record<DataType, EmbeddedFormat>> = { JSON: 'json', BINARY: 'binary', STRING: 'string' };
const SCHEMA_TYPE_OF: Partial<Record<DataType, SchemaType>> = { AVRO: 'AVRO', PROTOBUF: 'PROTOBUF', JSONSCHEMA: 'JSON' };
const DATA_TYPE_OF: Record<SchemaType, DataType> = { AVRO: 'AVRO', PROTOBUF: 'PROTOBUF', JSON: 'JSONSCHEMA' };

interface EncodedPart {
  bytes: Buffer | null;
  type: DataType;
  schema?: PartSchema;
}

const namesSchema = (data: ProduceData) =>
  data.schema_id !== undefined ||
  data.subject !== undefined ||
  data.schema !== undefined ||
  data.schema_version !== undefined ||
  data.subject_name_strategy !== undefined;

function timestampOf(value: string | number | null | undefined): number | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'number') return value;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw invalidInput(`timestamp '${value}' is not an ISO 8601 date-time.`);
  return ms;
}

function headersOf(headers: ProduceBody['headers']): RecordHeader[] {
  return (headers ?? []).map((header) => ({ name: header.name, value: toBytes(header.value, 'binary', `header '${header.name}'`) }));
}

export async function renderRecord(record: LogRecord, format: RecordFormat, registry: RegistryService) {
  return {
    offset: record.offset,
    timestamp: record.timestamp,
    ...(await decodeRecord(record, format, registry)),
    headers: record.headers.map((h) => ({ name: h.name, value: h.value === null ? null : h.value.toString('base64') })),
  };
}

/**
 * Confluent v3 produce (`POST …/records`, one record or a stream of records in one body) and
 * Streamgate's direct partition reads (`GET …/partitions/{p}/records`, `…/offsets`).
 */
export const v3RecordRoutes: RoutePlugin = async (app) => {
  const cluster = clusterResolver(app);
  const { produce, fetch, registry, topics } = app.services;
  const schemas = new SchemaEncoder(registry);
  for (const schema of [ProduceRequestData, ProduceRequest, ProducedData, ProduceResponse, PartitionRecords, OffsetForTime]) {
    if (!app.getSchema(schema.$id)) app.addSchema(schema);
  }
  const ajv = new Ajv({ allErrors: false, strict: false });
  ajv.addSchema(ProduceRequestData);
  const validateRecord = ajv.compile<ProduceBody>(ProduceRequest);

  // Streaming mode: the body may hold many JSON records one after another, so it is split here
  // and each record is validated on its own with the same schema the OpenAPI document shows.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser<Buffer>('application/json', { parseAs: 'buffer' }, (_request, body, done) => {
    try {
      done(
        null,
        splitJsonValues(utf8Text(body)).map((text) => parseJson(text)),
      );
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  type Resolve = ReturnType<SchemaEncoder['forRequest']>;

  /** A key or value to bytes: embedded types directly, schema types through the registry (each schema resolved once per request). */
  const encodePart = async (resolve: Resolve, part: RecordPart, data: ProduceData | null | undefined): Promise<EncodedPart> => {
    if (data === null || data === undefined) return { bytes: null, type: 'JSON' };
    const named = namesSchema(data);
    const embedded = data.type === undefined ? (named ? undefined : 'json') : FORMAT_OF[data.type];
    if (embedded) {
      if (named)
        throw new GatewayError(ErrorCode.UNPROCESSABLE, `${part}: type ${data.type} takes no schema; give AVRO, PROTOBUF or JSONSCHEMA to produce with one.`);
      return { bytes: toBytes(data.data, embedded, part), type: data.type ?? 'JSON' };
    }
    const schema = await resolve(part, {
      schemaType: data.type && SCHEMA_TYPE_OF[data.type],
      schemaId: data.schema_id,
      subject: data.subject,
      version: data.schema_version,
      schema: data.schema,
      strategy: data.subject_name_strategy,
    });
    const bytes = data.data === null || data.data === undefined ? null : schema.encode(data.data, part);
    return { bytes, type: DATA_TYPE_OF[schema.schemaType], schema };
  };

  const encodeRecord = async (resolve: Resolve, raw: unknown, index: number): Promise<{ record: ProduceRecord; key: EncodedPart; value: EncodedPart }> => {
    if (!validateRecord(raw)) {
      const problem = validateRecord.errors?.[0];
      throw new GatewayError(ErrorCode.UNPROCESSABLE, `Record ${index}: ${problem?.instancePath || 'body'} ${problem?.message ?? 'is invalid'}.`);
    }
    const key = await encodePart(resolve, 'key', raw.key);
    const value = await encodePart(resolve, 'value', raw.value);
    const record = {
      partition: raw.partition_id ?? undefined,
      key: key.bytes,
      value: value.bytes,
      headers: headersOf(raw.headers),
      timestamp: timestampOf(raw.timestamp),
    };
    return { record, key, value };
  };

  const describe = (part: EncodedPart, size: number) => {
    if (size < 0) return null;
    const schema = part.schema;
    if (!schema) return { type: part.type, size };
    return {
      type: part.type,
      size,
      schema_id: schema.schemaId,
      ...(schema.subject === undefined ? {} : { subject: schema.subject, schema_version: schema.version }),
    };
  };
  const result = (clusterId: string, topic: string, encoded: { key: EncodedPart; value: EncodedPart }, produced: ProducedRecord) => ({
    error_code: 200,
    cluster_id: clusterId,
    topic_name: topic,
    partition_id: produced.partition,
    offset: produced.offset,
    timestamp: new Date(produced.timestamp).toISOString(),
    key: describe(encoded.key, produced.keySize),
    value: describe(encoded.value, produced.valueSize),
  });

  app.post(
    '/v3/clusters/:cluster_id/topics/:topic_name/records',
    {
      schema: {
        tags: ['v3'],
        summary: 'Produce records (one, or a stream of records in one body)',
        params: topicParams,
        headers: ProduceHeaders,
        body: { $ref: 'ProduceRequest#' },
        response: { 200: { $ref: 'ProduceResponse#' }, ...v3Errors },
      },
      // The body is validated record by record in the handler (streaming mode), with the same schema.
      validatorCompiler: ({ httpPart, schema }) => (httpPart === 'body' ? () => true : ajv.compile(httpPart === 'headers' ? schema : {})),
      serializerCompiler: () => (data) => JSON.stringify(data),
    },
    async (request, reply) => {
      const clusterId = await cluster(request.params.cluster_id);
      const topic = request.params.topic_name;
      // Typed unknown (the plugin names no reference for ProduceRequest): each record is checked by validateRecord.
      const bodies = request.body;
      if (!Array.isArray(bodies) || bodies.length === 0) throw invalidInput('The request body holds no record.');
      // An unknown topic is 40401 before any inline schema gets registered for it.
      await topics.lookup(topic);
      const resolve = schemas.forRequest(topic);
      const options = { compression: request.headers['compression-type'] };
      if (bodies.length === 1) {
        const encoded = await encodeRecord(resolve, bodies[0], 0);
        const [produced] = await produce.produce(topic, [encoded.record], options);
        return reply.send(result(clusterId, topic, encoded, produced));
      }
      // Streaming mode: one result per record, in order; a bad record gets its own error and the rest go on.
      const lines: string[] = [];
      for (const [index, raw] of bodies.entries()) {
        try {
          const encoded = await encodeRecord(resolve, raw, index);
          const [produced] = await produce.produce(topic, [encoded.record], { ...options, firstIndex: index });
          lines.push(JSON.stringify(result(clusterId, topic, encoded, produced)));
        } catch (error) {
          const { body, unexpected } = toErrorBody(error);
          if (unexpected) request.log.error({ err: error }, 'produce failed');
          lines.push(JSON.stringify(body));
        }
      }
      return reply.type('application/json').send(lines.join('\n') + '\n');
    },
  );

  app.get(
    '/v3/clusters/:cluster_id/topics/:topic_name/partitions/:partition_id/records',
    {
      schema: {
        tags: ['streamgate'],
        summary: 'Read a partition from an offset or a timestamp',
        params: partitionParams,
        querystring: ReadRecordsQuery,
        response: { 200: { $ref: 'PartitionRecords#' }, 416: { $ref: 'ErrorBody#' }, ...v3Errors },
      },
    },
    async (request) => {
      await cluster(request.params.cluster_id);
      const { topic_name: topic, partition_id: partition } = request.params;
      const query = request.query;
      let offset = query.offset;
      if (offset === undefined && query.timestamp !== undefined) {
        const found = await fetch.offsetForTimestamp(topic, partition, query.timestamp);
        offset = found?.offset ?? (await fetch.offsets(topic, partition)).nextOffset;
      }
      offset ??= (await fetch.offsets(topic, partition)).logStartOffset;
      const read = await fetch.read(topic, partition, { offset, maxRecords: query.max_records, maxBytes: query.max_bytes });
      const last = read.records.at(-1);
      return {
        topic_name: read.topic,
        partition_id: read.partition,
        log_start_offset: read.logStartOffset,
        high_watermark: read.highWatermark,
        next_offset: last ? last.offset + 1 : offset,
        records: await Promise.all(read.records.map((record) => renderRecord(record, query.format, registry))),
      };
    },
  );

  app.get(
    '/v3/clusters/:cluster_id/topics/:topic_name/partitions/:partition_id/offsets',
    {
      schema: {
        tags: ['streamgate'],
        summary: "Offset for a timestamp (Kafka's offsetsForTimes)",
        params: partitionParams,
        querystring: OffsetForTimeQuery,
        response: { 200: { $ref: 'OffsetForTime#' }, ...v3Errors },
      },
    },
    async (request) => {
      await cluster(request.params.cluster_id);
      const found = await fetch.offsetForTimestamp(request.params.topic_name, request.params.partition_id, request.query.timestamp);
      return found ?? { offset: null, timestamp: null };
    },
  );
};
