import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { FromSchema } from 'json-schema-to-ts';
import { parseEmbeddedFormat } from '../records/embedded-format.js';
import { clusterResolver } from '../http/v3/cluster.js';
import { toErrorBody } from '../http/error-handler.js';
import { errorResponses } from '../../schemas/common/error.js';
import { EventsParams, EventsQuery } from '../../schemas/ws/events.js';
import { Consumer } from '../consume/consumer.js';
import { decodeResumeToken, encodeResumeToken } from './resume-token.js';

const KEEP_ALIVE_MS = 15_000;

/** How often a group member's event stream commits what it delivered. */
const GROUP_COMMIT_INTERVAL_MS = 1000;

/**
 * `GET …/topics/{t}/events`: every partition of a topic as Server-Sent Events, live. Each record is
 * one `record` event whose id is a resume token; a client that reconnects with `Last-Event-ID`
 * (browsers' EventSource does so by itself) continues exactly where it stopped.
 */
export async function serverSentEventRoutes(app: FastifyInstance): Promise<void> {
  const cluster = clusterResolver(app);
  const { topics, fetch, outbound } = app.services;
  // Event streams never end by themselves: end them when the gateway shuts down.
  const open = new Set<ServerResponse>();
  app.addHook('preClose', async () => {
    for (const response of open) response.end();
  });

  app.get<{ Params: FromSchema<typeof EventsParams>; Querystring: FromSchema<typeof EventsQuery> }>(
    '/v3/clusters/:cluster_id/topics/:topic_name/events',
    {
      schema: {
        tags: ['websocket'],
        summary: 'Stream a topic as Server-Sent Events, resumable with Last-Event-ID',
        params: EventsParams,
        querystring: EventsQuery,
        produces: ['text/event-stream'],
        response: {
          200: { type: 'string', description: 'text/event-stream of `record` events (data: the record as JSON; id: resume token)' },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      await cluster(request.params.cluster_id);
      const topic = await topics.lookup(request.params.topic_name);
      const format = parseEmbeddedFormat(request.query.format);
      const header = request.headers['last-event-id'];
      const resume = decodeResumeToken((typeof header === 'string' ? header : undefined) ?? request.query.last_event_id ?? '');
      for (const partition of resume.keys()) topics.assertPartition(topic, partition);

      const raw = reply.raw;
      const group = request.query.group;
      const positions = new Map<number, number>();
      // Every start position is resolved before answering, so a bad request is still a clean 4xx.
      for (let partition = 0; partition < topic.partitions; partition++) {
        const resumed = resume.get(partition);
        // A group member's token names only partitions it delivered: a start it never read from
        // would pass over the group's commit when the partition comes to it later.
        if (group !== undefined && resumed === undefined) continue;
        const { logStartOffset, nextOffset } = await fetch.offsets(topic.name, partition);
        const start =
          resumed === undefined ? (request.query.from === 'earliest' ? logStartOffset : nextOffset) : Math.min(Math.max(resumed, logStartOffset), nextOffset);
        positions.set(partition, start);
      }

      let consumer: Consumer | undefined = undefined;
      const queue = outbound.open({
        write: (text, flushed) => raw.write(text, flushed),
        drained: () => consumer?.delivery.drained(),
        // A client that reads nothing is cut off; its EventSource reconnects and resumes where it stopped.
        stalled: () => raw.destroy(),
      });
      const event = (name: string, data: object) => raw.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
      const streamConsumer = new Consumer(
        app.services,
        {
          send({ batch, start, end, rendering }) {
            let chunk = '';
            for (let i = start; i < end; i++) {
              positions.set(batch.partition, batch.records[i].offset + 1);
              chunk += `id: ${encodeResumeToken(positions)}\nevent: record\ndata: ${rendering.json[i]}\n\n`;
            }
            queue.write(chunk);
          },
          room: () => queue.room(),
        },
        {
          // Partitions read without a group are announced by the `ready` event.
          assigned: (partitions, generation) => generation !== undefined && event('assigned', { generation, partitions }),
          revoked: (partitions, generation) => event('revoked', { generation, partitions }),
          error: (error) => event('error', toErrorBody(error).body),
          fenced: (error) => {
            event('error', toErrorBody(error).body);
            raw.end();
          },
        },
        {
          format,
          credit: Number.MAX_SAFE_INTEGER,
          offsetReset: request.query.from,
          // A group member commits what it delivered every second, and whenever a partition moves or it goes.
          delivery: 'auto-commit',
          autoCommitIntervalMs: GROUP_COMMIT_INTERVAL_MS,
          resumeAt: (tp) => resume.get(tp.partition),
        },
      );
      consumer = streamConsumer;

      reply.hijack();
      raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      raw.write(
        `retry: 1000\nid: ${encodeResumeToken(positions)}\nevent: ready\ndata: ${JSON.stringify({ topic: topic.name, partitions: topic.partitions })}\n\n`,
      );
      const keepAlive = setInterval(() => raw.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
      open.add(raw);
      raw.on('close', () => {
        open.delete(raw);
        queue.close();
        clearInterval(keepAlive);
        void streamConsumer.close().catch((error: unknown) => request.log.warn({ err: error }, 'closing an event stream failed'));
      });
      try {
        if (group === undefined) await streamConsumer.assign([...positions].map(([partition, offset]) => ({ topic: topic.name, partition, offset })));
        else await streamConsumer.subscribe(group, [topic.name], { clientId: 'event-stream', groupInstanceId: request.query.group_instance_id });
      } catch (error) {
        // The stream is open already: the error goes out as an event and the stream ends.
        event('error', toErrorBody(error).body);
        raw.end();
      }
    },
  );
}
