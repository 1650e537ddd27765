import { Ajv } from 'ajv';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ErrorCode, GatewayError } from '../../errors.js';
import { parseJson } from '../../json-text.js';
import type { OffsetResetPolicy } from '../../consume/start-offsets.js';
import type { InstanceConfig, InstanceKey } from '../../groups/instances/instance-state.js';
import type { RecordFormat } from '../../fetch/schema-decoding.js';
import { errorResponses } from '../../../schemas/common/error.js';
import {
  CommittedOffsets,
  ConsumerRecords,
  CreateConsumerRequest,
  CreateConsumerResponse,
  OffsetsRequest,
  PartitionsRequest,
  Subscription,
  SubscriptionRequest,
} from '../../../schemas/v2/consumers.js';
import { baseUrl } from '../v3/cluster.js';

type TP = { topic: string; partition: number };
interface InstanceParams {
  group: string;
  instance: string;
}

const V2 = 'application/vnd.kafka.v2+json';
const groupParams = { type: 'object', required: ['group'], properties: { group: { type: 'string' } } } as const;
const instanceParams = { type: 'object', required: ['group', 'instance'], properties: { group: { type: 'string' }, instance: { type: 'string' } } } as const;
const tags = ['v2'];
const DEFAULT_REQUEST_TIMEOUT_MS = 1000;
const COMMIT_DESCRIPTION =
  'As in Confluent REST Proxy, each `offset` names the last record processed: the group commits `offset + 1`, the next offset to read, ' +
  'and a new member of the group starts there. With no body (or no offsets), the positions after everything fetched are committed.';
const COMMITTED_DESCRIPTION =
  "The group's committed offset of each partition as Kafka stores it: the next offset to read (one more than the offset given to `POST …/offsets`). " +
  'Partitions the group never committed are left out.';
const MAX_REQUEST_TIMEOUT_MS = 60_000;

function positiveInteger(name: string, value: string | number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 0)
    throw new GatewayError(ErrorCode.INVALID_CONSUMER_CONFIG, `Invalid consumer configuration: ${name} must be a non-negative integer, got '${value}'.`);
  return number;
}

/** Confluent v2 consumer instances: create, subscribe or assign, poll records, commit, seek, delete. */
export async function v2ConsumerRoutes(app: FastifyInstance): Promise<void> {
  const { consumers } = app.services;
  for (const schema of [
    CreateConsumerRequest,
    CreateConsumerResponse,
    SubscriptionRequest,
    Subscription,
    PartitionsRequest,
    OffsetsRequest,
    CommittedOffsets,
    ConsumerRecords,
  ])
    app.addSchema(schema);
  app.addHook('onSend', async (_request, reply, payload) => {
    if (String(reply.getHeader('content-type') ?? '').startsWith('application/json')) reply.header('content-type', V2);
    return payload;
  });
  const keyOf = (request: FastifyRequest<{ Params: InstanceParams }>): InstanceKey => ({ group: request.params.group, id: request.params.instance });
  const routeSchema = (summary: string, extra: object = {}) => ({ tags, summary, params: instanceParams, ...extra });

  app.post<{ Params: { group: string }; Body: Record<string, string | number | undefined> }>(
    '/consumers/:group',
    {
      schema: {
        tags,
        summary: 'Create a consumer instance in a group',
        params: groupParams,
        body: { $ref: 'V2CreateConsumerRequest#' },
        response: { 200: { $ref: 'V2CreateConsumerResponse#' }, ...errorResponses },
      },
    },
    async (request) => {
      const body = request.body ?? {};
      const reset = (body['auto.offset.reset'] as string | undefined) ?? 'latest';
      const config: InstanceConfig = {
        format: ((body.format as string | undefined) ?? 'binary') as RecordFormat,
        offsetReset: (reset === 'smallest' ? 'earliest' : reset === 'largest' ? 'latest' : reset) as OffsetResetPolicy,
        autoCommit: (body['auto.commit.enable'] ?? 'true') === 'true',
        requestTimeoutMs: Math.min(
          positiveInteger('consumer.request.timeout.ms', body['consumer.request.timeout.ms'], DEFAULT_REQUEST_TIMEOUT_MS),
          MAX_REQUEST_TIMEOUT_MS,
        ),
      };
      positiveInteger('fetch.min.bytes', body['fetch.min.bytes'], 1);
      const id = await consumers.create(request.params.group, body.name as string | undefined, config);
      return { instance_id: id, base_uri: `${baseUrl(request)}/consumers/${request.params.group}/instances/${id}` };
    },
  );

  app.delete<{ Params: InstanceParams }>(
    '/consumers/:group/instances/:instance',
    { schema: routeSchema('Delete a consumer instance (it leaves its group)', { response: { 204: { type: 'null' }, ...errorResponses } }) },
    async (request, reply) => {
      await consumers.delete(keyOf(request));
      return reply.status(204).send();
    },
  );

  app.post<{ Params: InstanceParams; Body: { topics?: string[]; topic_pattern?: string } }>(
    '/consumers/:group/instances/:instance/subscription',
    {
      schema: routeSchema('Subscribe to topics or a topic pattern', {
        body: { $ref: 'V2SubscriptionRequest#' },
        response: { 204: { type: 'null' }, ...errorResponses },
      }),
    },
    async (request, reply) => {
      const { topics, topic_pattern: pattern } = request.body;
      if ((topics === undefined) === (pattern === undefined)) throw new GatewayError(ErrorCode.UNPROCESSABLE, 'Give either topics or topic_pattern.');
      await consumers.subscribe(keyOf(request), topics, pattern);
      return reply.status(204).send();
    },
  );

  app.get<{ Params: InstanceParams }>(
    '/consumers/:group/instances/:instance/subscription',
    { schema: routeSchema('The subscribed topics', { response: { 200: { $ref: 'V2Subscription#' }, ...errorResponses } }) },
    async (request) => ({ topics: await consumers.subscription(keyOf(request)) }),
  );

  app.delete<{ Params: InstanceParams }>(
    '/consumers/:group/instances/:instance/subscription',
    { schema: routeSchema('Unsubscribe', { response: { 204: { type: 'null' }, ...errorResponses } }) },
    async (request, reply) => {
      await consumers.unsubscribe(keyOf(request));
      return reply.status(204).send();
    },
  );

  app.post<{ Params: InstanceParams; Body: { partitions: TP[] } }>(
    '/consumers/:group/instances/:instance/assignments',
    { schema: routeSchema('Assign partitions by hand', { body: { $ref: 'V2PartitionsRequest#' }, response: { 204: { type: 'null' }, ...errorResponses } }) },
    async (request, reply) => {
      await consumers.assign(keyOf(request), request.body.partitions);
      return reply.status(204).send();
    },
  );

  app.get<{ Params: InstanceParams }>(
    '/consumers/:group/instances/:instance/assignments',
    { schema: routeSchema('The partitions the instance reads', { response: { 200: { $ref: 'V2PartitionsRequest#' }, ...errorResponses } }) },
    async (request) => ({ partitions: await consumers.assignments(keyOf(request)) }),
  );

  app.post<{ Params: InstanceParams; Body: { offsets?: Array<TP & { offset: number; metadata?: string }> } | null }>(
    '/consumers/:group/instances/:instance/offsets',
    {
      schema: routeSchema('Commit offsets (all fetched positions when none are given)', {
        description: COMMIT_DESCRIPTION,
        body: { anyOf: [{ $ref: 'V2OffsetsRequest#' }, { type: 'null' }] },
        response: { 200: { type: 'null' }, 204: { type: 'null' }, ...errorResponses },
      }),
    },
    async (request, reply) => {
      const offsets = request.body?.offsets;
      // Confluent's convention (KafkaConsumerState.commitOffsets): the body names the last record
      // processed, and what Kafka stores is the next offset to read. Positions are next-to-read already.
      await consumers.commit(keyOf(request), offsets && offsets.length > 0 ? offsets.map((o) => ({ ...o, offset: o.offset + 1 })) : undefined);
      return reply.status(200).send();
    },
  );

  // Confluent takes the partitions as a GET body; Fastify validates no GET body, so the same schema is applied here.
  const validatePartitions = new Ajv({ strict: false }).compile(PartitionsRequest);
  app.get<{ Params: InstanceParams; Body: unknown }>(
    '/consumers/:group/instances/:instance/offsets',
    {
      schema: routeSchema('Committed offsets of partitions (the partitions as a JSON body: {"partitions": [...]})', {
        description: COMMITTED_DESCRIPTION,
        response: { 200: { $ref: 'V2CommittedOffsets#' }, ...errorResponses },
      }),
    },
    async (request) => {
      const body = request.body ?? (await readJsonBody(request));
      if (!validatePartitions(body)) {
        throw new GatewayError(ErrorCode.UNPROCESSABLE, `Invalid request: body ${validatePartitions.errors?.[0]?.message ?? 'must be {"partitions": [...]}'}.`);
      }
      const committed = await consumers.committed(keyOf(request), (body as { partitions: TP[] }).partitions);
      // REST Proxy lists only the partitions the group has committed (KafkaConsumerState.committed).
      return { offsets: committed.filter((c) => c.offset >= 0) };
    },
  );

  app.post<{ Params: InstanceParams; Body: { offsets?: Array<TP & { offset: number }> } }>(
    '/consumers/:group/instances/:instance/positions',
    { schema: routeSchema('Seek partitions to offsets', { body: { $ref: 'V2OffsetsRequest#' }, response: { 204: { type: 'null' }, ...errorResponses } }) },
    async (request, reply) => {
      await consumers.seek(keyOf(request), request.body.offsets ?? []);
      return reply.status(204).send();
    },
  );

  for (const position of ['beginning', 'end'] as const) {
    app.post<{ Params: InstanceParams; Body: { partitions: TP[] } }>(
      `/consumers/:group/instances/:instance/positions/${position}`,
      {
        schema: routeSchema(`Seek partitions to the ${position}`, {
          body: { $ref: 'V2PartitionsRequest#' },
          response: { 204: { type: 'null' }, ...errorResponses },
        }),
      },
      async (request, reply) => {
        await consumers.seek(
          keyOf(request),
          request.body.partitions.map((tp) => ({ ...tp, offset: position })),
        );
        return reply.status(204).send();
      },
    );
  }

  app.get<{ Params: InstanceParams; Querystring: { timeout?: number; max_bytes?: number } }>(
    '/consumers/:group/instances/:instance/records',
    {
      schema: routeSchema('Fetch records (long poll: returns as soon as records arrive)', {
        querystring: {
          type: 'object',
          properties: {
            timeout: { type: 'integer', minimum: 0, maximum: MAX_REQUEST_TIMEOUT_MS },
            max_bytes: {
              type: 'integer',
              minimum: 1,
              maximum: 67108864,
              description: "Byte budget, records counted as Kafka's record format sizes them (headers included); the first record comes even when larger.",
            },
          },
        },
        response: { 200: { $ref: 'V2ConsumerRecords#' }, 406: { $ref: 'ErrorBody#' }, ...errorResponses },
      }),
    },
    async (request, reply) => {
      const accept = request.headers.accept ?? '*/*';
      let wanted = '';
      const records = await consumers.records(keyOf(request), {
        timeoutMs: request.query.timeout,
        maxBytes: request.query.max_bytes ?? 64 * 1024 * 1024,
        accept: ({ format }) => {
          wanted = `application/vnd.kafka.${format}.v2+json`;
          if (!accept.includes('*/*') && !accept.includes(wanted) && !accept.includes('application/json')) {
            throw new GatewayError(406, `This consumer instance returns ${wanted}; the Accept header asks for '${accept}'.`);
          }
        },
      });
      reply.header('content-type', wanted);
      return records;
    },
  );
}

/** Fastify parses no GET body; read it from the request stream (bounded like any body). */
async function readJsonBody(request: FastifyRequest): Promise<unknown> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of request.raw) {
    chunks.push(chunk as Buffer);
    length += (chunk as Buffer).length;
    if (length > 1024 * 1024) throw new GatewayError(ErrorCode.PAYLOAD_TOO_LARGE, 'Request body is larger than the limit.');
  }
  const body = Buffer.concat(chunks);
  if (body.toString('latin1').trim() === '') return undefined;
  return parseJson(body);
}
